"""`flask users create` and `flask tokens create|revoke|list`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from analytics_app.cli.common import committed
from analytics_app.extensions import db
from analytics_app.formats.languages import LANGUAGES
from analytics_app.tenants import accounts, tenant_admin
from analytics_app.tenants.models import ApiToken

users_cli = AppGroup("users", help="People who log in to a tenant's dashboard.")
tokens_cli = AppGroup("tokens", help="API keys (shown once, stored as a hash).")


@users_cli.command("create")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.option("--password", help="Default: a random one, printed.")
def create_user(schema, email, password):
    """Create a user, or reset an existing user's password."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        user, password_used = accounts.create_user(tenant, email, password)
        email = user.email
    click.echo(f"User {email} of {schema!r} is ready.")
    if not password:
        click.echo(f"Password: {password_used}")


@users_cli.command("set-reports")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.argument("frequency", type=click.Choice(accounts.REPORT_FREQUENCIES))
def set_reports(schema, email, frequency):
    """Email reports for a user: weekly, monthly or off."""
    with committed():
        user = accounts.set_report_frequency(tenant_admin.get_tenant(schema), email, frequency)
        email = user.email
    click.echo(f"Email reports for {email} of {schema!r}: {frequency}.")


@users_cli.command("set-language")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.argument("language", type=click.Choice([*LANGUAGES, "default"]))
def set_language(schema, email, language):
    """The language of a user's pages and emails; default: the tenant locale's."""
    with committed():
        user = accounts.set_language(tenant_admin.get_tenant(schema), email, language)
        email = user.email
    click.echo(f"Language for {email} of {schema!r}: {language}.")


@users_cli.command("deactivate")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
def deactivate_user(schema, email):
    """Stop a user: no login, no keys, and every open session ends."""
    with committed():
        user = accounts.deactivate_user(tenant_admin.get_tenant(schema), email)
        email = user.email
    click.echo(f"User {email} of {schema!r} is deactivated; their sessions have ended.")


@tokens_cli.command("create")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.option("--name", default="", help="A label, e.g. the integration's name.")
def create_token(schema, email, name):
    """Print a new key alone on the last line. It is not stored and not shown again."""
    with committed():
        tenant = tenant_admin.get_tenant(schema)
        user = accounts.find_user(tenant.id, email)
        if user is None:
            raise accounts.AccountError(f"No user {email!r} in tenant {schema!r}.")
        token, key = accounts.create_token(user, name)
        prefix = token.key_prefix
    click.echo(f"Token {prefix} for {email} of {schema!r}; copy the key now:")
    click.echo(key)


@tokens_cli.command("revoke")
@click.option("--tenant", "schema", required=True)
@click.option("--email", required=True)
@click.option("--name", help="Only tokens with this label.")
@click.option("--prefix", "key_prefix", help="Only the token with this prefix (ta_<prefix>_...).")
def revoke_token(schema, email, name, key_prefix):
    """Revoke a user's tokens: all of them, or those matching --name / --prefix."""
    with committed():
        count = accounts.revoke_tokens(tenant_admin.get_tenant(schema), email, name, key_prefix)
    click.echo(f"Revoked {count} token(s).")


@tokens_cli.command("list")
@click.option("--tenant", "schema", required=True)
def list_tokens(schema):
    """Prefix, owner, name, created, last used, revoked: never the key."""
    tenant = tenant_admin.get_tenant(schema)
    rows = db.session.execute(
        select(ApiToken)
        .join(ApiToken.user)
        .where(ApiToken.user.has(tenant_id=tenant.id))
        .order_by(ApiToken.id)
    ).scalars()
    for t in rows:
        click.echo(
            "\t".join(
                str(v)
                for v in (
                    t.key_prefix,
                    t.user.email,
                    t.name or "-",
                    t.created_at,
                    t.last_used_at,
                    t.revoked_at,
                )
            )
        )
