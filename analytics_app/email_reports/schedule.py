"""Sending each due report once: `flask reports send`.

A run (cron or a systemd timer, every few minutes; docs/email-reports.md):

1. records every report due now as a `report_deliveries` row; the row's unique key
   (user, frequency, period) makes a rerun or a second sender insert nothing new;
2. marks rows whose time ran out (7 days after due for weekly, 28 for monthly) expired;
3. claims pending rows one at a time with `FOR UPDATE SKIP LOCKED`, so two senders
   never hold the same row, and in that transaction reads the figures, sends, and
   marks the row sent (or records the error and leaves it pending for the next run).

Once means: no row is sent by two senders, and a sent row is never sent again. The one
window left is a crash between the SMTP server accepting a message and the commit that
marks it sent (milliseconds); the row stays pending and the next run sends it again,
with the same Message-ID, so the copy is recognisable. A report is never skipped for a
crash: a row is pending until a commit says otherwise.
"""

import smtplib
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from analytics_app.email_reports import figures as figures_module
from analytics_app.email_reports import message as message_module
from analytics_app.extensions import db

ERROR_LIMIT = 1000  # characters of an error kept on the delivery

RECORD_DUE_SQL = text(
    "INSERT INTO public.report_deliveries"
    " (user_id, frequency, period_start, period_end, due_at, expires_at)"
    " SELECT user_id, frequency, period_start, period_end, due_at, expires_at"
    " FROM public.due_report_deliveries(:now, :schemas)"
    " ON CONFLICT ON CONSTRAINT report_deliveries_once DO NOTHING"
)

IN_SCOPE = "(CAST(:schemas AS text[]) IS NULL OR t.schema_name = ANY (CAST(:schemas AS text[])))"

EXPIRE_SQL = text(
    "UPDATE public.report_deliveries d SET status = 'expired'"
    " FROM public.users u JOIN public.tenants t ON t.id = u.tenant_id"
    " WHERE u.id = d.user_id AND d.status = 'pending' AND d.expires_at <= :now"
    f" AND {IN_SCOPE}"
    " RETURNING d.id"
)

# The next pending delivery nobody else holds, with what sending it needs.
CLAIM_SQL = text(
    "SELECT d.id, d.frequency, d.period_start, d.period_end, d.attempts,"
    " u.id AS user_id, u.email, u.is_active, u.report_frequency, u.language,"
    " t.id AS tenant_id, t.schema_name, t.name AS tenant_name, t.timezone,"
    " t.currency, t.locale,"
    " public.tenant_feature(t.schema_name, 'advanced_analytics') AS analytics,"
    f" {message_module.TENANT_HOST_SQL} AS host"
    " FROM public.report_deliveries d"
    " JOIN public.users u ON u.id = d.user_id"
    " JOIN public.tenants t ON t.id = u.tenant_id"
    " WHERE d.status = 'pending' AND d.due_at <= :now AND d.expires_at > :now"
    f" AND {IN_SCOPE} AND d.id <> ALL (CAST(:tried AS bigint[]))"
    " ORDER BY d.due_at, d.id"
    " LIMIT 1"
    " FOR UPDATE OF d SKIP LOCKED"
)

DUE_LIST_SQL = text(
    "SELECT r.schema_name, r.email, r.frequency, r.period_start, r.period_end, r.due_at,"
    " r.expires_at, coalesce(d.status, 'not recorded yet') AS status, d.attempts, d.last_error"
    " FROM public.due_report_deliveries(:now, :schemas) r"
    " LEFT JOIN public.report_deliveries d ON d.user_id = r.user_id"
    "  AND d.frequency = r.frequency AND d.period_start = r.period_start"
    " ORDER BY r.due_at, r.schema_name, r.email"
)


@dataclass
class RunResult:
    sent: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (delivery id, email, error)
    skipped: list = field(default_factory=list)
    expired: list = field(default_factory=list)


def database_now():
    return db.session.execute(text("SELECT now()")).scalar_one()


