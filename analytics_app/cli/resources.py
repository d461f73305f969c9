"""`flask resources list|hours|time-off`: working hours and time off (team report)."""

import click
from flask.cli import AppGroup

from analytics_app.cli.common import committed
from analytics_app.tenants import working_hours

resources_cli = AppGroup("resources", help="Resources' working hours and time off.")


@resources_cli.command("list")
@click.argument("schema")
def list_resources(schema):
    """Each resource with its weekly hours and its time off from now on."""
    with committed():
        rows = working_hours.describe(schema)
    for rid, name, active, hours, away in rows:
        state = "" if active else " (inactive)"
        click.echo(f"{rid}\t{name}{state}\t{', '.join(hours) or 'no working hours'}")
        for starts, ends, reason in away:
            click.echo(
                f"\toff {starts:%Y-%m-%d %H:%M %z} to {ends:%Y-%m-%d %H:%M %z}"
                + (f" ({reason})" if reason else "")
            )


@resources_cli.command("hours")
@click.argument("schema")
@click.argument("resource_id", type=int)
@click.argument("week", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove all the resource's working hours.")
def hours(schema, resource_id, week, clear):
    """Set a resource's weekly hours (replacing its old ones), in local wall-clock time.

    WEEK: one or more "DAYS HH:MM-HH:MM[,HH:MM-HH:MM]", e.g.
    "mon-fri 09:00-17:00" "sat 10:00-13:00,14:00-18:00".
    """
    if not week and not clear:
        raise click.UsageError('Give the week, e.g. "mon-fri 09:00-17:00", or --clear.')
    if week and clear:
        raise click.UsageError("Give the week or --clear, not both.")
    with committed():
        rows = working_hours.set_hours(schema, resource_id, week)
    click.echo(f"Resource {resource_id} of {schema!r}: {len(rows)} weekly working intervals.")


@resources_cli.command("time-off")
@click.argument("schema")
@click.argument("resource_id", type=int)
@click.argument("starts")
@click.argument("ends")
@click.option("--reason", help="Holiday, training, ...")
def time_off(schema, resource_id, starts, ends, reason):
    """Add time off from STARTS to ENDS: local "YYYY-MM-DD [HH:MM]" in the tenant's zone."""
    with committed():
        _, starts_at, ends_at = working_hours.add_time_off(
            schema, resource_id, starts, ends, reason
        )
    click.echo(f"Resource {resource_id} of {schema!r} is off from {starts_at} to {ends_at}.")
