"""Host -> tenant, and the search_path that keeps tenants apart."""

import psycopg
import pytest
from sqlalchemy import text

from analytics_app.extensions import db
from analytics_app.request.tenancy import host_of


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("demo.localhost", "demo.localhost"),
        ("Demo.LocalHost:5000", "demo.localhost"),
        ("demo.localhost:80", "demo.localhost"),
        ("  demo.localhost  ", "demo.localhost"),
        ("[::1]:5000", "[::1]"),
        ("", ""),
        (None, ""),
    ],
)
def test_host_of_lowercases_and_drops_the_port(raw, host):
    assert host_of(raw) == host


def test_unknown_host_is_404_json(client):
    response = client.get("/api/analytics/analytics/dashboard/", base_url="http://nobody.test")
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Unknown tenant."}


def test_unknown_host_gets_a_page_in_a_browser(client):
    response = client.get("/", base_url="http://nobody.test", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "No business is served at this address" in response.get_data(as_text=True)


def test_missing_host_header_is_404(client):
    response = client.get("/api/analytics/", headers={"Host": ""})
    assert response.status_code == 404


@pytest.mark.parametrize("suffix", ["", ":5000", ":443"])
def test_host_with_port_and_capitals_finds_the_tenant(client, make_tenant, suffix):
    tenant = make_tenant()
    response = client.get("/api/analytics/", base_url=f"http://{tenant.host.upper()}{suffix}")
    assert response.status_code == 200
    assert response.get_json()["dashboard"].endswith("/api/analytics/analytics/dashboard/")


def test_the_search_path_entry_quotes_the_schema(app, dsn):
    """public.enter_tenant: '"<schema>", public', quoted as an identifier, transaction-local."""
    with psycopg.connect(dsn) as conn:
        cases = [("demo", False), (None, False), ('x"; DROP TABLE users; --', True)]
        for schema, pin in cases:
            conn.execute("SELECT public.enter_tenant(%s, %s)", (schema, pin))
            path = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
            conn.rollback()
            assert path == {
                "demo": "demo, public",
                None: "public",
            }.get(schema, '"x""; DROP TABLE users; --", public, pg_temp')
        assert conn.execute("SELECT current_setting('search_path')").fetchone()[0] == (
            '"$user", public'
        )


def _insert_appointments(tenant, count):
    tenant.sql(
        "INSERT INTO services (name) VALUES ('S'); INSERT INTO resources (name) VALUES ('R')"
    )
    tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
        " SELECT 1, 1, now() - interval '1 day', now() - interval '23 hours', 'confirmed'"
        " FROM generate_series(1, %s)",
        (count,),
    )


def test_two_tenants_rows_never_mix(api, make_tenant):
    first, second = make_tenant(), make_tenant()
    _insert_appointments(first, 3)
    _insert_appointments(second, 5)
    for _ in range(3):  # alternate, so pooled connections are reused across tenants
        assert api(first, "appointments").get_json()["total"] == 3
        assert api(second, "appointments").get_json()["total"] == 5


def test_pooled_connection_carries_no_tenant_path_after_a_request(app, api, make_tenant):
    tenant = make_tenant()
    assert api(tenant, "dashboard").status_code == 200
    with app.app_context():
        # Every connection the pool holds, checked out one after another.
        pool_size = app.config["DB_POOL_SIZE"]
        connections = [db.engine.connect() for _ in range(pool_size)]
        try:
            paths = [c.execute(text("SHOW search_path")).scalar() for c in connections]
        finally:
            for c in connections:
                c.close()
    assert paths == ['"$user", public'] * pool_size


def test_search_path_is_set_for_every_transaction_of_a_request(app, make_tenant):
    tenant = make_tenant()
    with app.test_request_context("/", base_url=f"http://{tenant.host}"):
        from analytics_app.request.tenancy import current_tenant

        assert current_tenant.schema_name == tenant.schema
        first = db.session.execute(text("SELECT current_schema()")).scalar()
        db.session.commit()
        second = db.session.execute(text("SELECT current_schema()")).scalar()
        db.session.rollback()
    assert first == second == tenant.schema


def test_the_tenant_is_found_by_its_schema_through_the_index(make_tenant):
    """tenant_timezone(), tenant_currency() and public.tenant_feature() (which
    tenant_has_feature() calls with current_schema()::text) look the tenant up by
    `schema_name = <schema> COLLATE "default"`. Compared as a `name`
    (or cast to text but kept in its "C" collation) the index cannot serve, and each call
    reads every tenant's row: 1.86 ms a call at 6,551 tenants
    (benchmarks/tenant_lookup.py), in every report, gate and rollup trigger. With
    sequential scans priced out, each body must plan as an index scan."""
    tenant = make_tenant()
    bodies = tenant.sql(
        "SELECT p.proname, p.prosrc FROM pg_proc p"
        " WHERE (p.pronamespace = current_schema()::regnamespace"
        "        AND p.proname IN ('tenant_timezone', 'tenant_currency'))"
        "    OR (p.pronamespace = 'public'::regnamespace AND p.proname = 'tenant_feature')"
    )
    assert sorted(name for name, _ in bodies) == [
        "tenant_currency",
        "tenant_feature",
        "tenant_timezone",
    ]
    for name, source in bodies:
        query = source.strip().rstrip(";").replace("p_feature", "'advanced_analytics'")
        query = query.replace("p_schema", "current_schema()::text")
        with psycopg.connect(tenant.dsn) as conn:
            path = f'"{tenant.schema}", public'
            conn.execute("SELECT set_config('search_path', %s, true)", (path,))
            conn.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN (COSTS OFF) {query}"))
        assert "tenants_schema_name_key" in plan, (name, plan)
        assert "Seq Scan on tenants" not in plan, (name, plan)