def _scope(schemas):
    return list(schemas) if schemas else None


def due_list(now, schemas=None):
    """What is due at `now` and where each stands; writes nothing (--dry-run)."""
    return db.session.execute(DUE_LIST_SQL, {"now": now, "schemas": _scope(schemas)}).all()


def _finish(delivery_id, status, last_error=None, message_id=None):
    """Mark a claimed delivery sent or skipped, and release it (commit)."""
    db.session.execute(
        text(
            "UPDATE public.report_deliveries SET status = :status, last_error = :error,"
            " message_id = coalesce(:message_id, message_id), attempts = attempts + 1,"
            " last_attempt_at = clock_timestamp(),"
            " sent_at = CASE WHEN :status = 'sent' THEN clock_timestamp() END"
            " WHERE id = :id"
        ),
        {"id": delivery_id, "status": status, "error": last_error, "message_id": message_id},
    )
    db.session.commit()


def _skip_reason(row):
    if not row.is_active:
        return "the user is deactivated"
    if row.report_frequency != row.frequency:
        return f"the user's reports are now {row.report_frequency}"
    if not row.analytics:
        return "the tenant's plan no longer includes Advanced Analytics"
    return None


def message_id(delivery_id, host):
    return f"<report-{delivery_id}@{host}>"


def send_one(row, now, transport):
    """Build and send one claimed delivery; raise on any failure to send."""
    figures = figures_module.period_figures(
        db.session,
        row.schema_name,
        row.period_start,
        row.period_end,
        now,
        timeout_ms=current_app.config["STATEMENT_TIMEOUT_MS"],
        week_ahead=row.frequency == "weekly",
    )
    recipient = message_module.Recipient(
        row.user_id,
        row.email,
        row.tenant_id,
        row.tenant_name,
        row.host,
        row.timezone,
        row.currency,
        row.locale,
        row.language,
    )
    mid = message_id(row.id, row.host)
    with force_locale(recipient.words):
        message = message_module.build(recipient, row.frequency, figures, mid)
    transport.send(message)
    return mid


def send_due(transport, now=None, schemas=None):
    """One run: record what is due, expire what is too late, send the rest once each."""
    now = now or database_now()
    scope = _scope(schemas)
    db.session.execute(RECORD_DUE_SQL, {"now": now, "schemas": scope})
    db.session.commit()
    result = RunResult()
    result.expired = db.session.execute(EXPIRE_SQL, {"now": now, "schemas": scope}).scalars().all()
    db.session.commit()
    tried = []
    while True:
        row = db.session.execute(
            CLAIM_SQL, {"now": now, "schemas": scope, "tried": tried}
        ).one_or_none()
        if row is None:
            db.session.commit()
            return result
        tried.append(row.id)
        reason = _skip_reason(row)
        if reason:
            _finish(row.id, "skipped", last_error=reason)
            result.skipped.append((row.id, row.email, reason))
            continue
        try:
            mid = send_one(row, now, transport)
        except (smtplib.SMTPException, OSError, ValueError, SQLAlchemyError) as err:
            _record_failure(row.id, err)
            result.failed.append((row.id, row.email, _describe(err)))
            continue
        except Exception as err:  # a bug: record it on the delivery, then let it surface
            _record_failure(row.id, err)
            raise
        _finish(row.id, "sent", message_id=mid)
        result.sent.append((row.id, row.email))


def _describe(err):
    return f"{type(err).__name__}: {err}"[:ERROR_LIMIT]


def _record_failure(delivery_id, err):
    """Keep the delivery pending with the error (in a fresh transaction if need be)."""
    db.session.rollback()  # releases the row; the next run claims it again
    db.session.execute(
        text(
            "UPDATE public.report_deliveries SET attempts = attempts + 1,"
            " last_error = :error, last_attempt_at = clock_timestamp()"
            " WHERE id = :id AND status = 'pending'"
        ),
        {"id": delivery_id, "error": _describe(err)},
    )
    db.session.commit()
