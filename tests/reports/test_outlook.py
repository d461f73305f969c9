"""GET /api/analytics/analytics/outlook/ (SPEC Part 5) against tests/reference.py and
hand-counted cases: month ends (a point past a shorter month's end), weeks and quarters,
DST between start and now and in an earlier period, 29 February in last_year, late and
early bookings, the loss rate's 90-day edges, working hours and time off in next_days,
filters, a tenant without payments, an empty tenant, random histories in three zones."""

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger


def salon(make_tenant, zone="UTC", plan="all"):
    ledger = Ledger(make_tenant(timezone=zone, plan=plan))
    ledger.service(1, "Cut", price=3000)
    ledger.service(2, "Color", price=None)  # no price: value 0
    ledger.resource(1, "Chair 1")
    ledger.resource(2, "Chair 2")
    return ledger


def outlook(ledger, now, **args):
    """The report function at a fixed instant, as the API calls it (named arguments)."""
    params = {"p_now": now, **{f"p_{k}": v for k, v in args.items()}}
    named = ", ".join(
        f"{k} => %({k})s::bigint[]" if k in ("p_service_id", "p_resource_id") else f"{k} => %({k})s"
        for k in params
    )
    text = ledger.tenant.scalar(f"SELECT CAST(outlook_report({named}) AS text)", params)
    return json.loads(text)


def same(ledger, now, period="month", service_id=None, resource_id=None, with_revenue=True):
    args = {"period": period, "service_id": service_id, "resource_id": resource_id}
    args = {k: v for k, v in args.items() if v is not None}
    if not with_revenue:
        args["revenue"] = False
    body = outlook(ledger, now, **args)
    expected = reference.outlook(ledger, now, period, service_id, resource_id, with_revenue)
    assert body == expected, (period, now)
    return body


def test_a_month_counted_by_hand(make_tenant):
    ledger = salon(make_tenant)
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # elapsed: 19 days 12 hours
    at = ledger.local
    # So far: confirmed in [1 March, now); a cancellation does not count; paid in the period.
    a = ledger.book(at(date(2026, 3, 1), 0), created=at(date(2026, 2, 1)))
    ledger.book(at(date(2026, 3, 5), 10), status="cancelled", created=at(date(2026, 2, 1)))
    ledger.pay(a, 3300, paid_at=at(date(2026, 3, 1), 1))
    ledger.book(at(date(2026, 3, 20), 11, 59), service=2, created=at(date(2026, 3, 1)))
    # On the books: confirmed from now to 1 April (the service without a price is worth 0).
    ledger.book(now, created=at(date(2026, 3, 1)))
    ledger.book(at(date(2026, 3, 31), 23, 30), created=at(date(2026, 3, 1)))
    ledger.book(at(date(2026, 4, 1), 0), created=at(date(2026, 3, 1)))  # next month
    # February's point is 20 February 12:00: two booked after it, one before it, one no-show.
    for day, created in ((21, 21), (25, 20), (27, 10)):
        ledger.book(at(date(2026, 2, day), 9), created=at(date(2026, 2, created), 12, 30))
    ledger.book(at(date(2026, 2, 22), 9), status="no_show", created=at(date(2026, 2, 21)))
    # January's: one late booking; the six months before have none.
    ledger.book(at(date(2026, 1, 30), 9), created=at(date(2026, 1, 21)))
    # Last year's March: whole month 2, one of them on the books at its point.
    b = ledger.book(at(date(2025, 3, 3), 9), created=at(date(2025, 2, 1)))
    ledger.pay(b, 2500, paid_at=at(date(2025, 3, 3), 10))
    ledger.book(at(date(2025, 3, 25), 9), created=at(date(2025, 3, 1)))
    ledger.book(at(date(2025, 3, 26), 9), created=at(date(2025, 3, 22)))  # made after the point

    body = same(ledger, now)
    assert body["so_far"] == {"appointments": 2, "revenue_cents": 3300}
    assert body["on_the_books"] == {"appointments": 2, "value_cents": 6000}
    # Late counts by month, Feb..Jul 2025: 2, 1, 0, 0, 0, 0, 0, 0 -> median 0.
    assert body["pickup"] == {"appointments": 0, "value_cents": 0}
    # The 90 days before 20 March (today's 11:59 booking is not in them): 7 appointments,
    # 1 cancelled + 1 no-show.
    assert body["loss_rate_percent"] == 28.57
    # 2 + round_half_up(2 x 5/7 = 1.43) + 0 = 3; 3300 + round(6000 x 5/7 = 4285.71) = 7586
    assert body["forecast"] == {"appointments": 3, "revenue_cents": 7586}
    assert body["last_year"] == {
        "appointments": 3,
        "revenue_cents": 2500,
        "start_date": "2025-03-01",
        "end_date": "2025-03-31",
    }
    assert body["forecast_vs_last_year_percent"] == 0.0
    assert body["revenue_forecast_vs_last_year_percent"] == 203.44
    assert body["pace"] == {"last_year_on_the_books": 1, "pace_percent": 100.0}
    assert body["window"] == {
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "time_zone": "UTC",
        "as_of": "2026-03-20T12:00:00Z",
    }
    assert [d["date"] for d in body["next_days"]][::13] == ["2026-03-20", "2026-04-02"]


