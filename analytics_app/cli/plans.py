"""`flask plans create NAME [--feature F ...]`, `flask plans set-feature NAME F on|off`."""

import click
from flask.cli import AppGroup

from analytics_app.cli.common import committed
from analytics_app.extensions import db
from analytics_app.gating import FEATURES
from analytics_app.tenants import tenant_admin

plans_cli = AppGroup("plans", help="Subscription plans and their features.")
FEATURE = click.Choice(list(FEATURES))


@plans_cli.command("create")
@click.argument("name")
@click.option("--feature", "features", multiple=True, type=FEATURE, help="Repeatable.")
def create(name, features):
    with committed():
        plan = tenant_admin.create_plan(name, features)
    click.echo(f"Created plan {plan.name!r} with {', '.join(features) or 'no features'}.")


@plans_cli.command("set-feature")
@click.argument("name")
@click.argument("feature", type=FEATURE)
@click.argument("state", type=click.Choice(["on", "off"]))
def set_feature(name, feature, state):
    with committed():
        tenant_admin.set_plan_feature(name, feature, state == "on")
    click.echo(f"Plan {name!r}: {feature} {state}.")


@plans_cli.command("list")
def list_plans():
    from sqlalchemy import select

    from analytics_app.tenants.models import SubscriptionPlan

    for plan in db.session.execute(
        select(SubscriptionPlan).order_by(SubscriptionPlan.id)
    ).scalars():
        on = sorted(k for k, v in (plan.permissions or {}).items() if v)
        click.echo(f"{plan.name}\t{', '.join(on) or '-'}")
