"""The production server's settings, read by `gunicorn wsgi:app` from this folder.

Command-line flags still win. Every setting below can be changed through the
environment, so a deployment edits no file:

| variable | default | |
|---|---|---|
| GUNICORN_BIND | 127.0.0.1:8000 | address (a proxy in front serves TLS) |
| WEB_CONCURRENCY | the CPU count (at least 2) | worker processes |
| GUNICORN_THREADS | 4 | threads per worker |
| GUNICORN_TIMEOUT | 60 | seconds a silent worker lives before it is replaced |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds in-flight requests get after SIGTERM |
| GUNICORN_ACCESSLOG | - (standard output) | "" turns the access log off |
| GUNICORN_CONTROL_SOCKET | unset: off | a path turns gunicorn's control socket on |

Threaded workers (gthread): a report is a few milliseconds of waiting on PostgreSQL,
and an export may wait minutes on a slow client; with gunicorn's default single sync
worker one stalled client would hold every request behind it. A worker per core keeps
Python's interpreter lock from serialising the cores; a few threads per worker cover
the time spent waiting on the database. Each worker holds its own connection pool
(DB_POOL_SIZE, default 5): keep DB_POOL_SIZE >= threads, and workers x DB_POOL_SIZE
(+ EXPORT_POOL_SIZE) below the server's max_connections, or put PgBouncer in front.

The access log is one JSON object per line (time, remote address, method, path, query,
host, status, bytes, milliseconds, request id, user agent); the app itself logs one
JSON line per request with the tenant and user (analytics_app/request_hooks.py).
"""

import json
import os
from datetime import UTC, datetime

from gunicorn import glogging


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", max(2, os.cpu_count() or 1))
threads = _int("GUNICORN_THREADS", 4)
# Worker heartbeat only (gthread requests are not killed by it); exports have their own
# limits (EXPORT_DEADLINE_S, EXPORT_IDLE_S).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# A worker is replaced after this many requests (spread out so they do not all restart
# at once): a slow leak in any library cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
# gunicorn's runtime control socket is off unless a path is given: by default every
# server of a user shares ~/.gunicorn/gunicorn.ctl, and the last one started wins it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or None
control_socket_disable = control_socket is None
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


class JsonAccessLogger(glogging.Logger):
    """Access log lines as JSON objects (values escaped, so any header is safe to log)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        self.access_log.info(
            json.dumps(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "remote": environ.get("REMOTE_ADDR"),
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "query": environ.get("QUERY_STRING") or None,
                    "host": environ.get("HTTP_HOST"),
                    "status": resp.status_code,
                    "bytes": getattr(resp, "sent", None),
                    "ms": round(request_time.total_seconds() * 1000, 2),
                    "request_id": headers.get("x-request-id"),
                    "user_agent": environ.get("HTTP_USER_AGENT"),
                }
            )
        )


logger_class = JsonAccessLogger
