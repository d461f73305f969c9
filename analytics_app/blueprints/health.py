"""GET /healthz and /readyz: liveness and readiness probes; they answer on any host."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from analytics_app.db import fold, migrate, replica
from analytics_app.extensions import db
from analytics_app.webhooks import delivery

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    connection = db.session.connection()
    connection.execute(text("SELECT 1"))
    current = migrate.current_revision(connection, "public")
    if current != migrate.head("public"):
        return jsonify({"status": "migrations pending", "public": current}), 503
    db.session.commit()
    body = {"status": "ready", **_backlogs()}
    if replica.configured():
        body["replica"] = _replica_state()
    return jsonify(body)


def _replica_state():
    """The standby's state; a replica down does not make the service unready (reads
    fall back to the primary), so it is reported, not a 503."""
    try:
        with db.engines[replica.BIND].connect() as conn:
            state = replica.replay_state(conn)
    except (DBAPIError, PoolTimeout) as err:
        return {"status": "unreachable", "detail": type(getattr(err, "orig", err)).__name__}
    if state is None:
        return {"status": "not a standby"}
    return {"status": "ok", **state}


def _backlogs():
    """The workers' backlogs, read on a connection of their own in autocommit: each batch
    of tenants is its own transaction, so the locks on their tables go with it. In the
    request's transaction they added up to three per tenant, and at 3,000 tenants
    overflowed the server's lock table ("out of shared memory": a 500 here, and the
    same error for anyone else's statement meanwhile)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        raw = conn.connection.driver_connection
        return {"fold": _fold_backlog(raw), "webhooks": _webhook_backlog(raw)}


def _webhook_backlog(raw):
    """Webhook deliveries due and not sent (a growing number: the sender is down)."""
    schemas = [  # those the sender is due to visit (webhooks_due_at), with the outbox
        row[0]
        for row in raw.execute(
            "SELECT schema_name FROM public.tenants WHERE webhooks_due_at <= now()"
            " AND to_regclass(format('%I.webhook_deliveries', schema_name)) IS NOT NULL"
            " ORDER BY id"
        )
    ]
    due, oldest = delivery.backlog(raw, schemas)
    age = raw.execute("SELECT extract(epoch FROM now() - %s)", (oldest,)).fetchone()[0]
    return {
        "deliveries_due": due,
        "oldest_due_age_seconds": round(float(age), 1) if age is not None else None,
    }


def _fold_backlog(raw):
    """Changes the fold worker has not moved into the rollups yet (reports are exact
    either way; a growing backlog means the worker is down or behind)."""
    changes, oldest = fold.backlog(raw)
    age = raw.execute("SELECT extract(epoch FROM now() - %s)", (oldest,)).fetchone()[0]
    return {
        "changes_waiting": changes,
        "oldest_change_age_seconds": round(float(age), 1) if age is not None else None,
    }
