"""`flask db upgrade|current|url|downgrade`."""

import click
from flask import current_app
from flask.cli import AppGroup

from analytics_app.db import migrate
from analytics_app.extensions import db

db_cli = AppGroup("db", help="Database migrations.")


@db_cli.command("upgrade")
@click.option(
    "--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="Tenants at once."
)
@click.option("--tenant", "schemas", multiple=True, help="Only this tenant (repeatable).")
def upgrade(jobs, schemas):
    """Migrate public, then every tenant schema. Safe to run again.

    Each tenant migrates in its own transaction; one that fails is reported and left as
    it was while the others go on, and the command exits 1. Run it again to resume.
    """
    engine = db.engine
    db.session.remove()  # nothing of the CLI's session stays open across the processes
    try:
        migrate.upgrade_all(engine, echo=click.echo, jobs=jobs, only=schemas or None)
    except (migrate.TenantsFailed, migrate.NoSuchTenant) as err:
        raise click.ClickException(str(err)) from None


@db_cli.command("current")
def current():
    """Show each schema's revision against the latest."""
    with db.engine.connect() as conn:
        click.echo(
            f"public: {migrate.current_revision(conn, 'public')} (head {migrate.head('public')})"
        )
        if migrate.current_revision(conn, "public") is None:
            return
        for schema in migrate.tenant_schemas(conn):
            click.echo(
                f"{schema}: {migrate.current_revision(conn, schema)} "
                f"(head {migrate.head('tenant')})"
            )


@db_cli.command("url")
def url():
    """Print the libpq URL of the database in use (for psql)."""
    click.echo(current_app.config["DATABASE_URL"])


@db_cli.command("downgrade")
@click.argument("revision")
@click.option("--tenant", "schema", help="The tenant schema to take back (required).")
def downgrade(revision, schema):
    """Take one tenant schema back to REVISION (e.g. t0003, or base).

    The report objects are dropped first and come back with `flask db upgrade`.
    The shared public schema is never downgraded here: restore a backup instead.
    """
    if schema is None:
        raise click.ClickException(
            "Only a tenant schema can be downgraded: name it with --tenant SCHEMA. The shared"
            " public schema is not downgraded by this command; restore a backup instead."
        )
    with db.engine.begin() as conn:
        if schema not in migrate.tenant_schemas(conn):
            raise click.ClickException(f"No tenant with schema {schema!r}.")
        try:
            migrate.downgrade_tenant(conn, schema, revision)
        except migrate.MigrationError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"{schema}: at {revision}; `flask db upgrade` brings it back to the head.")


@db_cli.command("squash")
def squash():
    """Write migrations/tenant/baseline.sql: the tenant tables at the head revision.

    A new tenant runs the baseline, then the revisions after it, instead of every revision
    (issue 27: each table created once in its final form). For developers, after adding
    revisions; commit the file. The test suite holds it equal to the revisions.
    """
    at = migrate.squash(current_app.config["DATABASE_URL"])
    click.echo(f"wrote {migrate.BASELINE} at revision {at}")
