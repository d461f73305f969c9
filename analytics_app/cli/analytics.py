"""`flask analytics fold [--watch]|verify [--repair]|rebuild [--tenant SCHEMA]`: the rollups' upkeep."""

import contextlib

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from analytics_app.db import fold as folding
from analytics_app.db import migrate
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db

analytics_cli = AppGroup("analytics", help="Rollups behind the reports.")


def _schemas(schema):
    with db.engine.connect() as conn:
        known = migrate.tenant_schemas(conn)
    if schema is None:
        return known
    if schema not in known:
        raise click.ClickException(f"No tenant with schema {schema!r}.")
    return [schema]


@analytics_cli.command("fold")
@click.option("--tenant", "schema", help="One tenant (default: all).")
@click.option("--watch", is_flag=True, help="Keep folding as changes arrive (the worker).")
@click.option(
    "--interval",
    default=5.0,
    show_default=True,
    help="With --watch: seconds between sweeps of the next 500 tenants, round robin"
    " (notifications come sooner; every tenant is swept at the start).",
)
def fold(schema, watch, interval):
    """Move the change log into the rollups (reports are exact either way; folding keeps
    them fast). Production runs `flask analytics fold --watch` under a supervisor."""
    url = current_app.config["DATABASE_URL"]
    if watch:
        click.echo(
            f"Folding changes as they arrive (a sweep of {folding.SWEEP_BATCH} tenants every"
            f" {interval:g} s); Ctrl-C stops."
        )
        with contextlib.suppress(KeyboardInterrupt):
            folding.watch(url, interval=interval, echo=click.echo)
        return
    with folding.connect(url) as conn:
        done = folding.fold_all(conn, _schemas(schema), echo=click.echo)
    click.echo(f"{sum(n or 0 for n in done.values())} changes folded in {len(done)} tenant(s).")


@analytics_cli.command("verify")
@click.option("--tenant", "schema", help="One tenant (default: all).")
@click.option(
    "--repair",
    is_flag=True,
    help="Also correct the keys that differ (safe while the booking system writes).",
)
def verify(schema, repair):
    """Compare each rollup with a full recount; exit 1 if any key differs (and is not repaired)."""
    bad = 0
    for name in _schemas(schema):
        with db.engine.begin() as conn:
            enter_schema(conn, name)
            for rollup, checked, mismatched in conn.execute(text("SELECT * FROM verify_rollups()")):
                click.echo(f"{name}\t{rollup}\t{checked} keys\t{mismatched} mismatched")
                bad += mismatched
        if repair and bad:
            with db.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    enter_schema(conn, name)
                    for rollup, fixed in conn.execute(text("SELECT * FROM repair_rollups()")):
                        click.echo(f"{name}\t{rollup}\t{fixed} keys repaired")
            bad = 0
    if bad:
        raise click.ClickException(f"{bad} rollup keys differ from a recount.")
    click.echo("All rollups equal a full recount." if not repair else "Rollups checked.")


@analytics_cli.command("rebuild")
@click.option("--tenant", "schema", help="One tenant (default: all).")
def rebuild(schema):
    """Recompute the rollups from the base tables (writers wait while it runs)."""
    for name in _schemas(schema):
        with db.engine.begin() as conn:
            enter_schema(conn, name)
            conn.execute(text("SELECT rebuild_rollups()"))
        click.echo(f"{name}: rebuilt")
