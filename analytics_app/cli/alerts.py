"""`flask alerts check` and `flask webhooks add|list|remove|test|deliver` (SPEC Part 6)."""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from analytics_app.alerts import check
from analytics_app.cli.email_reports import NOW_OPTION, TENANT_OPTION, _parse_now
from analytics_app.db.tenant_session import enter_schema
from analytics_app.email_reports import transport
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from analytics_app.webhooks import delivery, endpoints

alerts_cli = AppGroup("alerts", help="Alerts: no-show spikes, quiet days ahead, revenue drops.")
webhooks_cli = AppGroup("webhooks", help="Webhook endpoints of a tenant, and sending to them.")


@alerts_cli.command("check")
@NOW_OPTION
@TENANT_OPTION
def check_command(now_text, schemas):
    """Record the alerts that hold now, each once per rule and subject; queue their webhooks
    and send their emails (to MAIL_URL; printed when it is unset).

    Meant for cron every 15 minutes; safe to run at any time and concurrently. Exits 1
    when an email could not be sent (it stays pending for the next run).
    """
    now = _parse_now(now_text) or db.session.execute(text("SELECT now()")).scalar_one()
    try:
        mail = transport.from_url(current_app.config["MAIL_URL"])
    except transport.MailConfigError as err:
        raise click.ClickException(str(err)) from None
    recorded, mailed = check.check_all(
        db.session, now, list(schemas) or None, echo=click.echo, transport=mail
    )
    click.echo(f"Alerts recorded: {sum(len(r) for r in recorded.values())}")
    for _, address, error in mailed.failed:
        click.echo(f"Alert email to {address} failed (retried by the next run): {error}", err=True)
    click.echo(f"Alert emails sent: {len(mailed.sent)}, failed: {len(mailed.failed)}")
    if mailed.failed:
        raise SystemExit(1)


def _schema(tenant):
    return tenant_admin.get_tenant(tenant).schema_name


def _endpoint_errors(call):
    try:
        return call()
    except (ValueError, tenant_admin.AdminError) as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from None


@webhooks_cli.command("add")
@click.option("--tenant", required=True, help="The tenant's schema name.")
@click.option("--url", required=True, help="https:// URL that receives the events.")
@click.option("--event", "events", multiple=True, required=True, help="alert.triggered or ping.")
def add_command(tenant, url, events):
    """Add an endpoint; prints its id, and its signing secret on the last line (shown once)."""
    endpoint_id, secret = _endpoint_errors(
        lambda: endpoints.add(db.session, _schema(tenant), url, list(events))
    )
    click.echo(f"Endpoint {endpoint_id}: {url} ({', '.join(sorted(set(events)))})")
    click.echo("Signing secret (shown once; verify signatures with it):")
    click.echo(secret)


@webhooks_cli.command("list")
@click.option("--tenant", required=True)
def list_command(tenant):
    """Each endpoint, its events and its last 20 deliveries."""
    for row in _endpoint_errors(lambda: endpoints.listed(db.session, _schema(tenant))):
        state = f"disabled {row.disabled_at.isoformat()}" if row.disabled_at else "enabled"
        click.echo(f"{row.id}\t{row.url}\t{','.join(row.events)}\t{state}")
        for d in row.deliveries:
            detail = d["last_error"] or (f"HTTP {d['last_status']}" if d["last_status"] else "")
            click.echo(f"  {d['event_id']}\t{d['type']}\t{d['status']}\t{d['attempts']}\t{detail}")


@webhooks_cli.command("remove")
@click.option("--tenant", required=True)
@click.argument("endpoint_id", type=int)
def remove_command(tenant, endpoint_id):
    """Remove an endpoint and its deliveries."""
    if not _endpoint_errors(lambda: endpoints.remove(db.session, _schema(tenant), endpoint_id)):
        raise click.ClickException(f"No endpoint {endpoint_id}.")
    click.echo(f"Removed endpoint {endpoint_id}.")


@webhooks_cli.command("test")
@click.option("--tenant", required=True)
@click.argument("endpoint_id", type=int)
def test_command(tenant, endpoint_id):
    """Send a ping to one endpoint now; print how it went."""
    schema = _endpoint_errors(lambda: _schema(tenant))
    event_id = endpoints.queue_ping(db.session, schema, endpoint_id)
    if event_id is None:
        raise click.ClickException(f"No endpoint {endpoint_id}.")
    delivery.deliver_tenant(db.session, schema)
    enter_schema(db.session, schema)
    row = db.session.execute(
        text("SELECT status, last_status, last_error FROM webhook_deliveries WHERE event_id = :e"),
        {"e": event_id},
    ).one()
    db.session.commit()
    click.echo(f"Ping {event_id}: {row.status} ({row.last_error or f'HTTP {row.last_status}'})")
    if row.status != "delivered":
        raise SystemExit(1)


@webhooks_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep sending what falls due (a worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@TENANT_OPTION
def deliver_command(watch, interval, schemas):
    """Send every delivery that is due (cron every minute, or --watch)."""
    while True:
        sent, failed = delivery.deliver_all(db.session, list(schemas) or None, echo=click.echo)
        if sent or failed or not watch:
            click.echo(f"Delivered {sent}, failed attempts {failed}")
        if not watch:
            return
        time.sleep(interval)
