"""`flask tenants drop`: one tenant removed for good, its neighbours untouched."""

from datetime import UTC, datetime, timedelta

import psycopg


def _seed(tenant):
    start = datetime.now(UTC) - timedelta(days=1)
    tenant.sql(
        "INSERT INTO services (id, name, duration_minutes, price_cents) VALUES (1, 'S', 30, 900)"
    )
    tenant.sql("INSERT INTO resources (id, name) VALUES (1, 'R')")
    tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time) VALUES"
        " (1, 1, %s, %s)",
        (start, start + timedelta(minutes=30)),
    )


def test_drop_removes_the_tenant_its_people_and_roles_and_nothing_else(
    runner, api, make_tenant, make_key, login_role, dsn
):
    doomed, neighbour = make_tenant(), make_tenant()
    for tenant in (doomed, neighbour):
        _seed(tenant)
    key, neighbour_key = make_key(doomed), make_key(neighbour)
    role, _ = login_role("dropdba")
    assert runner.invoke(args=["dba", "grant", role, "--tenant", doomed.schema]).exit_code == 0
    assert api(doomed, "appointments", key=key).get_json()["total"] == 1

    refused = runner.invoke(args=["tenants", "drop", doomed.schema], input="not-the-name\n")
    assert refused.exit_code == 1 and "nothing was deleted" in refused.output
    assert api(doomed, "appointments", key=key).status_code == 200

    result = runner.invoke(args=["tenants", "drop", doomed.schema], input=f"{doomed.schema}\n")
    assert result.exit_code == 0, result.output
    assert "1 domain(s), 1 user(s)" in result.output

    with psycopg.connect(dsn) as conn:
        left = conn.execute(
            "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = %(s)s),"
            " (SELECT count(*) FROM public.tenants WHERE schema_name = %(s)s),"
            " (SELECT count(*) FROM public.domains WHERE tenant_id = %(t)s),"
            " (SELECT count(*) FROM public.users WHERE tenant_id = %(t)s),"
            " (SELECT count(*) FROM public.api_tokens k JOIN public.users u ON u.id = k.user_id"
            "   WHERE u.tenant_id = %(t)s),"
            " (SELECT count(*) FROM pg_roles WHERE rolname LIKE '%%' || %(s)s)",
            {"s": doomed.schema, "t": doomed.id},
        ).fetchone()
        member_of = conn.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
            " WHERE r.rolname = %s",
            (role,),
        ).fetchone()[0]
    assert left == (0, 0, 0, 0, 0, 0)
    assert member_of == 0  # the per-tenant reader role went, and the DBA's membership
    assert api(doomed, "appointments", key=key).status_code == 404  # an unknown host now
    assert api(neighbour, "appointments", key=neighbour_key).get_json()["total"] == 1

    again = runner.invoke(args=["tenants", "drop", doomed.schema, "--yes"])
    assert again.exit_code == 1 and "No tenant with schema" in again.output


def test_export_then_import_into_another_database_moves_the_tenant_whole(
    app, runner, api, make_tenant, make_key, dsn, tmp_path
):
    """A tenant with history, a user and a key, exported and imported into a fresh database
    of the same server: the same reports, the same key and password, the same figures
    kept by the database, and its objects owned and granted as this database's."""
    from sqlalchemy.engine import make_url

    from analytics_app import create_app
    from analytics_app.db import migrate
    from analytics_app.extensions import db
    from analytics_app.tenants import tenant_admin
    from tests.reference import Ledger

    ledger = Ledger(make_tenant(timezone="Asia/Kolkata"), currency="INR")
    # Its currency and locale travel with it (amounts in paise stay paise).
    for command, value in (("set-currency", "INR"), ("set-locale", "en_IN")):
        result = runner.invoke(args=["tenants", command, ledger.tenant.schema, value])
        assert result.exit_code == 0, result.output
    ledger.service(1, "Cut", price=2500)
    ledger.resource(1, "Chair")
    ledger.customer(1, channel="Instagram")
    now = datetime.now(UTC)
    for day in range(1, 40, 3):
        a = ledger.book(
            now - timedelta(days=day, hours=2), customer=1 if day % 2 else None, source="phone"
        )
        ledger.pay(a, 2500, paid_at=a.start)
    tenant = ledger.tenant
    key = make_key(tenant)
    before = {
        r: api(tenant, r, key=key, days=60).get_json()
        for r in ("appointments", "revenue", "customers")
    }
    archive = tmp_path / "tenant.tar"
    result = runner.invoke(args=["tenants", "export", tenant.schema, str(archive)])
    assert result.exit_code == 0, result.output

    other = f"ta_import_{tenant.schema}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{other}"')
    other_url = make_url(dsn).set(database=other).render_as_string(hide_password=False)
    there = create_app(
        {"TESTING": True, "DATABASE_URL": other_url, "SECRET_KEY": "test-only-secret"}
    )
    try:
        with there.app_context():
            migrate.upgrade_all(db.engine, echo=lambda _l: None)
            tenant_admin.create_plan("all", ["advanced_analytics", "can_accept_payments"])
            db.session.commit()
        imported = there.test_cli_runner().invoke(args=["tenants", "import", str(archive)])
        assert imported.exit_code == 0, imported.output
        client = there.test_client()
        for report, body in before.items():
            response = client.get(
                f"/api/analytics/analytics/{report}/?days=60",
                base_url=f"http://{tenant.host}",
                headers={"Authorization": f"Token {key}"},
            )
            assert response.status_code == 200
            moved = response.get_json()
            assert moved == body, report
        assert before["revenue"]["currency"] == "INR"
        assert before["appointments"]["by_source"] == [{"source": "phone", "count": 13}]
        with there.app_context():
            assert tenant_admin.get_tenant(tenant.schema).locale == "en_IN"
        with psycopg.connect(other_url) as conn:
            conn.execute(f'SET search_path TO "{tenant.schema}", public')
            drift = [r for r in conn.execute("SELECT * FROM verify_rollups()") if r[2]]
            assert drift == []
            owner, public_execute = conn.execute(
                "SELECT pg_get_userbyid(p.proowner), has_function_privilege('public',"
                " p.oid, 'EXECUTE') FROM pg_proc p WHERE p.proname = 'appointments_report'"
                " AND p.pronamespace = %s::regnamespace",
                (tenant.schema,),
            ).fetchone()
        assert owner == f"analytics_owner_{tenant.schema}" and public_execute is False
        # The same archive again: refused, nothing changed.
        again = there.test_cli_runner().invoke(args=["tenants", "import", str(archive)])
        assert again.exit_code == 1 and "exists already" in again.output
    finally:
        with there.app_context():
            for engine in db.engines.values():
                engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{other}" WITH (FORCE)')