def test_the_median_of_eight_is_the_mean_of_the_middle_two_rounded_half_up(make_tenant):
    ledger = salon(make_tenant)
    now = datetime(2026, 9, 10, 0, 0, tzinfo=UTC)
    at = ledger.local
    # Late bookings in the 8 months before September: 1, 2, 0, 0, 3, 1, 2, 1 -> sorted
    # 0 0 1 1 1 2 2 3: the middle two are 1 and 1; values: 3000 a booking except August's.
    late = {8: 1, 7: 2, 6: 0, 5: 0, 4: 3, 3: 1, 2: 2, 1: 1}
    for month, n in late.items():
        for i in range(n):
            ledger.book(at(date(2026, month, 15 + i), 10), created=at(date(2026, month, 12)))
    ledger.book(at(date(2026, 8, 20), 10), service=2, created=at(date(2026, 8, 11)))  # worth 0
    body = same(ledger, now)
    # Counts 2 (Aug), 2, 0, 0, 3, 1, 2, 1 -> 0 0 1 1 2 2 2 3 -> (1 + 2) / 2 = 1.5 -> 2.
    assert body["pickup"]["appointments"] == 2
    # Values 3000, 6000, 0, 0, 9000, 3000, 6000, 3000 -> middle 3000 and 3000.
    assert body["pickup"]["value_cents"] == 3000


def test_the_forecast_rounds_what_is_kept_of_the_books_half_up_exactly(make_tenant):
    """on_the_books x (1 - loss) at exactly .5: 3 x 5/6 = 2.5 and 303 x 5/6 = 252.5.
    (5/6 as a decimal is 0.8333...: times 3 it came out 2.4999... and was rounded down.)"""
    ledger = salon(make_tenant)
    ledger.service(3, "Trim", price=101)
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    at = ledger.local
    # The 90 days before today: 6 appointments, 1 cancelled (in February: not so far, and
    # before February's point, so not late either).
    for day in range(2, 8):
        ledger.book(
            at(date(2026, 2, day), 10),
            status="cancelled" if day == 2 else "confirmed",
            created=at(date(2026, 1, 5)),
        )
    for day in (25, 26, 27):  # on the books: 3 worth 101 each
        ledger.book(at(date(2026, 3, day), 10), service=3, created=at(date(2026, 3, 1)))
    body = same(ledger, now)
    assert body["so_far"] == {"appointments": 0, "revenue_cents": 0}
    assert body["on_the_books"] == {"appointments": 3, "value_cents": 303}
    assert body["pickup"] == {"appointments": 0, "value_cents": 0}
    assert body["loss_rate_percent"] == 16.67
    assert body["forecast"] == {"appointments": 3, "revenue_cents": 253}
    assert ledger.tenant.fold() > 0  # the same from the folded rollups
    assert same(ledger, now)["forecast"] == {"appointments": 3, "revenue_cents": 253}


