"""`flask dba grant|revoke ROLE [--tenant SCHEMA]`: read-only access for DBAs and analysts."""

import click
from flask.cli import AppGroup

from analytics_app.db import migrate, readers
from analytics_app.extensions import db

dba_cli = AppGroup("dba", help="Read-only roles for people querying with psql.")


def _tenant(conn, schema):
    schemas = migrate.tenant_schemas(conn)
    if schema is not None and schema not in schemas:
        raise click.ClickException(f"No tenant with schema {schema!r}.")
    return schemas


@dba_cli.command("grant")
@click.argument("role")
@click.option("--tenant", "schema", help="Only this tenant (default: every tenant).")
def grant(role, schema):
    """Let an existing database ROLE read the report views and functions."""
    with db.engine.begin() as conn:
        try:
            group = readers.grant(
                conn.connection.driver_connection, role, _tenant(conn, schema), schema
            )
        except readers.DbaError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"{role} is now a member of {group}.")


@dba_cli.command("revoke")
@click.argument("role")
@click.option("--tenant", "schema")
def revoke(role, schema):
    """Take the reader membership back."""
    with db.engine.begin() as conn:
        _tenant(conn, schema)
        try:
            group = readers.revoke(conn.connection.driver_connection, role, schema)
        except readers.DbaError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"{role} is no longer a member of {group}.")
