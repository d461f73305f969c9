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