def test_month_ends_a_point_past_a_shorter_month_and_late_bookings(make_tenant):
    ledger = salon(make_tenant, "Europe/Paris")
    at = ledger.local
    now = at(date(2026, 3, 31), 18)  # elapsed 30 days 18 h: February's point is its end
    # February: starting 28 Feb 23:00, booked on 28 Feb at 20:00 (before its end) - at
    # the point, nothing is left of February: no pickup from it.
    ledger.book(at(date(2026, 2, 28), 23), created=at(date(2026, 2, 28), 20))
    # January's point is 31 Jan 18:00: one late booking (made after it), one early.
    ledger.book(at(date(2026, 1, 31), 19), created=at(date(2026, 1, 31), 18, 30))
    ledger.book(at(date(2026, 1, 31), 20), created=at(date(2026, 1, 31), 17))
    # December (31 days): the same.
    ledger.book(at(date(2025, 12, 31), 21), created=at(date(2025, 12, 31), 19))
    for period in ("month", "week", "quarter"):
        same(ledger, now, period)
    body = same(ledger, now)
    assert body["pickup"]["appointments"] == 0  # two of eight months have one


@pytest.mark.parametrize(
    "zone, now",
    [
        # DST starts between 1 March and now (New York, 8 March 2026).
        ("America/New_York", datetime(2026, 3, 20, 15, 30, tzinfo=UTC)),
        # Now inside the repeated hour; the earlier period has a DST change too.
        ("America/New_York", datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
        # A zone whose DST ends at 03:00 local (Paris) and one with none (Kolkata).
        ("Europe/Paris", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 12, 31, 18, 29, tzinfo=UTC)),
    ],
)
def test_dst_between_start_and_now_and_in_earlier_periods(make_tenant, zone, now):
    ledger = salon(make_tenant, zone)
    rng = random.Random(f"{zone}{now}")
    local_now = now.astimezone(ledger.zone)
    for _ in range(250):
        day = local_now.date() - timedelta(days=rng.randint(-20, 420))
        start = ledger.local(day, rng.randint(0, 23), rng.choice((0, 30)))
        created = start - timedelta(hours=rng.randint(0, 24 * 40), minutes=rng.randint(0, 59))
        a = ledger.book(
            start,
            status=rng.choice(("confirmed",) * 6 + ("cancelled", "no_show")),
            service=rng.randint(1, 2),
            resource=rng.randint(1, 2),
            created=created,
        )
        if a.status == "confirmed" and rng.random() < 0.5:
            ledger.pay(a, rng.randint(1, 90) * 100, paid_at=a.end + timedelta(minutes=5))
    # An appointment exactly at now counts on the books, not so far.
    ledger.book(now, created=now - timedelta(days=1))
    for period in ("week", "month", "quarter"):
        same(ledger, now, period)
        same(ledger, now, period, service_id=[1], resource_id=[2])


def test_last_year_of_a_29_february_is_28_february(make_tenant):
    ledger = salon(make_tenant)
    at = ledger.local
    now = at(date(2028, 2, 29), 12)
    ledger.book(at(date(2027, 2, 22), 9))  # Monday of the week holding 28 Feb 2027
    ledger.book(at(date(2027, 2, 28), 9))
    ledger.book(at(date(2027, 3, 1), 9))  # the week after
    body = same(ledger, now, "week")
    assert body["last_year"]["start_date"] == "2027-02-22"
    assert body["last_year"]["end_date"] == "2027-02-28"
    assert body["last_year"]["appointments"] == 2
    body = same(ledger, now, "month")
    assert (body["last_year"]["start_date"], body["last_year"]["end_date"]) == (
        "2027-02-01",
        "2027-02-28",
    )
    assert same(ledger, now, "quarter")["window"]["end_date"] == "2028-03-31"


