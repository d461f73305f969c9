"""What a DBA sees with psql: the views agree with the API to the unit."""

import json
from datetime import UTC, datetime, timedelta

from analytics_app.db import catalogue, rollups
from tests.reference import Ledger


def _history(make_tenant):
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    ledger.service(1, "Cut")
    ledger.service(2, "Dye")
    ledger.resource(1, "Chair")
    ledger.resource(2, "Sink")
    now = datetime.now(UTC)
    for i in range(60):
        a = ledger.book(
            now - timedelta(hours=7 * i + 3),
            minutes=15 + i % 4 * 15,
            status=("confirmed", "confirmed", "cancelled", "no_show")[i % 4],
            service=1 + i % 2,
            resource=1 + i % 3 // 2,
        )
        if i % 4 == 0:
            ledger.pay(a, 1000 + i, paid_at=a.end)
    return ledger


def test_views_summed_over_the_period_equal_the_api(api, make_tenant):
    ledger = _history(make_tenant)
    tenant = ledger.tenant
    days = 10
    body = api(tenant, "appointments", days=days).get_json()
    first = datetime.now(ledger.zone).date() - timedelta(days=days - 1)
    by_status = dict(
        tenant.sql(
            "SELECT status, sum(appointments)::int FROM analytics_daily WHERE day >= %s"
            " GROUP BY status",
            (first,),
        )
    )
    assert {s: by_status.get(s, 0) for s in body["by_status"]} == body["by_status"]
    by_service = tenant.sql(
        "SELECT service_id, service_name, sum(appointments)::int FROM analytics_by_service"
        " WHERE day >= %s GROUP BY 1, 2 ORDER BY 3 DESC, 1",
        (first,),
    )
    assert [tuple(r.values()) for r in body["by_service"]] == [tuple(r) for r in by_service]
    revenue = api(tenant, "revenue", days=days).get_json()
    total, count = tenant.sql(
        "SELECT sum(revenue_cents)::int, sum(transaction_count)::int FROM revenue_daily"
        " WHERE day >= %s",
        (first,),
    )[0]
    assert (total, count) == (revenue["total_revenue_cents"], revenue["transaction_count"])
    assert total > 0 and count > 0
    peak = tenant.sql(
        "SELECT weekday FROM analytics_peak_times GROUP BY weekday_number, weekday"
        " ORDER BY sum(appointments) DESC, weekday_number LIMIT 1"
    )[0][0]
    assert peak == api(tenant, "dashboard").get_json()["peak_booking_day"]


def test_report_functions_return_the_api_bodies(api, make_tenant):
    tenant = _history(make_tenant).tenant
    for endpoint, call in [
        ("dashboard", "dashboard_report()"),
        ("appointments", "appointments_report(14, 'confirmed')"),
        ("revenue", "revenue_report(14)"),
    ]:
        query = (
            {"days": 14, "status": "confirmed"}
            if endpoint == "appointments"
            else ({"days": 14} if endpoint == "revenue" else {})
        )
        from_sql = tenant.scalar(f"SELECT {call}::text")
        assert json.loads(from_sql) == api(tenant, endpoint, **query).get_json()


def test_functions_work_whatever_search_path_the_caller_has(make_tenant):
    tenant = _history(make_tenant).tenant
    with_path = tenant.scalar("SELECT appointments_report(30)::text")
    import psycopg

    with psycopg.connect(tenant.dsn) as conn:  # search_path left at its default
        qualified = conn.execute(
            f'SELECT "{tenant.schema}".appointments_report(30)::text'
        ).fetchone()[0]
    assert json.loads(qualified) == json.loads(with_path)


def test_fixed_clock_dst_day_and_month_edges(make_tenant):
    """The functions take the clock as an argument, so exact calendar edges can be pinned."""
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    from datetime import date

    spring = date(2026, 3, 8)  # 02:00 -> 03:00: a 23-hour day
    ledger.book(ledger.local(spring))
    ledger.book(ledger.local(spring, 3, 0))
    ledger.book(ledger.local(spring, 23, 59, 59))
    ledger.book(ledger.local(date(2026, 3, 7), 23, 59, 59))
    ledger.book(ledger.local(date(2026, 2, 28), 23, 59, 59))  # last second of February
    ledger.book(ledger.local(date(2026, 3, 1)))  # first second of March
    now = ledger.local(date(2026, 3, 9), 12)
    body = json.loads(
        ledger.tenant.scalar("SELECT appointments_report(3, p_now => %s)::text", (now,))
    )
    assert [(d["date"], d["count"]) for d in body["daily_breakdown"]] == [
        ("2026-03-07", 1),
        ("2026-03-08", 3),
        ("2026-03-09", 0),
    ]
    dash = json.loads(ledger.tenant.scalar("SELECT dashboard_report(%s)::text", (now,)))
    assert dash["total_appointments_this_month"] == 5
    assert dash["period"] == {
        "start_date": "2026-03-01T00:00:00-05:00",
        "end_date": "2026-03-31T23:59:59-04:00",
    }
    february = json.loads(
        ledger.tenant.scalar(
            "SELECT dashboard_report(%s)::text", (ledger.local(date(2026, 2, 28), 23, 59, 59),)
        )
    )
    assert february["total_appointments_this_month"] == 1
    assert february["period"] == {
        "start_date": "2026-02-01T00:00:00-05:00",
        "end_date": "2026-02-28T23:59:59-05:00",
    }


def test_every_view_and_column_has_a_comment(make_tenant):
    tenant = make_tenant()
    missing = tenant.sql(
        """
        SELECT c.relname, a.attname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
        WHERE c.relkind = 'v' AND col_description(c.oid, a.attnum) IS NULL
        UNION ALL
        SELECT c.relname, '' FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = %s
        WHERE c.relkind = 'v' AND obj_description(c.oid, 'pg_class') IS NULL
        UNION ALL
        SELECT p.proname, '()' FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = %s
        WHERE obj_description(p.oid, 'pg_proc') IS NULL
    """,
        (tenant.schema,) * 3,
    )
    # Every function a DBA calls has one; the internal helpers are described in their
    # files instead: a COMMENT ON FUNCTION names the function, which then costs each new
    # tenant a rename (catalogue.interim_names, issue 27).
    helpers = {"report_period", "report_window", "channel_name"} | {
        name for entry in catalogue.CATALOGUE if entry.file == "rollup_recount"
        for _, name in entry.objects
    }  # fmt: skip
    assert len(helpers) == 3 + len(rollups.ROLLUPS)
    assert [row for row in missing if row[1] != "()"] == []
    assert {name for name, _ in missing} == helpers
    readers = {
        name for entry in catalogue.CATALOGUE if entry.readers
        for kind, name in entry.objects if kind == "FUNCTION"
    }  # fmt: skip
    assert readers and not readers & helpers
    views = {
        r[0]
        for r in tenant.sql("SELECT viewname FROM pg_views WHERE schemaname = %s", (tenant.schema,))
    }
    assert {"analytics_daily", "analytics_by_service", "revenue_daily"} <= views
