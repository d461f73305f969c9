"""Part 2 periods (`start`/`end`, the previous period, `window`) and the new fields of
the appointments and revenue reports, against tests/reference.py and literals."""

import random
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from tests import reference
from tests.reference import Ledger

REPORTS = ["appointments", "revenue", "customers"]


def shop(make_tenant, timezone="America/New_York"):
    ledger = Ledger(make_tenant(timezone=timezone))
    ledger.service(1, "Cut", price=3500)
    ledger.service(2, "Colour", price=12000)
    ledger.service(3, "Free consult", price=None)
    ledger.resource(1, "Chair 1")
    ledger.resource(2, "Chair 2")
    return ledger


# --- 400s, one by one ------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize(
    "query, errors",
    [
        (
            {"days": "7", "start": "2026-01-01", "end": "2026-01-07"},
            {"days": ["Cannot be combined with start and end."]},
        ),
        (
            {"days": "7", "start": "2026-01-01"},
            {"days": ["Cannot be combined with start and end."]},
        ),
        ({"start": "2026-01-01"}, {"end": ["Required with start."]}),
        ({"end": "2026-01-01"}, {"start": ["Required with end."]}),
        (
            {"start": "2026-1-5", "end": "2026-01-07"},
            {"start": ["Not a valid date: use YYYY-MM-DD."]},
        ),
        (
            {"start": "2026-02-30", "end": "2026-03-07"},
            {"start": ["Not a valid date: use YYYY-MM-DD."]},
        ),
        (
            {"start": "2026-01-01", "end": "tomorrow"},
            {"end": ["Not a valid date: use YYYY-MM-DD."]},
        ),
        (
            {"start": "2026-01-01T00:00", "end": "2026-01-02"},
            {"start": ["Not a valid date: use YYYY-MM-DD."]},
        ),
        ({"start": "", "end": "2026-01-02"}, {"start": ["Not a valid date: use YYYY-MM-DD."]}),
        ({"start": "2026-01-08", "end": "2026-01-07"}, {"end": ["Must not be before start."]}),
        (
            {"start": "2016-01-01", "end": "2025-12-29"},  # 3,651 days
            {"end": ["The period may span at most 3650 days."]},
        ),
    ],
)
def test_bad_periods_are_400s_naming_the_parameter(api, make_tenant, report, query, errors):
    response = api(make_tenant(), report, **query)
    assert response.status_code == 400
    assert response.get_json() == {"errors": errors}


@pytest.mark.parametrize("report", REPORTS)
def test_the_longest_and_shortest_ranges_are_allowed(api, make_tenant, report):
    tenant = make_tenant()
    longest = api(tenant, report, start="2016-01-01", end="2025-12-28").get_json()
    assert longest["period_days"] == 3650
    # 3,650 days before 2016-01-01, with 2008 and 2012 leap years in between.
    assert longest["window"]["previous_start_date"] == "2006-01-03"
    one = api(tenant, report, start="2026-02-28", end="2026-02-28").get_json()
    assert one["period_days"] == 1
    assert one["window"] == {
        "start_date": "2026-02-28",
        "end_date": "2026-02-28",
        "previous_start_date": "2026-02-27",
        "previous_end_date": "2026-02-27",
        "time_zone": "UTC",
    }


# --- Ranges, edges, literals -------------------------------------------------------


def test_a_range_over_a_dst_change_counts_local_days_and_lost_value(api, make_tenant):
    """2026-11-01 is a 25-hour day in New York; 2026-03-08 a 23-hour one."""
    ledger = shop(make_tenant)
    autumn = date(2026, 11, 1)
    ledger.book(ledger.local(autumn), status="cancelled", service=1)  # local midnight
    ledger.book(ledger.local(autumn, 1, 30), status="no_show", service=2)
    ledger.book(ledger.local(autumn, 1, 30, fold=1), status="no_show", service=3)  # NULL price
    ledger.book(ledger.local(autumn, 23, 59, 59), status="cancelled", service=2, resource=2)
    ledger.book(ledger.local(autumn + timedelta(days=1)), service=1)  # the day after: outside
    ledger.book(ledger.local(autumn - timedelta(days=1), 23, 59), status="cancelled")  # previous
    now = datetime.now(UTC)
    body = api(ledger.tenant, "appointments", start="2026-10-31", end="2026-11-01").get_json()
    assert body == reference.appointments(ledger, now, start=date(2026, 10, 31), end=autumn)
    assert body["total"] == 5
    assert body["cancelled_value_cents"] == 3500 + 12000 + 3500
    assert body["no_show_value_cents"] == 12000 + 0
    assert [d["count"] for d in body["daily_breakdown"]] == [1, 4]
    assert body["window"]["previous_start_date"] == "2026-10-29"
    assert body["booking_trend_percent"] is None  # nothing on 10-29 and 10-30

    only_cancelled = api(
        ledger.tenant, "appointments", start="2026-10-31", end="2026-11-01", status="cancelled"
    ).get_json()
    assert (only_cancelled["cancelled_value_cents"], only_cancelled["no_show_value_cents"]) == (
        19000,
        0,
    )
    chair_two = api(
        ledger.tenant, "appointments", start="2026-11-01", end="2026-11-01", resource_id="2"
    ).get_json()
    assert chair_two["cancelled_value_cents"] == 12000