def test_the_loss_rate_counts_the_90_local_days_before_today(make_tenant):
    ledger = salon(make_tenant, "America/New_York")
    at = ledger.local
    today = date(2026, 6, 15)
    now = at(today, 10)
    ledger.book(at(today - timedelta(days=90), 0), status="cancelled")  # first instant: in
    ledger.book(at(today - timedelta(days=91), 23, 59), status="no_show")  # day before: out
    ledger.book(at(today, 0), status="cancelled")  # today: out
    ledger.book(at(today - timedelta(days=1), 23, 59))  # yesterday: in
    ledger.book(at(today - timedelta(days=3), 9), status="no_show")  # in
    body = same(ledger, now)
    assert body["loss_rate_percent"] == 66.67
    empty = salon(make_tenant)
    assert same(empty, now)["loss_rate_percent"] == 0.0


def test_next_days_working_hours_time_off_and_filters(make_tenant):
    ledger = salon(make_tenant, "Europe/Paris")
    at = ledger.local
    today = date(2026, 3, 27)  # Friday; Paris springs forward on Sunday 29 March
    now = at(today, 8)
    for weekday in range(7):
        ledger.hours(1, weekday, "00:00", "24:00")  # 23 hours on the DST Sunday
        ledger.hours(2, weekday, "09:00", "13:00")
        ledger.hours(2, weekday, "12:00", "17:00")  # overlapping: 09:00-17:00 once
    ledger.time_off(2, at(today + timedelta(days=1), 0), at(today + timedelta(days=3), 12))
    ledger.book(at(today, 9), minutes=90, resource=2)
    ledger.book(at(today, 10), minutes=30, status="no_show", resource=1)  # booked, not counted
    ledger.book(at(today, 11), minutes=60, status="cancelled", resource=2)  # neither
    ledger.book(at(today + timedelta(days=13), 23, 30), minutes=60, service=2, resource=1)
    ledger.book(at(today + timedelta(days=14), 0), resource=1)  # the 15th day: not listed
    body = same(ledger, now)
    days = body["next_days"]
    assert len(days) == 14 and days[0]["date"] == "2026-03-27"
    assert days[0] == {
        "date": "2026-03-27",
        "appointments": 1,
        "booked_minutes": 120.0,
        "available_minutes": 1920.0,  # 24 h + 8 h
        "occupancy_percent": 6.25,
    }
    assert days[2]["available_minutes"] == 1380.0  # DST Sunday: 23 h, chair 2 away
    assert days[3]["available_minutes"] == 1440.0 + 300.0  # chair 2 back at 12:00
    only_two = same(ledger, now, resource_id=[2])
    assert only_two["next_days"][0]["occupancy_percent"] == 18.75  # 90 / 480
    assert only_two["next_days"][1]["occupancy_percent"] is None  # away all day
    same(ledger, now, service_id=[2])


