"""Evaluate the alert rules for every tenant with advanced_analytics, one transaction each,
then send the alert emails those transactions owe (alerts.emails)."""

from sqlalchemy import text

from analytics_app.alerts import emails
from analytics_app.db.tenant_session import enter_schema

TENANTS_SQL = text(
    "SELECT id, schema_name,"
    " public.tenant_feature(schema_name, 'can_accept_payments') AS paid"
    " FROM public.tenants"
    " WHERE public.tenant_feature(schema_name, 'advanced_analytics')"
    " AND (CAST(:schemas AS text[]) IS NULL OR schema_name = ANY (CAST(:schemas AS text[])))"
    " ORDER BY schema_name"
)


# The emails owed for the alerts just recorded, in the same transaction (the outbox):
# one per alert and active user of the tenant who keeps alert emails on.
OWE_EMAILS_SQL = text(
    "INSERT INTO notification_emails (kind, alert_id, user_id)"
    " SELECT 'alert', a.id, u.id"
    " FROM unnest(CAST(:alerts AS bigint[])) AS a (id)"
    " CROSS JOIN public.users u"
    " WHERE u.tenant_id = :tenant AND u.alert_emails AND u.is_active"
)


def check_tenant(session, tenant_id, schema, now, paid):
    """Record the alerts that hold for one tenant at `now`, with the webhooks and emails
    they owe; return them (commits)."""
    enter_schema(session, schema)
    rows = session.execute(
        text("SELECT id, rule, subject, message FROM check_alerts(:now, :paid)"),
        {"now": now, "paid": bool(paid)},
    ).all()
    if rows:
        session.execute(OWE_EMAILS_SQL, {"alerts": [r.id for r in rows], "tenant": tenant_id})
    session.commit()
    return rows


def check_all(session, now, schemas=None, echo=print, transport=None):
    """Every tenant with advanced_analytics (or these); return ({schema: alerts recorded},
    emails.Sent). With a transport, each tenant's pending emails are sent after its check."""
    tenants = session.execute(TENANTS_SQL, {"schemas": schemas}).all()
    session.commit()
    recorded, mailed = {}, emails.Sent()
    for tenant_id, schema, paid in tenants:
        rows = check_tenant(session, tenant_id, schema, now, paid)
        recorded[schema] = rows
        for row in rows:
            echo(f"{schema}: {row.rule} {row.subject}: {row.message}")
        if transport is not None:
            sent = emails.send_pending(session, schema, transport)
            for field in ("sent", "failed", "skipped"):
                getattr(mailed, field).extend(getattr(sent, field))
    return recorded, mailed
