"""Read-only roles for psql users, and the operator's per-tenant totals."""

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import errors, sql

from tests.reference import Ledger


def _salon(make_tenant):
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    now = datetime.now(UTC)
    for hours in (5, 30, 200):
        a = ledger.book(now - timedelta(hours=hours))
        ledger.pay(a, 1500, paid_at=a.end)
    return ledger


def _as(url, schema, statement):
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        return conn.execute(statement).fetchall()


def test_tenant_reader_reads_reports_and_nothing_else(runner, api, make_tenant, login_role):
    ledger = _salon(make_tenant)
    other = _salon(make_tenant)
    schema = ledger.tenant.schema
    alice, url = login_role("alice")
    result = runner.invoke(args=["dba", "grant", alice, "--tenant", schema])
    assert result.exit_code == 0, result.output

    report = _as(url, schema, "SELECT appointments_report(30)::text")[0][0]
    assert json.loads(report) == api(ledger.tenant, "appointments").get_json()
    assert (
        json.loads(_as(url, schema, "SELECT dashboard_report()::text")[0][0])
        == api(ledger.tenant, "dashboard").get_json()
    )
    total = _as(url, schema, "SELECT sum(appointments)::int FROM analytics_daily")[0][0]
    assert total == 3
    assert _as(url, schema, "SELECT sum(revenue_cents)::int FROM revenue_daily")[0][0] == 4500
    for view in ("analytics_by_service", "analytics_peak_times"):
        assert _as(url, schema, f"SELECT count(*) FROM {view}")[0][0] > 0

    refused = [
        "SELECT * FROM appointments",
        "SELECT * FROM payments",
        "SELECT * FROM appointment_rollup_daily",
        "SELECT * FROM public.users",
        "SELECT * FROM public.api_tokens",
        "SELECT * FROM public.tenants",
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time)"
        " VALUES (1, 1, now(), now() + interval '1 hour')",
        "UPDATE services SET name = 'x'",
        "SELECT rebuild_rollups()",
        f'SELECT * FROM "{other.tenant.schema}".analytics_daily',
        f'SELECT "{other.tenant.schema}".dashboard_report()',
    ]
    for statement in refused:
        with pytest.raises(errors.InsufficientPrivilege):
            _as(url, schema, statement)

    assert runner.invoke(args=["dba", "revoke", alice, "--tenant", schema]).exit_code == 0
    with pytest.raises(errors.InsufficientPrivilege):  # no USAGE on the schema any more
        _as(url, schema, f'SELECT * FROM "{schema}".analytics_daily')


def test_all_tenants_reader_and_reapplied_sql(app, runner, make_tenant, login_role):
    first, second = _salon(make_tenant), _salon(make_tenant)
    bob, url = login_role("bob")
    assert runner.invoke(args=["dba", "grant", bob]).exit_code == 0
    for ledger in (first, second):
        assert (
            _as(url, ledger.tenant.schema, "SELECT sum(appointments)::int FROM analytics_daily")[0][
                0
            ]
            == 3
        )
    # Objects re-created by `flask db upgrade` keep their grants.
    from analytics_app.db import migrate
    from analytics_app.db.tenant_session import enter_schema
    from analytics_app.extensions import db

    with app.app_context(), db.engine.begin() as conn:
        enter_schema(conn, first.tenant.schema, pin_temp_last=True)
        conn.exec_driver_sql("DELETE FROM analytics_objects_state")
        assert migrate.apply_objects(conn, first.tenant.schema)
    assert _as(url, first.tenant.schema, "SELECT count(*) FROM analytics_daily")[0][0] > 0
    with pytest.raises(errors.InsufficientPrivilege):
        _as(url, first.tenant.schema, "SELECT * FROM appointments")


def test_grant_errors(runner, make_tenant):
    make_tenant()
    assert runner.invoke(args=["dba", "grant", "no_such_role_xyz"]).exit_code == 1
    assert runner.invoke(args=["dba", "grant", "postgres", "--tenant", "ghost"]).exit_code == 1


def test_platform_totals_match_each_tenants_api(api, make_tenant, dsn):
    ledgers = [_salon(make_tenant), _salon(make_tenant)]
    ledgers[1].book(datetime.now(UTC) - timedelta(days=100), status="cancelled")
    with psycopg.connect(dsn) as conn:
        rows = {r[0]: r for r in conn.execute("SELECT * FROM public.platform_tenant_totals()")}
    for ledger in ledgers:
        row = rows[ledger.tenant.schema]
        appointments = api(ledger.tenant, "appointments", days=30).get_json()
        revenue = api(ledger.tenant, "revenue", days=30).get_json()
        assert row[6] == appointments["total"]
        assert row[9] == revenue["total_revenue_cents"]
        assert row[7] == 3 and row[8] == 4500
    assert rows[ledgers[0].tenant.schema][4] == 3
    assert rows[ledgers[1].tenant.schema][4:6] == (4, 3)


def test_platform_totals_hold_no_lock_per_tenant(make_tenant, dsn):
    """The operator's one statement over every tenant: each tenant's rollups are read in a
    subtransaction rolled back after its row is taken, so the statement ends holding the
    locks of no tenant. Held to the end of the transaction, they added up to about fifteen
    a tenant, and at 3,000 tenants overflowed the server's lock table ("out of shared
    memory", for every session while it lasted)."""
    for _ in range(3):
        _salon(make_tenant)
    with psycopg.connect(dsn) as conn:  # one transaction: the rows, then its locks
        rows = conn.execute("SELECT schema_name FROM public.platform_tenant_totals()").fetchall()
        tenant_locks = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE l.pid = pg_backend_pid() AND n.nspname IN"
            " (SELECT schema_name FROM public.tenants)"
        ).fetchone()[0]
    assert len(rows) >= 3
    assert tenant_locks == 0


def test_a_tenant_made_after_the_all_tenants_grant_is_read_through_it(
    app, runner, api, make_tenant, login_role, monkeypatch
):
    """A new tenant's report functions are made by its owner role with the reader roles'
    EXECUTE already on them (issue 27: no GRANT rewrites them afterwards); the reader sees
    the API's figures and still nothing else, and so after they are dropped and made
    again by an upgrade."""
    from analytics_app.db import catalogue, migrate
    from analytics_app.db.tenant_session import enter_schema
    from analytics_app.extensions import db

    carol, url = login_role("carol")
    assert runner.invoke(args=["dba", "grant", carol]).exit_code == 0
    ledger = _salon(make_tenant)
    schema = ledger.tenant.schema

    def reads():
        for report in ("dashboard", "appointments"):
            function = f"{report}_report()" if report == "dashboard" else f"{report}_report(30)"
            assert (
                json.loads(_as(url, schema, f"SELECT {function}::text")[0][0])
                == api(ledger.tenant, report).get_json()
            )
        assert _as(url, schema, "SELECT sum(appointments)::int FROM analytics_daily")[0][0] == 3
        # A private view, made by the owner role too.
        assert _as(url, schema, "SELECT count(*) >= 0 FROM resource_utilisation_daily")[0][0]
        for statement in ("SELECT * FROM appointments", "SELECT rebuild_rollups()"):
            with pytest.raises(errors.InsufficientPrivilege):
                _as(url, schema, statement)

    reads()
    monkeypatch.setattr(catalogue, "REPLACE_IN_PLACE", False)
    with app.app_context(), db.engine.begin() as conn:
        enter_schema(conn, schema, pin_temp_last=True)
        conn.exec_driver_sql("DELETE FROM analytics_objects_state")
        assert migrate.apply_objects(conn, schema)
    reads()
