"""A tenant's webhook endpoints: add (the secret shown once), list, remove, test (a ping)."""

from sqlalchemy import text

from analytics_app.db.tenant_session import enter_schema
from analytics_app.webhooks import delivery, secrets
from analytics_app.webhooks.delivery import check_url

EVENTS = ("alert.triggered", "ping")


def add(session, schema, url, events, private=None):
    """Check and store an endpoint; return (id, secret). The secret is not kept in clear.
    private: allow http and local addresses (default: WEBHOOKS_ALLOW_PRIVATE)."""
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise ValueError(f"Events must be among {', '.join(EVENTS)} (got {', '.join(unknown)}).")
    check_url(url, private=private)
    secret = secrets.new_secret()
    enter_schema(session, schema)
    endpoint_id = session.execute(
        text(
            "INSERT INTO webhook_endpoints (url, events, secret_sealed)"
            " VALUES (:url, CAST(:events AS text[]), :sealed) RETURNING id"
        ),
        {"url": url, "events": sorted(set(events)), "sealed": secrets.seal(secret)},
    ).scalar_one()
    session.commit()
    return endpoint_id, secret


def listed(session, schema):
    """Each endpoint with its last 20 deliveries (newest first)."""
    enter_schema(session, schema)
    rows = session.execute(
        text(
            "SELECT e.id, e.url, e.events, e.created_at, e.disabled_at,"
            " (SELECT coalesce(json_agg(json_build_object('event_id', d.event_id,"
            "   'type', d.event_type, 'status', d.status, 'attempts', d.attempts,"
            "   'last_status', d.last_status, 'last_error', d.last_error) ORDER BY d.id DESC), '[]')"
            "  FROM (SELECT * FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
            "        ORDER BY d.id DESC LIMIT 20) d) AS deliveries"
            " FROM webhook_endpoints e ORDER BY e.id"
        )
    ).all()
    session.commit()
    return rows


def remove(session, schema, endpoint_id):
    enter_schema(session, schema)
    gone = session.execute(
        text("DELETE FROM webhook_endpoints WHERE id = :id RETURNING id"), {"id": endpoint_id}
    ).first()
    session.commit()
    return gone is not None


def queue_ping(session, schema, endpoint_id):
    """Queue a ping to one endpoint; its event id (None: no such endpoint)."""
    enter_schema(session, schema)
    event_id = session.execute(
        text(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)"
            " SELECT e.id, 'msg_' || md5(random()::text || clock_timestamp()::text), 'ping',"
            " jsonb_build_object('type', 'ping', 'timestamp', rfc3339(now(), 'UTC'),"
            "                    'data', jsonb_build_object('endpoint_id', e.id))"
            " FROM webhook_endpoints e WHERE e.id = :id RETURNING event_id"
        ),
        {"id": endpoint_id},
    ).scalar()
    if event_id is not None:
        delivery.mark_due(session)
    session.commit()
    return event_id
