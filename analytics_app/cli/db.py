"""`flask db upgrade`, `flask db current`, `flask db url`."""

import click
from flask import current_app
from flask.cli import AppGroup

from .. import migrate
from ..extensions import db

db_cli = AppGroup("db", help="Database migrations.")


@db_cli.command("upgrade")
def upgrade():
    """Migrate public, then every tenant schema. Safe to run again."""
    migrate.upgrade_all(db.engine, echo=click.echo)


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
