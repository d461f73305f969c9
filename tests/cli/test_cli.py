"""The operator's commands, run as the operator runs them."""

import pytest
from sqlalchemy import text

from analytics_app.extensions import db


def _count(app, sql, **params):
    with app.app_context():
        return db.session.execute(text(sql), params).scalar()


def test_tenants_create_makes_row_domain_and_migrated_schema(app, runner):
    result = runner.invoke(
        args=[
            "tenants",
            "create",
            "acme_clinic",
            "--name",
            "Acme Clinic",
            "--plan",
            "all",
            "--timezone",
            "Asia/Kolkata",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "acme_clinic.localhost" in result.output
    assert (
        _count(app, "SELECT timezone FROM public.tenants WHERE schema_name = 'acme_clinic'")
        == "Asia/Kolkata"
    )
    assert (
        _count(
            app,
            "SELECT count(*) FROM public.domains d JOIN public.tenants t"
            " ON t.id = d.tenant_id WHERE t.schema_name = 'acme_clinic'"
            " AND d.domain = 'acme_clinic.localhost' AND d.is_primary",
        )
        == 1
    )
    assert (
        _count(
            app, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'acme_clinic'"
        )
        >= 5
    )
    listed = runner.invoke(args=["tenants", "list"]).output
    assert (
        "acme_clinic\tAcme Clinic\tall\tAsia/Kolkata\tUSD\ten_US\tacme_clinic.localhost\t"
        "advanced_analytics,can_accept_payments" in listed
    )


def test_tenants_create_with_several_domains(app, runner):
    result = runner.invoke(
        args=[
            "tenants",
            "create",
            "multi",
            "--name",
            "M",
            "--plan",
            "none",
            "--domain",
            "Multi.Example.com",
            "--domain",
            "m.localhost",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT domain, is_primary FROM public.domains WHERE tenant_id ="
                " (SELECT id FROM public.tenants WHERE schema_name = 'multi') ORDER BY domain"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("m.localhost", False), ("multi.example.com", True)]


@pytest.mark.parametrize(
    "bad",
    [
        "Upper",
        "1starts_with_digit",
        "public",
        "information_schema",
        "pg_catalog",
        "pg_anything",
        "has-dash",
        "has space",
        "x" * 64,
        "",
        'quote"d',
        "semi;colon",
        "émile",
    ],
)
def test_bad_schema_names_are_refused_and_nothing_is_created(app, runner, bad):
    tenants_before = _count(app, "SELECT count(*) FROM public.tenants")
    schemas_before = _count(app, "SELECT count(*) FROM pg_namespace")
    result = runner.invoke(args=["tenants", "create", bad, "--name", "X", "--plan", "all"])
    assert result.exit_code != 0
    assert "Invalid schema name" in result.output or "reserved" in result.output
    assert "Traceback" not in result.output
    assert _count(app, "SELECT count(*) FROM public.tenants") == tenants_before
    assert _count(app, "SELECT count(*) FROM pg_namespace") == schemas_before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "no such plan"], "No plan named"),
        (["--plan", "all", "--timezone", "Mars/Olympus"], "Unknown time zone"),
        (["--plan", "all", "--domain", "bad domain!"], "Invalid domain"),
    ],
)
def test_tenant_create_errors_leave_nothing_behind(app, runner, args, message):
    result = runner.invoke(args=["tenants", "create", "leftover", "--name", "X", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert _count(app, "SELECT count(*) FROM pg_namespace WHERE nspname = 'leftover'") == 0
    assert _count(app, "SELECT count(*) FROM public.tenants WHERE schema_name = 'leftover'") == 0


def test_duplicate_tenant_and_taken_domain_are_refused(runner, make_tenant):
    tenant = make_tenant()
    again = runner.invoke(args=["tenants", "create", tenant.schema, "--name", "X", "--plan", "all"])
    assert again.exit_code == 1 and "exists already" in again.output
    stolen = runner.invoke(
        args=["tenants", "create", "thief", "--name", "X", "--plan", "all", "--domain", tenant.host]
    )
    assert stolen.exit_code == 1 and "Domain already in use" in stolen.output


def test_plans_and_features(app, runner, make_tenant):
    assert (
        runner.invoke(args=["plans", "create", "pro", "--feature", "advanced_analytics"]).exit_code
        == 0
    )
    assert runner.invoke(args=["plans", "create", "pro"]).exit_code == 1
    assert runner.invoke(args=["plans", "create", "x", "--feature", "teleport"]).exit_code == 2
    assert (
        runner.invoke(args=["plans", "set-feature", "pro", "can_accept_payments", "on"]).exit_code
        == 0
    )
    with app.app_context():
        perms = db.session.execute(
            text("SELECT permissions FROM public.subscription_plans WHERE name = 'pro'")
        ).scalar()
    assert perms == {"advanced_analytics": True, "can_accept_payments": True}

    tenant = make_tenant(plan="pro")
    for state, stored in (("off", False), ("on", True), ("plan", None)):
        result = runner.invoke(
            args=["tenants", "set-feature", tenant.schema, "advanced_analytics", state]
        )
        assert result.exit_code == 0, result.output
        assert (
            _count(app, "SELECT advanced_analytics FROM public.tenants WHERE id = :i", i=tenant.id)
            is stored
        )


def test_users_create_prints_a_generated_password_once(app, runner, make_tenant):
    tenant = make_tenant()
    result = runner.invoke(
        args=["users", "create", "--tenant", tenant.schema, "--email", "Ann@Example.com"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].removeprefix("Password: ")
    assert len(password) >= 12
    stored = _count(
        app,
        "SELECT password_hash FROM public.users WHERE email = 'ann@example.com' AND tenant_id = :t",
        t=tenant.id,
    )
    assert password not in stored and stored.startswith("scrypt:")
    given = runner.invoke(
        args=[
            "users",
            "create",
            "--tenant",
            tenant.schema,
            "--email",
            "b@x.io",
            "--password",
            "chosen-one",
        ]
    )
    assert "Password:" not in given.output


def test_unknown_tenant_for_users_and_tokens(runner):
    for args in (
        ["users", "create", "--tenant", "ghost", "--email", "a@b.c"],
        ["tokens", "create", "--tenant", "ghost", "--email", "a@b.c"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "No tenant with schema 'ghost'" in result.output