def test_without_payments_money_is_null_and_an_empty_tenant_answers_zeros(make_tenant):
    ledger = salon(make_tenant, plan="analytics only")
    at = ledger.local
    now = at(date(2026, 5, 10), 12)
    a = ledger.book(at(date(2026, 5, 2), 9))
    ledger.pay(a, 1000, paid_at=at(date(2026, 5, 2), 10))
    ledger.book(at(date(2026, 5, 20), 9))
    body = same(ledger, now, with_revenue=False)
    assert body["so_far"]["revenue_cents"] is None
    assert body["on_the_books"]["value_cents"] is None
    assert body["pickup"]["value_cents"] is None
    assert body["forecast"]["revenue_cents"] is None
    assert body["last_year"]["revenue_cents"] is None
    assert body["revenue_forecast_vs_last_year_percent"] is None
    assert body["forecast"]["appointments"] == 2

    empty = salon(make_tenant, "Asia/Tokyo")
    body = same(empty, now, "quarter")
    assert body["forecast"] == {"appointments": 0, "revenue_cents": 0}
    assert body["forecast_vs_last_year_percent"] is None
    assert body["pace"] == {"last_year_on_the_books": 0, "pace_percent": None}
    assert all(d["occupancy_percent"] is None for d in body["next_days"])


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Australia/Lord_Howe", "UTC"])
def test_random_histories_match_the_reference(make_tenant, zone):
    ledger = salon(make_tenant, zone)
    ledger.service(3, "Nails", price=4500)
    ledger.resource(3, "Station")
    rng = random.Random(zone)
    for weekday in range(7):
        if rng.random() < 0.8:
            ledger.hours(rng.randint(1, 3), weekday, "08:00", f"{rng.randint(12, 20)}:00")
    base = datetime(2026, 7, 14, 9, 41, tzinfo=UTC)
    ledger.time_off(3, base + timedelta(days=2), base + timedelta(days=4, hours=5))
    for _ in range(400):
        start = base + timedelta(days=rng.randint(-800, 60), minutes=rng.randint(0, 1439))
        a = ledger.book(
            start,
            minutes=rng.choice((20, 30, 45, 90)),
            status=rng.choice(("confirmed",) * 5 + ("cancelled", "no_show")),
            service=rng.randint(1, 3),
            resource=rng.randint(1, 3),
            # one in eight recorded after it started (up to four days later): kept apart
            # from the late bookings of the days after an earlier period's point
            created=start
            + timedelta(
                minutes=rng.randint(-60 * 24 * 60, -1)
                if rng.random() < 0.875
                else rng.randint(0, 60 * 24 * 4)
            ),
        )
        if a.status == "confirmed" and rng.random() < 0.6:
            ledger.pay(
                a,
                rng.randint(5, 200) * 50,
                status=rng.choice(("succeeded",) * 4 + ("refunded",)),
                paid_at=a.start + timedelta(minutes=rng.randint(0, 3000)),
            )
    neighbour = salon(make_tenant, zone)  # rows next door count nowhere
    neighbour.book(base)
    for folded in (False, True):  # the rollups' log waiting, then folded
        if folded:
            assert ledger.tenant.fold() > 0
        for shift in (0, 3, 17, 45):
            now = base + timedelta(days=shift, hours=shift)
            for period in ("week", "month", "quarter"):
                same(ledger, now, period)
            same(ledger, now, "month", service_id=[1, 3], resource_id=[2])
            same(ledger, now, "quarter", service_id=[2])
            same(ledger, now, "week", resource_id=[1, 3])
            same(ledger, now, "quarter", resource_id=[3])


def test_the_api_answers_with_its_rules(api, make_tenant):
    ledger = salon(make_tenant, "Europe/Paris")
    now = datetime.now(UTC)
    ledger.book(now + timedelta(days=1), created=now - timedelta(days=3))
    body, at = reference.answered_at(ledger.zone, lambda: api(ledger.tenant, "outlook").get_json())
    expected = reference.outlook(ledger, at)
    assert body["window"]["as_of"][:10] == expected["window"]["as_of"][:10]
    body.pop("window"), expected.pop("window")
    assert body == expected
    week = api(ledger.tenant, "outlook", period="week", service_id="1,2", resource_id="1")
    assert week.status_code == 200
    assert (
        week.get_json()["window"]["start_date"]
        == reference.period_first_day(now.astimezone(ledger.zone).date(), "week").isoformat()
    )
    bad = api(ledger.tenant, "outlook", period="year", resource_id="x")
    assert bad.status_code == 400
    assert bad.get_json() == {
        "errors": {
            "period": ["Must be one of: week, month, quarter."],
            "resource_id": [bad.get_json()["errors"]["resource_id"][0]],
        }
    }
    csv = api(ledger.tenant, "outlook", format="csv").get_data(as_text=True).splitlines()
    assert csv[0] == "date,appointments,booked_minutes,available_minutes,occupancy_percent"
    assert len(csv) == 15
    xlsx = api(ledger.tenant, "outlook", format="xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    locked = salon(make_tenant, plan="none")
    assert api(locked.tenant, "outlook").status_code == 403
