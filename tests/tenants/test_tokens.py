"""API keys: shown once, stored as a hash, revocable, and only good on their own tenant."""

import hashlib

from sqlalchemy import text

from analytics_app.extensions import db


def _create_token(runner, tenant, email="dev@example.com", name="ci"):
    runner.invoke(args=["users", "create", "--tenant", tenant.schema, "--email", email])
    result = runner.invoke(
        args=["tokens", "create", "--tenant", tenant.schema, "--email", email, "--name", name]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_token_key_is_printed_alone_on_the_last_line_and_works(runner, api, make_tenant):
    tenant = make_tenant()
    key = _create_token(runner, tenant)
    assert key.startswith("ta_") and " " not in key and len(key) > 40
    assert api(tenant, "dashboard", key=key).status_code == 200


def test_only_a_hash_of_the_key_is_stored(app, runner, make_tenant):
    tenant = make_tenant()
    key = _create_token(runner, tenant)
    _, prefix, secret = key.split("_", 2)
    with app.app_context():
        row = db.session.execute(
            text(
                "SELECT t.key_prefix, t.key_hash, t.name FROM public.api_tokens t"
                " JOIN public.users u ON u.id = t.user_id WHERE u.tenant_id = :t"
            ),
            {"t": tenant.id},
        ).one()
        dump = db.session.execute(
            text("SELECT string_agg(t::text, ' ') FROM public.api_tokens t")
        ).scalar()
    assert row.key_prefix == prefix
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.name == "ci"
    assert secret not in dump and key not in dump


def test_revoked_key_is_invalid(runner, api, make_tenant):
    tenant = make_tenant()
    key = _create_token(runner, tenant)
    other = _create_token(runner, tenant, name="other")
    result = runner.invoke(
        args=[
            "tokens",
            "revoke",
            "--tenant",
            tenant.schema,
            "--email",
            "dev@example.com",
            "--name",
            "ci",
        ]
    )
    assert result.exit_code == 0 and "Revoked 1 token(s)." in result.output
    response = api(tenant, "dashboard", key=key)
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}
    assert api(tenant, "dashboard", key=other).status_code == 200


def test_a_key_of_another_tenant_is_invalid_here(runner, api, make_tenant):
    home, elsewhere = make_tenant(), make_tenant()
    key = _create_token(runner, home)
    response = api(elsewhere, "dashboard", key=key)
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}


def test_tampered_key_is_invalid(runner, api, make_tenant):
    tenant = make_tenant()
    key = _create_token(runner, tenant)
    assert (
        api(tenant, "dashboard", key=key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 401
    )


def test_last_used_at_is_recorded(app, runner, api, make_tenant):
    tenant = make_tenant()
    key = _create_token(runner, tenant)
    api(tenant, "dashboard", key=key)
    with app.app_context():
        used = db.session.execute(
            text("SELECT last_used_at FROM public.api_tokens WHERE key_prefix = :p"),
            {"p": key.split("_")[1]},
        ).scalar()
    assert used is not None
