"""`flask analytics verify|rebuild [--tenant SCHEMA]`: the rollups against a full recount."""

import click
from flask.cli import AppGroup
from sqlalchemy import text

from ..db import migrate
from ..db.tenant_session import enter_schema
from ..extensions import db

analytics_cli = AppGroup("analytics", help="Rollups behind the reports.")


def _schemas(schema):
    with db.engine.connect() as conn:
        known = migrate.tenant_schemas(conn)
    if schema is None:
        return known
    if schema not in known:
        raise click.ClickException(f"No tenant with schema {schema!r}.")
    return [schema]


@analytics_cli.command("verify")
@click.option("--tenant", "schema", help="One tenant (default: all).")
def verify(schema):
    """Compare each rollup with a full recount; exit 1 if any row differs."""
    bad = 0
    for name in _schemas(schema):
        with db.engine.begin() as conn:
            enter_schema(conn, name)
            for rollup, checked, mismatched in conn.execute(text("SELECT * FROM verify_rollups()")):
                click.echo(f"{name}\t{rollup}\t{checked} rows\t{mismatched} mismatched")
                bad += mismatched
    if bad:
        raise click.ClickException(f"{bad} rollup rows differ from a recount.")
    click.echo("All rollups equal a full recount.")


@analytics_cli.command("rebuild")
@click.option("--tenant", "schema", help="One tenant (default: all).")
def rebuild(schema):
    """Recompute the rollups from the base tables."""
    for name in _schemas(schema):
        with db.engine.begin() as conn:
            enter_schema(conn, name)
            conn.execute(text("SELECT rebuild_rollups()"))
        click.echo(f"{name}: rebuilt")
