"""The emails an alert or a disabled webhook endpoint owes (SPEC Part 6), sent once each.

`check_alerts()` writes one `notification_emails` row per new alert and user with alert
emails on, and disabling an endpoint one for the tenant's owner, in the transaction
that records the alert or disables the endpoint (the outbox). `send_pending()` sends a
tenant's rows as the email reports are sent (email_reports.schedule): each claimed with
`FOR UPDATE SKIP LOCKED`, sent, and marked sent in that transaction, so two senders
never send one row and a sender that stops midway leaves it pending for the next run
(`flask alerts check` every 15 minutes, `flask webhooks deliver` every minute). A row
whose user is gone, deactivated or has turned alert emails off since is skipped; one
still pending after a day is expired (an alert about yesterday is no news a day later).
"""

import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from analytics_app.alerts import wording
from analytics_app.alerts.wording import money
from analytics_app.blueprints.pages.unsubscribe import ALERTS, make_token
from analytics_app.db.tenant_session import enter_schema
from analytics_app.email_reports.message import TENANT_HOST_SQL, Recipient, base_url

EXPIRE_AFTER = timedelta(days=1)

TENANT_SQL = text(
    "SELECT t.id, t.name, t.timezone, t.currency, t.locale,"
    f" {TENANT_HOST_SQL} AS host"
    " FROM public.tenants t WHERE t.schema_name = :schema"
)
EXPIRE_SQL = text(
    "UPDATE notification_emails SET status = 'expired'"
    " WHERE status = 'pending' AND created_at <= now() - CAST(:after AS interval)"
)
CLAIM_SQL = text(
    "SELECT n.id, n.kind, u.id AS user_id, u.email, u.is_active, u.alert_emails, u.language,"
    " a.rule, a.subject, a.value, a.baseline, a.threshold, a.message,"
    " e.url, e.disabled_at,"
    " (SELECT d.last_error FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    "   AND d.attempts > 0 ORDER BY d.id DESC LIMIT 1) AS last_error"
    " FROM notification_emails n"
    " LEFT JOIN public.users u ON u.id = n.user_id"
    " LEFT JOIN alerts a ON a.id = n.alert_id"
    " LEFT JOIN webhook_endpoints e ON e.id = n.endpoint_id"
    " WHERE n.status = 'pending' AND n.id <> ALL (CAST(:tried AS bigint[]))"
    " ORDER BY n.id LIMIT 1"
    " FOR UPDATE OF n SKIP LOCKED"
)
FINISH_SQL = text(
    "UPDATE notification_emails SET status = :status, last_error = :error,"
    " message_id = :message_id, attempts = attempts + 1,"
    " sent_at = CASE WHEN :status = 'sent' THEN clock_timestamp() END WHERE id = :id"
)
FAILED_SQL = text(
    "UPDATE notification_emails SET attempts = attempts + 1, last_error = :error"
    " WHERE id = :id AND status = 'pending'"
)


@dataclass
class Sent:
    sent: list = field(default_factory=list)  # (row id, email)
    failed: list = field(default_factory=list)  # (row id, email, error)
    skipped: list = field(default_factory=list)


def _skip_reason(row):
    if row.user_id is None or not row.is_active:
        return "the user is gone or deactivated"
    if row.kind == "alert" and not row.alert_emails:
        return "the user turned alert emails off"
    return None


def figure_rows(alert, fmt):
    """(label, data-figure name, value) of an alert's figures, for both parts."""
    if alert.rule == "no_show_spike":
        return [
            (_("Cancelled or missed that day"), "value", fmt.percent(alert.value)),
            (_("Usual on that weekday"), "baseline", fmt.percent(alert.baseline)),
            (_("Alert above"), "threshold", fmt.percent(alert.threshold)),
        ]
    if alert.rule == "quiet_days_ahead":
        return [
            (_("Booked, of the working hours"), "value", fmt.percent(alert.value)),
            (_("Alert under"), "threshold", fmt.percent(alert.threshold)),
        ]
    return [
        (_("Revenue that week"), "value", money(fmt, alert.value)),
        (_("Mean of the 4 weeks before"), "baseline", money(fmt, alert.baseline)),
        (_("Alert under"), "threshold", money(fmt, alert.threshold)),
    ]


