"""Evaluate the alert rules for every tenant with advanced_analytics, one transaction each,
then send the alert emails those transactions owe (alerts.emails).

An alert's `message` is "a sentence in the tenant's language" (SPEC Part 6): the rules and
figures are the database's (check_alerts() in sql/alerts.sql, which writes an English
sentence), and the sentence is written again here, in the language of the tenant's locale
and its formats (alerts/wording.py, as the dashboard writes it), before the transaction
that recorded the alert commits: the stored alert and the payload of its webhook
deliveries never hold the English one. The CLI's own lines keep the English (log lines
stay English, Part 7).
"""

from flask_babel import force_locale
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, TEXT

from analytics_app.alerts import emails, wording
from analytics_app.db.tenant_session import enter_schema
from analytics_app.formats import languages, localisation
from analytics_app.webhooks import delivery

TENANTS_SQL = text(
    "SELECT id, schema_name, locale, currency,"
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


# The recorded alerts' sentences in the tenant's language, and the same in the payload of
# the webhook deliveries check_alerts() queued for them (pending, their data the alert's
# JSON: found by its id).
WORDED_SQL = text(
    "WITH worded AS ("
    " SELECT w.id, w.message FROM unnest(:ids, :messages) AS w (id, message)),"
    " alerted AS ("
    " UPDATE alerts a SET message = w.message FROM worded w WHERE a.id = w.id)"
    " UPDATE webhook_deliveries d"
    " SET payload = jsonb_set(d.payload, '{data,message}', to_jsonb(w.message))"
    " FROM worded w"
    " WHERE d.status = 'pending' AND d.event_type = 'alert.triggered'"
    " AND (d.payload #>> '{data,id}')::bigint = w.id"
).bindparams(bindparam("ids", type_=ARRAY(BIGINT)), bindparam("messages", type_=ARRAY(TEXT)))


def tenant_sentences(rows, locale, currency):
    """Each alert's sentence in the language of the tenant's locale, with its formats."""
    language = languages.language_for(locale)
    fmt = localisation.Formats(
        locale or localisation.DEFAULT_LOCALE, currency or localisation.DEFAULT_CURRENCY, language
    )
    with force_locale(language):
        return [wording.sentence(row, fmt) for row in rows]


def check_tenant(session, tenant_id, schema, now, paid, locale=None, currency=None):
    """Record the alerts that hold for one tenant at `now`, with the webhooks and emails
    they owe; return them (commits). Each returned row's `message` is the English one (for
    the CLI's lines); the stored alert's is in the tenant's language."""
    enter_schema(session, schema)
    rows = session.execute(
        text("SELECT * FROM check_alerts(:now, :paid)"),
        {"now": now, "paid": bool(paid)},
    ).all()
    if rows:
        session.execute(
            WORDED_SQL,
            {"ids": [r.id for r in rows], "messages": tenant_sentences(rows, locale, currency)},
        )
        session.execute(OWE_EMAILS_SQL, {"alerts": [r.id for r in rows], "tenant": tenant_id})
        delivery.mark_due(session)  # check_alerts() may have queued webhook deliveries
    session.commit()
    return rows


def check_all(session, now, schemas=None, echo=print, transport=None):
    """Every tenant with advanced_analytics (or these); return ({schema: alerts recorded},
    emails.Sent). With a transport, each tenant's pending emails are sent after its check."""
    tenants = session.execute(TENANTS_SQL, {"schemas": schemas}).all()
    session.commit()
    recorded, mailed = {}, emails.Sent()
    for tenant_id, schema, locale, currency, paid in tenants:
        rows = check_tenant(session, tenant_id, schema, now, paid, locale, currency)
        recorded[schema] = rows
        for row in rows:
            echo(f"{schema}: {row.rule} {row.subject}: {row.message}")
        if transport is not None:
            sent = emails.send_pending(session, schema, transport)
            for field in ("sent", "failed", "skipped"):
                getattr(mailed, field).extend(getattr(sent, field))
    return recorded, mailed
