"""Report and export reads on a streaming standby (DATABASE_REPLICA_URL).

With a replica set, the report functions (API, dashboard page) and the exports run on
it; everything else stays on the primary: finding the tenant, checking the key and
the plan (so a revoked key or a plan change applies at once, not once replayed),
the key's last-used time, logins, sessions, the CLI and migrations.

A report on the replica is two statements on a connection of its own pool: the
transaction-local settings (tenant schema, read only, statement timeout; as on the
primary, see tenant_session.py) and the report function.

When the replica cannot be reached, or it cancels a report because replaying WAL
needed the rows (a recovery conflict), the report is answered by the primary and the
replica is left alone for REPLICA_RETRY_S seconds (one warning in the log, not one
per request). A statement timeout is an answer, not an outage: it stays a 503 and the
primary is not asked again. The choice and its reasons: docs/scale-out.md "Read replica".
"""

import logging
import threading
import time

import psycopg
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db

log = logging.getLogger(__name__)

BIND = "replica"
EXPORT_BIND = "exports_replica"


class Unavailable(Exception):
    """The replica cannot answer now; ask the primary."""


class _State:
    """When the replica was last found unusable (per process; workers learn on their own)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0

    def usable(self):
        return time.monotonic() >= self.down_until

    def mark_down(self, retry_s, reason):
        with self.lock:
            first = self.usable()
            self.down_until = time.monotonic() + retry_s
        if first:
            log.warning("replica unusable (%s); reads go to the primary for %g s", reason, retry_s)


def _state(app):
    return app.extensions.setdefault("analytics_replica", _State())


def configured(app=None):
    app = app or current_app
    return bool(app.config.get("DATABASE_REPLICA_URL"))


def usable(app=None):
    """Whether reads should try the replica now."""
    app = app or current_app
    return configured(app) and _state(app).usable()


def mark_down(reason, app=None):
    app = app or current_app
    _state(app).mark_down(app.config["REPLICA_RETRY_S"], reason)


def fall_back_for(err):
    """Whether an error from the replica means "ask the primary" (not an answer)."""
    orig = getattr(err, "orig", err)
    if isinstance(orig, psycopg.errors.QueryCanceled):
        return False  # the statement timeout: the report is too slow anywhere
    if isinstance(orig, psycopg.errors.SerializationFailure):
        return True  # "canceling statement due to conflict with recovery"
    if isinstance(orig, psycopg.OperationalError):
        return True  # cannot connect, connection lost, server shutting down
    return bool(getattr(err, "connection_invalidated", False))


def run_report(schema, sql, params, timeout_ms):
    """The report's value from the replica; Unavailable when the primary must answer."""
    try:
        with db.engines[BIND].connect() as conn:
            enter_schema(conn, schema, read_only=True, timeout_ms=timeout_ms)
            value = conn.execute(text(sql), params).scalar_one()
            conn.rollback()
            return value
    except PoolTimeout:
        raise Unavailable("every replica connection is busy") from None
    except DBAPIError as err:
        if not fall_back_for(err):
            raise
        mark_down(type(getattr(err, "orig", err)).__name__)
        raise Unavailable(str(err)) from None


def replay_state(conn):
    """The standby's state, or None when the server is not one.

    backlog_bytes: WAL received but not replayed yet. last_commit_age_s: how long ago
    the newest replayed transaction committed on the primary; it grows while the
    primary is idle, so it bounds how stale an answer may be rather than measuring it.
    """
    row = conn.execute(
        text(
            "SELECT pg_is_in_recovery(),"
            " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()),"
            " extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
        )
    ).one()
    if not row[0]:
        return None
    return {
        "backlog_bytes": None if row[1] is None else int(row[1]),
        "last_commit_age_s": None if row[2] is None else round(float(row[2]), 3),
    }
