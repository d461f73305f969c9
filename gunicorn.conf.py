"""Read by `gunicorn wsgi:app` from this folder (command-line flags still win).

Threaded workers: a report is a few milliseconds of waiting on PostgreSQL, and an
export may wait minutes on a slow client; with gunicorn's default single sync
worker one stalled export would hold every request behind it.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Worker heartbeat only (gthread requests are not killed by it); exports have their own
# limits (EXPORT_DEADLINE_S, EXPORT_IDLE_S).
timeout = 60
keepalive = 5
