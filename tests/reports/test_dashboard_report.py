"""GET /api/analytics/analytics/dashboard/: confirmed appointments, local month, peaks, ties."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import reference
from tests.reference import Ledger


def shop(make_tenant, timezone):
    ledger = Ledger(make_tenant(timezone=timezone))
    for i in (1, 2, 3):
        ledger.service(i, f"Service {i}")
        ledger.resource(i, f"Resource {i}")
    return ledger


def month_bounds(zone, now):
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    after = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start, after


@pytest.mark.parametrize(("timezone", "suffix"), [("UTC", "Z"), ("Asia/Kolkata", "+05:30")])
def test_empty_tenant(api, make_tenant, timezone, suffix):
    tenant = make_tenant(timezone=timezone)
    body = api(tenant, "dashboard").get_json()
    start, after = month_bounds(ZoneInfo(timezone), datetime.now(UTC))
    last = after - timedelta(days=1)
    assert body == {
        "total_appointments_this_month": 0,
        "total_appointments_all_time": 0,
        "active_resources_count": 0,
        "active_services_count": 0,
        "upcoming_appointments_count": 0,
        "average_appointment_duration_minutes": None,
        "peak_booking_day": None,
        "peak_booking_hour": None,
        "period": {
            "start_date": f"{start:%Y-%m-%d}T00:00:00{suffix}",
            "end_date": f"{last:%Y-%m-%d}T23:59:59{suffix}",
        },
    }


def test_month_boundaries_future_and_averages(api, make_tenant):
    ledger = shop(make_tenant, "America/New_York")
    now = datetime.now(UTC)
    start, after = month_bounds(ledger.zone, now)
    ledger.book(start, minutes=30)  # first second: this month
    ledger.book(start - timedelta(seconds=1), minutes=45)  # last second before: not
    ledger.book(start + timedelta(hours=5), minutes=60, status="cancelled")  # not confirmed
    ledger.book(start + timedelta(hours=6), minutes=20, status="no_show")
    ledger.book(now + timedelta(hours=1), minutes=10, resource=2, service=2)  # upcoming
    ledger.book(now + timedelta(days=6, hours=23), minutes=10, resource=2, service=3)
    ledger.book(now + timedelta(days=7, hours=1), minutes=10, resource=3, service=3)  # later
    ledger.book(now + timedelta(days=2), minutes=10, resource=1, status="cancelled")
    neighbour = shop(make_tenant, "UTC")  # next door: never counted here
    for a in ledger.appointments:
        neighbour.book(a.start, minutes=99, status="confirmed", service=1, resource=1)
    body = api(ledger.tenant, "dashboard").get_json()
    assert body == reference.dashboard(ledger, now)
    in_month = sum(
        start <= t < after
        for t in (
            start,
            now + timedelta(hours=1),
            now + timedelta(days=6, hours=23),
            now + timedelta(days=7, hours=1),
        )
    )
    assert body["total_appointments_this_month"] == in_month
    assert body["total_appointments_all_time"] == 5
    assert body["active_resources_count"] == 2  # resources 2 and 3; 1 only cancelled
    assert body["active_services_count"] == 2  # services 2 and 3
    assert body["upcoming_appointments_count"] == 2
    assert body["average_appointment_duration_minutes"] == 21.0  # (30+45+10+10+10) / 5
    assert body["period"]["start_date"] == reference.rfc3339(start)


def test_average_is_rounded_to_two_decimals(api, make_tenant):
    ledger = shop(make_tenant, "UTC")
    base = datetime.now(UTC) - timedelta(days=40)
    for minutes in (10, 10, 11):
        ledger.book(base, minutes=minutes)
    ledger.book(base + timedelta(seconds=1), minutes=1000, status="cancelled")
    assert (
        api(ledger.tenant, "dashboard").get_json()["average_appointment_duration_minutes"] == 10.33
    )


def test_an_average_on_a_half_hundredth_rounds_up_from_seconds(api, make_tenant):
    """62 s, 62 s and two of 31 s in one hour: 186 s / 4 = 0.775 minutes -> 0.78. (Summed
    per local weekday and hour in minutes first, 62 s / 60 = 1.0333... cut to numeric's
    digits, the mean came out 0.77499999... and was rounded to 0.77.)"""
    ledger = shop(make_tenant, "UTC")
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=40)
    for hour, seconds in ((0, 62), (1, 62), (2, 31), (2, 31)):
        ledger.book(base + timedelta(hours=hour), minutes=seconds / 60)
    lengths = sorted(round((a.end - a.start).total_seconds()) for a in ledger.appointments)
    assert lengths == [31, 31, 62, 62]
    body = api(ledger.tenant, "dashboard").get_json()
    assert body["average_appointment_duration_minutes"] == 0.78
    assert ledger.tenant.fold() > 0
    body = api(ledger.tenant, "dashboard").get_json()
    assert body["average_appointment_duration_minutes"] == 0.78


def test_peaks_use_local_weekday_and_hour_and_ties_go_early(api, make_tenant):
    ledger = shop(make_tenant, "Asia/Kolkata")
    today = datetime.now(ledger.zone).date()
    monday = today - timedelta(days=(today.isoweekday() % 7) - 1 + 7)  # a past Monday
    tuesday = monday + timedelta(days=1)
    # Monday 02:00 and 03:00 in Kolkata are Sunday in UTC; Tuesday 09:00 twice.
    ledger.book(ledger.local(monday, 2))
    ledger.book(ledger.local(monday, 3))
    ledger.book(ledger.local(tuesday, 9))
    ledger.book(ledger.local(tuesday, 9, 30))
    for _ in range(3):  # cancelled rows never count, even where they would win
        ledger.book(ledger.local(tuesday, 4), status="cancelled")
    body = api(ledger.tenant, "dashboard").get_json()
    assert body["peak_booking_day"] == "Monday"  # 2 - 2 tie: Monday before Tuesday
    assert body["peak_booking_hour"] == 9  # 9 has 2; 2 and 3 have 1
    ledger.book(ledger.local(monday, 2))
    ledger.book(ledger.local(today - timedelta(days=(today.isoweekday() % 7)), 2))  # a Sunday
    body = api(ledger.tenant, "dashboard").get_json()
    assert body["peak_booking_day"] == "Monday"
    assert body["peak_booking_hour"] == 2  # 2 has 3 now
    assert body == reference.dashboard(ledger, datetime.now(UTC))


def test_peak_day_tie_with_sunday(api, make_tenant):
    ledger = shop(make_tenant, "UTC")
    today = datetime.now(UTC).date()
    sunday = today - timedelta(days=(today.isoweekday() % 7) + 7)
    ledger.book(ledger.local(sunday + timedelta(days=6), 14))  # Saturday
    ledger.book(ledger.local(sunday, 16))  # Sunday
    body = api(ledger.tenant, "dashboard").get_json()
    assert (body["peak_booking_day"], body["peak_booking_hour"]) == ("Sunday", 14)


def test_random_history_matches_the_reference(api, make_tenant):
    import random

    rng = random.Random(7)
    ledger = shop(make_tenant, "Europe/London")
    now = datetime.now(UTC)
    for _ in range(300):
        start = now + timedelta(minutes=rng.choice([-1, 1]) * rng.randrange(120, 60 * 24 * 400))
        ledger.book(
            start,
            # whole minutes, and some a second or two over (1.0333... minutes)
            minutes=rng.choice([15, 20, 45, 50, 95]) + rng.choice([0, 0, 0, 1, 2]) / 60,
            status=rng.choices(["confirmed", "cancelled", "no_show"], [80, 12, 8])[0],
            service=rng.randint(1, 3),
            resource=rng.randint(1, 3),
        )
    assert api(ledger.tenant, "dashboard").get_json() == reference.dashboard(ledger, now)
