"""GET /api/analytics/analytics/appointments/: every field, the awkward cases, against the SPEC."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger


def salon(make_tenant, timezone):
    ledger = Ledger(make_tenant(timezone=timezone))
    ledger.service(1, "Haircut")
    ledger.service(2, "Color")
    ledger.service(3, "Unused")
    ledger.resource(1, "Chair 1")
    ledger.resource(2, "Chair 2")
    return ledger


def today_in(ledger):
    return datetime.now(ledger.zone).date()


def test_empty_tenant(api, make_tenant):
    tenant = make_tenant(timezone="America/New_York")
    body = api(tenant, "appointments", days=3).get_json()
    today = datetime.now(reference.ZoneInfo("America/New_York")).date()
    zero = {"confirmed": 0, "cancelled": 0, "no_show": 0}
    assert body == {
        "total": 0,
        "by_status": zero,
        "by_service": [],
        "by_resource": [],
        "by_source": [],
        "daily_breakdown": [
            {"date": (today - timedelta(days=d)).isoformat(), "count": 0, "status_breakdown": zero}
            for d in (2, 1, 0)
        ],
        "booking_trend_percent": None,
        "cancellation_rate_percent": 0.0,
        "no_show_rate_percent": 0.0,
        "cancelled_value_cents": 0,
        "no_show_value_cents": 0,
        "lead_time": {
            "average_hours": None,
            "same_day": 0,
            "1_to_6_days": 0,
            "7_to_29_days": 0,
            "30_days_or_more": 0,
        },
        "period_days": 3,
        "window": {
            "start_date": (today - timedelta(days=2)).isoformat(),
            "end_date": today.isoformat(),
            "previous_start_date": (today - timedelta(days=5)).isoformat(),
            "previous_end_date": (today - timedelta(days=3)).isoformat(),
            "time_zone": "America/New_York",
        },
        "currency": "USD",  # the default
    }
    assert len(api(tenant, "appointments").get_json()["daily_breakdown"]) == 30


@pytest.fixture
def week(make_tenant):
    """A New York salon with bookings on the edges of a 7-day period, and a neighbour."""
    ledger = salon(make_tenant, "America/New_York")
    today = today_in(ledger)
    first = today - timedelta(days=6)
    ledger.book(ledger.local(first), service=1, resource=1)  # midnight: in
    ledger.book(ledger.local(first + timedelta(days=2), 12), status="cancelled", service=2)
    ledger.book(ledger.local(first + timedelta(days=3), 10), service=1, resource=2)
    ledger.book(ledger.local(today, 23, 30), status="no_show", service=2, resource=2)
    ledger.book(ledger.local(today + timedelta(days=1)))  # tomorrow: out
    # The previous 7 days: 3 appointments, the last one second before the period.
    ledger.book(ledger.local(first - timedelta(days=1), 23, 59, 59), status="cancelled")
    ledger.book(ledger.local(first - timedelta(days=7)))
    ledger.book(ledger.local(first - timedelta(days=3), 15), service=2)
    ledger.book(ledger.local(first - timedelta(days=8), 23, 59, 59))  # before both
    # Next door, on the same instants: must never be counted here.
    neighbour = salon(make_tenant, "Asia/Kolkata")
    for a in ledger.appointments:
        neighbour.book(a.start, status=a.status)
    return ledger


def test_period_edges_trend_and_rankings(api, week):
    first = today_in(week) - timedelta(days=6)
    body = api(week.tenant, "appointments", days=7).get_json()
    assert body["total"] == 4
    assert body["by_status"] == {"confirmed": 2, "cancelled": 1, "no_show": 1}
    # Ties on count are ordered by id.
    assert body["by_service"] == [
        {"service_id": 1, "service_name": "Haircut", "count": 2},
        {"service_id": 2, "service_name": "Color", "count": 2},
    ]
    assert body["by_resource"] == [
        {"resource_id": 1, "resource_name": "Chair 1", "count": 2},
        {"resource_id": 2, "resource_name": "Chair 2", "count": 2},
    ]
    counts = {d["date"]: d["count"] for d in body["daily_breakdown"]}
    assert list(counts) == [(first + timedelta(days=i)).isoformat() for i in range(7)]
    assert list(counts.values()) == [1, 0, 1, 1, 0, 0, 1]
    assert body["daily_breakdown"][2]["status_breakdown"] == {
        "confirmed": 0,
        "cancelled": 1,
        "no_show": 0,
    }
    assert body["booking_trend_percent"] == 33.33  # (4 - 3) / 3
    assert body["cancellation_rate_percent"] == 25.0
    assert body["no_show_rate_percent"] == 25.0
    assert body["period_days"] == 7


@pytest.mark.parametrize("days", [1, 2, 7, 8, 30, 365])
def test_matches_the_reference_for_every_period(api, week, days):
    now = datetime.now(UTC)
    assert api(week.tenant, "appointments", days=days).get_json() == reference.appointments(
        week, now, days
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "cancelled"},
        {"status": "confirmed"},
        {"status": "no_show"},
        {"service_id": 2},
        {"resource_id": 2},
        {"service_id": 2, "resource_id": 1},
        {"status": "confirmed", "service_id": 1, "resource_id": 2},
        {"service_id": 3},
        {"service_id": 999999},
        {"resource_id": 424242, "status": "cancelled"},
    ],
)
def test_filters_alone_and_combined(api, week, filters):
    now = datetime.now(UTC)
    body = api(week.tenant, "appointments", days=7, **filters).get_json()
    assert body == reference.appointments(week, now, 7, **filters)


def test_filter_literals(api, week):
    cancelled = api(week.tenant, "appointments", days=7, status="cancelled").get_json()
    assert cancelled["total"] == 1
    assert cancelled["by_status"] == {"confirmed": 0, "cancelled": 1, "no_show": 0}
    assert cancelled["cancellation_rate_percent"] == 100.0
    assert cancelled["booking_trend_percent"] == 0.0  # 1 cancelled before, 1 now
    combined = api(week.tenant, "appointments", days=7, service_id=2, resource_id=1).get_json()
    assert combined["total"] == 1 and combined["by_status"]["cancelled"] == 1
    assert combined["booking_trend_percent"] == 0.0  # 1 before (service 2, chair 1)
    nothing = api(week.tenant, "appointments", days=7, service_id=999999).get_json()
    assert nothing["total"] == 0 and nothing["by_service"] == [] and nothing["by_resource"] == []
    assert nothing["booking_trend_percent"] is None


def _last_transition(zone, today):
    """The most recent local day before today on which the UTC offset changed."""
    day = today - timedelta(days=1)
    while day > today - timedelta(days=366):
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        if start.utcoffset() != (start + timedelta(days=1)).utcoffset():
            return day
        day -= timedelta(days=1)
    raise AssertionError("no DST change in the last year")


def test_dst_change_inside_the_period(api, make_tenant):
    ledger = salon(make_tenant, "America/New_York")
    today = today_in(ledger)
    change = _last_transition(ledger.zone, today)
    ledger.book(ledger.local(change))  # local midnight
    ledger.book(ledger.local(change, 1, 30))  # repeated or skipped hour
    ledger.book(ledger.local(change, 1, 30, fold=1))
    ledger.book(ledger.local(change, 3, 30), status="no_show")
    ledger.book(ledger.local(change, 23, 59, 59), status="cancelled")
    ledger.book(ledger.local(change - timedelta(days=1), 23, 59, 59))
    ledger.book(ledger.local(change + timedelta(days=1)))
    now = datetime.now(UTC)
    body = api(ledger.tenant, "appointments", days=365).get_json()
    assert body == reference.appointments(ledger, now, 365)
    by_date = {d["date"]: d for d in body["daily_breakdown"]}
    assert len(by_date) == 365
    # fold=0 and fold=1 of 01:30 are two instants an hour apart in autumn and the same
    # instant in spring; either way all of them fall on the day of the change.
    assert by_date[change.isoformat()]["count"] == 5
    assert by_date[(change - timedelta(days=1)).isoformat()]["count"] == 1
    assert by_date[(change + timedelta(days=1)).isoformat()]["count"] == 1


def test_far_from_utc_days_are_local(api, make_tenant):
    ledger = salon(make_tenant, "Asia/Kolkata")
    day = today_in(ledger) - timedelta(days=2)
    ledger.book(ledger.local(day, 0, 15))  # 18:45 UTC the day before
    ledger.book(ledger.local(day, 23, 50))  # 18:20 UTC the same day
    ledger.book(ledger.local(day, 5, 29))  # 23:59 UTC the day before
    body = api(ledger.tenant, "appointments", days=3).get_json()
    assert [d["count"] for d in body["daily_breakdown"]] == [3, 0, 0]
    assert body["daily_breakdown"][0]["date"] == day.isoformat()


def test_seed_example_rates(api, make_tenant):
    """285 appointments, 25 cancelled, 10 no-shows: 8.77 % and 3.51 %."""
    ledger = salon(make_tenant, "UTC")
    ledger.tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
        " SELECT 1, 1, now() - interval '2 days', now() - interval '47 hours',"
        " CASE WHEN i <= 25 THEN 'cancelled' WHEN i <= 35 THEN 'no_show' ELSE 'confirmed' END"
        " FROM generate_series(1, 285) AS i"
    )
    body = api(ledger.tenant, "appointments").get_json()
    assert body["total"] == 285
    assert body["by_status"] == {"confirmed": 250, "cancelled": 25, "no_show": 10}
    assert body["cancellation_rate_percent"] == 8.77
    assert body["no_show_rate_percent"] == 3.51


def test_random_history_matches_the_reference(api, make_tenant):
    rng = random.Random(20261125)
    ledger = salon(make_tenant, "America/New_York")
    now = datetime.now(UTC)
    for _ in range(400):
        start = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 800))
        ledger.book(
            start,
            minutes=rng.choice([15, 30, 45, 90]),
            status=rng.choices(["confirmed", "cancelled", "no_show"], [85, 10, 5])[0],
            service=rng.choice([1, 1, 2]),
            resource=rng.choice([1, 2]),
        )
    for days, filters in [
        (30, {}),
        (90, {"status": "confirmed"}),
        (365, {}),
        (365, {"service_id": 2}),
        (730, {"resource_id": 1}),
        (3650, {}),
    ]:
        assert api(
            ledger.tenant, "appointments", days=days, **filters
        ).get_json() == reference.appointments(ledger, now, days, **filters)


def test_rows_inserted_with_sql_appear_in_the_next_response(api, make_tenant):
    ledger = salon(make_tenant, "Pacific/Auckland")
    assert api(ledger.tenant, "appointments").get_json()["total"] == 0
    ledger.book(datetime.now(UTC) - timedelta(hours=1))
    assert api(ledger.tenant, "appointments").get_json()["total"] == 1
    ledger.tenant.sql("UPDATE appointments SET status = 'cancelled'")
    assert api(ledger.tenant, "appointments").get_json()["by_status"]["cancelled"] == 1
