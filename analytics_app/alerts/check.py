"""Evaluate the alert rules for every tenant with advanced_analytics, one transaction each,
then send the alert emails those transactions owe (alerts.emails)."""

from sqlalchemy import text

from analytics_app.alerts import emails
from analytics_app.db.tenant_session import enter_schema

TENANTS_SQL = text(
    "SELECT schema_name, public.tenant_feature(schema_name, 'can_accept_payments') AS paid"
    " FROM public.tenants"
    " WHERE public.tenant_feature(schema_name, 'advanced_analytics')"
    " AND (CAST(:schemas AS text[]) IS NULL OR schema_name = ANY (CAST(:schemas AS text[])))"
    " ORDER BY schema_name"
)


def check_tenant(session, schema, now, paid):
    """Record the alerts that hold for one tenant at `now`; return them (commits)."""
    enter_schema(session, schema)
    rows = session.execute(
        text("SELECT id, rule, subject, message FROM check_alerts(:now, :paid)"),
        {"now": now, "paid": bool(paid)},
    ).all()
    session.commit()
    return rows


def check_all(session, now, schemas=None, echo=print, transport=None):
    """Every tenant with advanced_analytics (or these); return ({schema: alerts recorded},
    emails.Sent). With a transport, each tenant's pending emails are sent after its check."""
    tenants = session.execute(TENANTS_SQL, {"schemas": schemas}).all()
    session.commit()
    recorded, mailed = {}, emails.Sent()
    for schema, paid in tenants:
        rows = check_tenant(session, schema, now, paid)
        recorded[schema] = rows
        for row in rows:
            echo(f"{schema}: {row.rule} {row.subject}: {row.message}")
        if transport is not None:
            sent = emails.send_pending(session, schema, transport)
            for field in ("sent", "failed", "skipped"):
                getattr(mailed, field).extend(getattr(sent, field))
    return recorded, mailed