def test_spring_forward_range_and_a_future_range(api, make_tenant):
    ledger = shop(make_tenant)
    spring = date(2026, 3, 8)
    for hour in (0, 1, 3, 23):
        ledger.book(ledger.local(spring, hour, 30), status="no_show", service=1)
    later = datetime.now(UTC).astimezone(ledger.zone).date() + timedelta(days=40)
    ledger.book(ledger.local(later, 10), status="cancelled", service=2)
    now = datetime.now(UTC)
    spring_body = api(ledger.tenant, "appointments", start="2026-03-08", end="2026-03-08")
    assert spring_body.get_json() == reference.appointments(ledger, now, start=spring, end=spring)
    assert spring_body.get_json()["no_show_value_cents"] == 4 * 3500
    future = api(
        ledger.tenant,
        "appointments",
        start=(later - timedelta(days=6)).isoformat(),
        end=later.isoformat(),
    ).get_json()
    assert future == reference.appointments(ledger, now, start=later - timedelta(days=6), end=later)
    assert future["cancelled_value_cents"] == 12000
    assert future["daily_breakdown"][-1] == {
        "date": later.isoformat(),
        "count": 1,
        "status_breakdown": {"confirmed": 0, "cancelled": 1, "no_show": 0},
    }


def test_revenue_trend_and_window_over_a_range(api, make_tenant):
    ledger = shop(make_tenant, "Europe/London")
    cut = ledger.book(ledger.local(date(2026, 3, 20), 10))
    colour = ledger.book(ledger.local(date(2026, 3, 28), 10), service=2)
    ledger.pay(cut, 4000, paid_at=ledger.local(date(2026, 3, 21), 0))  # previous period
    ledger.pay(colour, 12000, paid_at=ledger.local(date(2026, 3, 29), 1, 30))  # DST day
    ledger.pay(colour, 500, status="refunded", paid_at=ledger.local(date(2026, 3, 29), 9))
    body = api(ledger.tenant, "revenue", start="2026-03-22", end="2026-03-29").get_json()
    now = datetime.now(UTC)
    assert body == reference.revenue(ledger, now, start=date(2026, 3, 22), end=date(2026, 3, 29))
    assert body["total_revenue_cents"] == 12000
    assert body["revenue_trend_percent"] == 200.0  # (12000 - 4000) / 4000
    assert body["window"] == {
        "start_date": "2026-03-22",
        "end_date": "2026-03-29",
        "previous_start_date": "2026-03-14",
        "previous_end_date": "2026-03-21",
        "time_zone": "Europe/London",
    }
    colour_only = api(
        ledger.tenant, "revenue", start="2026-03-22", end="2026-03-29", service_id="2"
    ).get_json()
    assert colour_only["revenue_trend_percent"] is None  # colour earned nothing before


@pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_random_histories_and_ranges_match_the_reference(api, make_tenant, timezone):
    rng = random.Random(timezone)
    ledger = shop(make_tenant, timezone)
    now = datetime.now(UTC)
    for _ in range(250):
        start = now + timedelta(minutes=rng.randrange(-60 * 24 * 400, 60 * 24 * 60))
        appointment = ledger.book(
            start,
            minutes=rng.choice([20, 45, 90]),
            status=rng.choices(["confirmed", "cancelled", "no_show"], [80, 12, 8])[0],
            service=rng.choice([1, 1, 2, 3]),
            resource=rng.choice([1, 2]),
        )
        if appointment.status == "confirmed" and rng.random() < 0.7:
            ledger.pay(
                appointment,
                rng.randrange(500, 20000),
                status=rng.choices(["succeeded", "pending", "refunded"], [85, 10, 5])[0],
                paid_at=start + timedelta(minutes=rng.randrange(0, 600)),
            )
    today = now.astimezone(ledger.zone).date()
    for _ in range(6):
        first = today - timedelta(days=rng.randrange(-50, 380))
        last = first + timedelta(days=rng.randrange(0, 120))
        filters = rng.choice([{}, {"service_id": 2}, {"resource_id": 1}, {"status": "cancelled"}])
        query = {"start": first.isoformat(), "end": last.isoformat()}
        body = api(ledger.tenant, "appointments", **query, **filters).get_json()
        assert body == reference.appointments(ledger, now, start=first, end=last, **filters)
        money = {"service_id": filters["service_id"]} if "service_id" in filters else {}
        assert api(ledger.tenant, "revenue", **query, **money).get_json() == reference.revenue(
            ledger, now, start=first, end=last, **money
        )


# --- the tenant's zone, read once -------------------------------------------------


@pytest.mark.parametrize(
    "args", ["30, now()", "365, now()", "NULL, now(), DATE '2026-03-01', DATE '2026-03-31'"]
)
def test_the_period_reads_the_tenant_zone_once(make_tenant, args):
    # tenant_timezone() is a definer function: each call switches the search path and
    # runs its own query. The subquery naming it, pulled up by the planner, called it once
    # per use of its column: nine times a period, in every period report.
    tenant = make_tenant(timezone="Europe/Paris")
    with psycopg.connect(tenant.dsn) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f'"{tenant.schema}", public',))
        conn.execute("SET LOCAL track_functions = 'all'")
        zone = conn.execute(f"SELECT time_zone FROM report_period({args})").fetchone()[0]
        calls = conn.execute(
            "SELECT calls FROM pg_stat_xact_user_functions"
            " WHERE schemaname = %s AND funcname = 'tenant_timezone'",
            (tenant.schema,),
        ).fetchone()[0]
    assert (zone, calls) == ("Europe/Paris", 1)
