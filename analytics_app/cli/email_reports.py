"""`flask reports send|preview`: scheduled email reports (docs/email-reports.md)."""

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import text

from analytics_app.email_reports import figures, message, schedule, transport
from analytics_app.tenants import accounts, tenant_admin

reports_cli = AppGroup("reports", help="Weekly and monthly email reports.")


def _parse_now(value):
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("Give a time zone, e.g. 2026-11-30T08:00:00+13:00 or ...Z.")
    return moment


NOW_OPTION = click.option(
    "--now",
    "now_text",
    metavar="ISO-8601",
    help="Act as if it were this moment (with its offset): to see or test a schedule.",
)
TENANT_OPTION = click.option(
    "--tenant", "schemas", multiple=True, help="Only this tenant (repeatable). Default: all."
)


@reports_cli.command("send")
@NOW_OPTION
@TENANT_OPTION
@click.option("--dry-run", is_flag=True, help="Show what is due and where it stands; send nothing.")
def send(now_text, schemas, dry_run):
    """Send every report that is due, once. Safe to run again, and concurrently.

    Meant for cron or a systemd timer every few minutes. Exits 1 when a delivery
    failed; the error is kept on it and the next run tries again.
    """
    now = _parse_now(now_text)
    if dry_run:
        now = now or schedule.database_now()
        rows = schedule.due_list(now, schemas)
        click.echo(f"Reports due at {now.isoformat()}: {len(rows)}")
        for r in rows:
            tries = f", {r.attempts} attempt(s), last error: {r.last_error}" if r.last_error else ""
            click.echo(
                f"  {r.schema_name}\t{r.email}\t{r.frequency}\t{r.period_start}..{r.period_end}"
                f"\tdue {r.due_at.isoformat()}\t{r.status}{tries}"
            )
        return
    try:
        mail = transport.from_url(
            current_app.config["MAIL_URL"], current_app.config["MAIL_TIMEOUT_S"]
        )
    except transport.MailConfigError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Email reports: {mail.description}.", err=True)
    result = schedule.send_due(mail, now, schemas)
    click.echo(
        f"Sent {len(result.sent)}, failed {len(result.failed)}, skipped {len(result.skipped)},"
        f" expired {len(result.expired)}.",
        err=True,
    )
    for delivery_id, email, reason in result.skipped:
        click.echo(f"  skipped #{delivery_id} {email}: {reason}", err=True)
    for delivery_id, email, error in result.failed:
        click.echo(f"  failed #{delivery_id} {email}: {error} (retried on the next run)", err=True)
    if result.failed:
        raise SystemExit(1)


@reports_cli.command("preview")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.option(
    "--frequency",
    type=click.Choice(["weekly", "monthly"]),
    help="Default: the user's own, or weekly when theirs is off.",
)
@NOW_OPTION
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write the HTML here.")
@click.option("--eml", "eml_path", type=click.Path(dir_okay=False), help="Write the message here.")
def preview(schema, email, frequency, now_text, html_path, eml_path):
    """Print (or write) the report a user would get for the latest period due.

    The HTML file has its chart inline, so it opens in any browser.
    """
    from analytics_app.extensions import db

    tenant = tenant_admin.get_tenant(schema)
    user = accounts.find_user(tenant.id, email)
    if user is None:
        raise click.ClickException(f"No user {email!r} in {schema!r}.")
    frequency = frequency or (user.report_frequency if user.report_frequency != "off" else "weekly")
    now = _parse_now(now_text) or schedule.database_now()
    period = db.session.execute(
        text("SELECT * FROM public.report_due_period(:f, :tz, :now)"),
        {"f": frequency, "tz": tenant.timezone, "now": now},
    ).one()
    host = tenant.domains[0].domain if tenant.domains else schema
    for d in tenant.domains:
        if d.is_primary:
            host = d.domain
    recipient = message.Recipient(
        user.id,
        user.email,
        tenant.id,
        tenant.name,
        host,
        tenant.timezone,
        tenant.currency,
        tenant.locale,
        user.language,
    )
    numbers = figures.period_figures(
        db.session, schema, period.period_start, period.period_end, now
    )
    with force_locale(recipient.words):
        mail = message.build(recipient, frequency, numbers, schedule.message_id("preview", host))
        html = message.render_html(recipient, frequency, numbers, inline_chart=True)
    db.session.rollback()
    if html_path:
        with open(html_path, "w", encoding="utf-8") as out:
            out.write(html)
        click.echo(f"Wrote {html_path}")
    if eml_path:
        with open(eml_path, "wb") as out:
            out.write(bytes(mail))
        click.echo(f"Wrote {eml_path}")
    if not html_path and not eml_path:
        click.echo(f"Subject: {mail['Subject']}\nTo: {mail['To']}\n")
        click.echo(mail.get_body(("plain",)).get_content())