def _message(recipient, subject, message_id):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    return message


def build_alert(recipient, alert, message_id):
    """The alert email: text and HTML parts, unsubscribed from in one click (RFC 8058)."""
    fmt = recipient.formats
    site = base_url(recipient.host)
    title = wording.title(alert, fmt)
    ctx = {
        "recipient": recipient,
        "alert": alert,
        "title": title,
        "sentence": wording.sentence(alert, fmt),
        "rows": figure_rows(alert, fmt),
        "fmt": fmt,
        "dashboard_url": f"{site}/#alerts",
        "settings_url": f"{site}/settings",
        "unsubscribe_url": f"{site}/reports/unsubscribe/"
        + make_token(recipient.tenant_id, recipient.user_id, ALERTS),
    }
    subject = _("%(business)s: %(title)s", business=recipient.tenant_name, title=title)
    message = _message(recipient, subject, message_id)
    message["List-Unsubscribe"] = f"<{ctx['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("email/alert.txt", **ctx))
    message.add_alternative(render_template("email/alert.html", **ctx), subtype="html")
    return message


def build_endpoint_disabled(recipient, endpoint, message_id):
    """The owner's notice that an endpoint was disabled (no unsubscribe: it is about
    their own integration, once)."""
    fmt = recipient.formats
    message = _message(recipient, f"{recipient.tenant_name}: webhook endpoint disabled", message_id)
    message.set_content(
        render_template(
            "email/endpoint_disabled.txt",
            recipient=recipient,
            endpoint=endpoint,
            disabled_on=fmt.date(endpoint.disabled_at.date()) if endpoint.disabled_at else "–",
            settings_url=f"{base_url(recipient.host)}/settings",
        )
    )
    return message


def _recipient(tenant, row):
    return Recipient(
        row.user_id,
        row.email,
        tenant.id,
        tenant.name,
        tenant.host,
        tenant.timezone,
        tenant.currency,
        tenant.locale,
        row.language,
    )


def send_one(tenant, row, transport):
    recipient = _recipient(tenant, row)
    message_id = f"<{row.kind}-{tenant.id}-{row.id}@{tenant.host}>"
    build = build_alert if row.kind == "alert" else build_endpoint_disabled
    with force_locale(recipient.words):
        message = build(recipient, row, message_id)
    transport.send(message)
    return message_id


def _describe(err):
    return f"{type(err).__name__}: {err}"[:1000]


def send_pending(session, schema, transport):
    """Send one tenant's pending notification emails, each once; return Sent."""
    enter_schema(session, schema)
    session.execute(EXPIRE_SQL, {"after": f"{EXPIRE_AFTER.days} days"})
    tenant = session.execute(TENANT_SQL, {"schema": schema}).one()
    session.commit()
    result, tried = Sent(), []
    while True:
        enter_schema(session, schema)
        row = session.execute(CLAIM_SQL, {"tried": tried}).one_or_none()
        if row is None:
            session.commit()
            return result
        tried.append(row.id)
        reason = _skip_reason(row)
        if reason:
            session.execute(
                FINISH_SQL, {"id": row.id, "status": "skipped", "error": reason, "message_id": None}
            )
            session.commit()
            result.skipped.append((row.id, row.email, reason))
            continue
        try:
            message_id = send_one(tenant, row, transport)
        except (smtplib.SMTPException, OSError, ValueError, SQLAlchemyError) as err:
            session.rollback()  # releases the row; the next run claims it again
            enter_schema(session, schema)
            session.execute(FAILED_SQL, {"id": row.id, "error": _describe(err)})
            session.commit()
            result.failed.append((row.id, row.email, _describe(err)))
            continue
        session.execute(
            FINISH_SQL, {"id": row.id, "status": "sent", "error": None, "message_id": message_id}
        )
        session.commit()
        result.sent.append((row.id, row.email))
