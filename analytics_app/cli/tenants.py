"""`flask tenants create|create-many|list|set-feature|set-timezone|set-currency|set-locale|
export|import|drop`."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from analytics_app.cli.common import committed
from analytics_app.db import transfer
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.gating import FEATURES, missing_features
from analytics_app.tenants import bulk_tenants, tenant_admin
from analytics_app.tenants.models import Tenant

tenants_cli = AppGroup("tenants", help="Tenants: one schema each.")
STATES = {"on": True, "off": False, "plan": None}


@tenants_cli.command("create")
@click.argument("schema")
@click.option("--name", required=True, help="The business's display name.")
@click.option("--plan", "plan", required=True, help="Name of an existing plan.")
@click.option(
    "--domain", "domains", multiple=True, help="Host name(s); default SCHEMA.<TENANT_BASE_DOMAIN>."
)
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 code: EUR, JPY.")
@click.option("--locale", default="en_US", show_default=True, help="CLDR locale: fr_FR, en_IN.")
def create(schema, name, plan, domains, timezone, currency, locale):
    with committed():
        tenant = tenant_admin.create_tenant(
            schema,
            name,
            plan,
            domains,
            timezone,
            current_app.config["TENANT_BASE_DOMAIN"],
            currency=currency,
            locale=locale,
        )
        hosts = ", ".join(d.domain for d in tenant.domains)
        summary = f"time zone {timezone}, currency {tenant.currency}, locale {tenant.locale}"
    click.echo(f"Created tenant {schema!r} ({name}) on {hosts}, {summary}.")


@tenants_cli.command("create-many")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64))
def create_many(file, jobs):
    """Create the tenants listed in a CSV FILE, each in its own transaction, JOBS at once
    (header: schema,name,plan and optionally timezone,domains,currency,locale). Failed
    rows are listed and the command exits 1; run it again after fixing them: existing
    tenants are skipped."""
    try:
        rows = bulk_tenants.read_rows(file)
    except bulk_tenants.BulkError as err:
        raise click.ClickException(str(err)) from None
    outcomes = bulk_tenants.create_tenants(current_app, rows, jobs=jobs, echo=click.echo)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("created", "skipped", "failed")}
    click.echo(
        f"{counts['created']} created, {counts['skipped']} skipped (existing),"
        f" {counts['failed']} failed."
    )
    if counts["failed"]:
        failed = "\n".join(f"  {o.schema}: {o.detail}" for o in outcomes if o.status == "failed")
        raise click.ClickException(f"Not created (fix and run again):\n{failed}")


@tenants_cli.command("list")
def list_tenants():
    """One line per tenant: schema, name, plan, time zone, currency, locale, domains and
    effective features."""
    tenants = db.session.execute(select(Tenant).order_by(Tenant.id)).scalars().all()
    for tenant in tenants:
        enter_schema(db.session, tenant.schema_name)
        missing = missing_features(list(FEATURES))
        features = [f for f in FEATURES if f not in missing]
        click.echo(
            "\t".join(
                [
                    tenant.schema_name,
                    tenant.name,
                    tenant.plan.name if tenant.plan else "-",
                    tenant.timezone,
                    tenant.currency,
                    tenant.locale,
                    ",".join(d.domain for d in tenant.domains),
                    ",".join(features) or "-",
                ]
            )
        )
    db.session.rollback()


@tenants_cli.command("export")
@click.argument("schema")
@click.argument("file", type=click.Path(dir_okay=False))
def export(schema, file):
    """Write one tenant (its schema with rows and objects, and its public rows: domains,
    users, keys, report deliveries) to FILE, for `flask tenants import` elsewhere."""
    try:
        held = transfer.export_tenant(db.session, current_app.config["DATABASE_URL"], schema, file)
    except transfer.TransferError as err:
        raise click.ClickException(str(err)) from None
    finally:
        db.session.rollback()
    click.echo(f"Exported {schema!r} ({held['users']} user(s), {held['keys']} key(s)) to {file}.")


@tenants_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_(file):
    """Restore a tenant written by `flask tenants export` into this database (its schema
    name, domains and key prefixes must be free here, its plan must exist)."""
    try:
        schema = transfer.import_tenant(db.session, current_app.config["DATABASE_URL"], file)
    except transfer.TransferError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Imported tenant {schema!r}; its users and keys work here as they did there.")


@tenants_cli.command("drop")
@click.argument("schema")
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
def drop(schema, yes):
    """Remove a tenant for good: its schema and every row in it, its domains, users, keys
    and report deliveries, and its database roles. Take a backup first."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        if not yes:
            click.echo(
                f"This deletes tenant {tenant.name!r} (schema {schema!r}) and all its data,"
                " users and keys. It cannot be undone."
            )
            typed = click.prompt("Type the schema name to confirm", default="", show_default=False)
            if typed != schema:
                raise click.ClickException("Not confirmed; nothing was deleted.")
        counts = tenant_admin.drop_tenant(schema)
    click.echo(
        f"Dropped tenant {schema!r}: its schema, {counts['domains']} domain(s),"
        f" {counts['users']} user(s) with their keys, and its roles."
    )


@tenants_cli.command("set-feature")
@click.argument("schema")
@click.argument("feature", type=click.Choice(list(FEATURES)))
@click.argument("state", type=click.Choice(list(STATES)))
def set_feature(schema, feature, state):
    """on/off override the plan; plan follows it again."""
    with committed():
        tenant_admin.set_tenant_feature(schema, feature, STATES[state])
    click.echo(f"Tenant {schema!r}: {feature} {state}.")


@tenants_cli.command("set-timezone")
@click.argument("schema")
@click.argument("timezone")
def set_timezone(schema, timezone):
    """Change a tenant's IANA time zone; its rollups are rebuilt in the same transaction."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        tenant.timezone = tenant_admin.validate_timezone(timezone)
        db.session.flush()
    click.echo(f"Tenant {schema!r}: time zone {timezone}.")


@tenants_cli.command("set-currency")
@click.argument("schema")
@click.argument("currency")
def set_currency(schema, currency):
    """The ISO 4217 currency the tenant's amounts are in (a label: amounts are not converted)."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        tenant.currency = tenant_admin.validate_currency(currency)
        db.session.flush()
        code = tenant.currency
    click.echo(f"Tenant {schema!r}: currency {code}.")


@tenants_cli.command("set-locale")
@click.argument("schema")
@click.argument("locale")
def set_locale(schema, locale):
    """How the dashboard and email reports write the tenant's figures: fr_FR, en_IN, ja_JP."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        tenant.locale = tenant_admin.validate_locale(locale)
        db.session.flush()
        name = tenant.locale
    click.echo(f"Tenant {schema!r}: locale {name}.")
