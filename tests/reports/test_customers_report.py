"""GET /api/analytics/analytics/customers/ (SPEC Part 2) against tests/reference.py and
hand-computed literals, and the per-customer tables the triggers keep behind it."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger
from tests.storm import connect

NOW = datetime.now(UTC)


def salon(make_tenant, timezone="America/New_York"):
    ledger = Ledger(make_tenant(timezone=timezone))
    ledger.service(1, "Cut", price=3500)
    ledger.resource(1, "Chair 1")
    for customer in range(1, 11):
        ledger.customer(customer)
    return ledger


def _exact(tenant):
    return [r for r in tenant.sql("SELECT * FROM verify_rollups()") if r[2]]


def test_edge_rows_around_a_dst_change_give_the_hand_computed_figures(api, make_tenant):
    """Period 2026-10-25..2026-11-07 in New York (2026-11-01 has 25 hours);
    the previous period is 2026-10-11..2026-10-24."""
    ledger = salon(make_tenant)
    day = date.fromisoformat
    # 1: returning (first visit before the previous period), a visit in the repeated
    # hour of the DST change, rebooked weeks after the period.
    ledger.book(ledger.local(day("2026-10-01"), 10), customer=1)
    ledger.book(ledger.local(day("2026-10-26"), 10), customer=1)
    ledger.book(ledger.local(day("2026-11-01"), 1, 30, fold=1), customer=1)
    ledger.book(ledger.local(day("2026-11-20"), 9), customer=1)
    # 2: new at the period's first local midnight; later only a cancellation and a
    # no-show, which are not visits: not rebooked.
    ledger.book(ledger.local(day("2026-10-25")), customer=2)
    ledger.book(ledger.local(day("2026-11-10"), 12), status="cancelled", customer=2)
    ledger.book(ledger.local(day("2026-11-12"), 12), status="no_show", customer=2)
    # 3: new in the period's last minute, rebooked at the next local midnight.
    ledger.book(ledger.local(day("2026-11-07"), 23, 59), customer=3)
    ledger.book(ledger.local(day("2026-11-08")), customer=3)
    # 4: one minute before the period: the previous period only.
    ledger.book(ledger.local(day("2026-10-24"), 23, 59), customer=4)
    # 5: new, two visits the same day; the later one is in the period: not rebooked.
    ledger.book(ledger.local(day("2026-10-30"), 10), customer=5)
    ledger.book(ledger.local(day("2026-10-30"), 15), customer=5)
    # 6: previous period, booked after the visit started (created_at > start_time).
    ledger.book(
        ledger.local(day("2026-10-15"), 9), customer=6, created=ledger.local(day("2026-10-16"))
    )
    # 7: a cancellation in the period only: no visit, not a customer of the period.
    ledger.book(ledger.local(day("2026-11-03"), 11), status="cancelled", customer=7)
    # Walk-ins (no customer): two visits in the period; a cancelled one does not count.
    ledger.book(ledger.local(day("2026-10-27"), 16))
    ledger.book(ledger.local(day("2026-11-01"), 1, 30))  # the first 01:30 of the day
    ledger.book(ledger.local(day("2026-11-02"), 16), status="cancelled")

    body = api(ledger.tenant, "customers", start="2026-10-25", end="2026-11-07").get_json()
    assert body == reference.customers(ledger, NOW, start=day("2026-10-25"), end=day("2026-11-07"))
    assert {k: v for k, v in body.items() if k not in ("daily_breakdown", "window")} == {
        "customers": 4,  # 1, 2, 3, 5
        "new_customers": 3,  # 2, 3, 5
        "returning_customers": 1,
        "returning_customer_percent": 25.0,
        "visits": 6,
        "visits_per_customer": 1.5,
        "rebooked_customers": 2,  # 1 and 3
        "rebooking_rate_percent": 50.0,
        "customers_trend_percent": 100.0,  # 4 against 2 (customers 4 and 6)
        "walk_in_visits": 2,
        "new_customers_by_channel": [{"channel": "unknown", "count": 3}],
        "average_lifetime_value_cents": 0,  # no payments
        "revenue_per_visit_cents": 0,
        "period_days": 14,
    }
    busy = {d["date"]: (d["customers"], d["new_customers"]) for d in body["daily_breakdown"]}
    assert len(busy) == 14
    assert {k: v for k, v in busy.items() if v != (0, 0)} == {
        "2026-10-25": (1, 1),
        "2026-10-26": (1, 0),
        "2026-10-30": (1, 1),
        "2026-11-01": (1, 0),
        "2026-11-07": (1, 1),
    }
    assert body["window"] == {
        "start_date": "2026-10-25",
        "end_date": "2026-11-07",
        "previous_start_date": "2026-10-11",
        "previous_end_date": "2026-10-24",
        "time_zone": "America/New_York",
    }
    # The DBA view says the same per day.
    rows = ledger.tenant.sql(
        "SELECT day::text, customers, new_customers, visits, walk_in_visits FROM customers_daily"
        " WHERE day BETWEEN '2026-10-25' AND '2026-11-07' ORDER BY day"
    )
    assert rows == [
        ("2026-10-25", 1, 1, 1, 0),
        ("2026-10-26", 1, 0, 1, 0),
        ("2026-10-27", 0, 0, 0, 1),
        ("2026-10-30", 1, 1, 2, 0),
        ("2026-11-01", 1, 0, 1, 1),
        ("2026-11-07", 1, 1, 1, 0),
    ]


def test_a_customer_whose_first_visit_is_next_week(api, make_tenant):
    ledger = salon(make_tenant, "Asia/Kolkata")
    today = NOW.astimezone(ledger.zone).date()
    next_week = today + timedelta(days=7)
    ledger.book(ledger.local(next_week, 11), customer=1)
    ledger.book(ledger.local(today - timedelta(days=3), 11), customer=2)
    ledger.book(ledger.local(next_week, 12), customer=2)  # 2 has rebooked for next week

    body, now = reference.answered_at(
        ledger.zone, lambda: api(ledger.tenant, "customers", days=30).get_json()
    )
    assert body == reference.customers(ledger, now, days=30)
    assert (body["customers"], body["new_customers"], body["rebooked_customers"]) == (1, 1, 1)
    ahead = api(
        ledger.tenant, "customers", start=next_week.isoformat(), end=next_week.isoformat()
    ).get_json()
    assert ahead == reference.customers(ledger, NOW, start=next_week, end=next_week)
    assert (ahead["customers"], ahead["new_customers"], ahead["returning_customers"]) == (2, 1, 1)
    assert ahead["rebooked_customers"] == 0
    assert ahead["visits_per_customer"] == 1.0


def test_an_empty_period_and_an_empty_tenant(api, make_tenant):
    ledger = salon(make_tenant)
    body, now = reference.answered_at(
        ledger.zone, lambda: api(ledger.tenant, "customers", days=7).get_json()
    )
    assert body == reference.customers(ledger, now, days=7)
    assert body["customers"] == 0 and body["visits_per_customer"] is None
    assert body["returning_customer_percent"] == 0.0 and body["rebooking_rate_percent"] == 0.0
    assert body["customers_trend_percent"] is None
    assert [d["customers"] for d in body["daily_breakdown"]] == [0] * 7


def test_rebooking_moves_with_plain_sql_updates_and_deletes(api, make_tenant):
    """The figures follow UPDATE and DELETE of appointments on the next request."""
    ledger = salon(make_tenant, "Europe/Paris")
    today = NOW.astimezone(ledger.zone).date()
    visit = ledger.book(ledger.local(today - timedelta(days=10), 10), customer=1)
    later = ledger.book(ledger.local(today + timedelta(days=20), 10), customer=1)

    def figures():
        body = api(ledger.tenant, "customers", days=30).get_json()
        return body["customers"], body["new_customers"], body["rebooked_customers"]

    assert figures() == (1, 1, 1)
    ledger.tenant.sql("UPDATE appointments SET status = 'cancelled' WHERE id = %s", (later.id,))
    assert figures() == (1, 1, 0)  # a later cancellation does not count as a rebooking
    ledger.tenant.sql("UPDATE appointments SET status = 'no_show' WHERE id = %s", (later.id,))
    assert figures() == (1, 1, 0)  # nor a later no-show
    ledger.tenant.sql("UPDATE appointments SET status = 'confirmed' WHERE id = %s", (later.id,))
    assert figures() == (1, 1, 1)
    # An older visit makes the customer returning; moving it to another customer undoes it.
    older = ledger.book(ledger.local(today - timedelta(days=90), 10), customer=1)
    assert figures() == (1, 0, 1)
    ledger.tenant.sql("UPDATE appointments SET customer_id = 2 WHERE id = %s", (older.id,))
    assert figures() == (1, 1, 1)
    ledger.tenant.sql("DELETE FROM appointments WHERE id = %s", (visit.id,))
    assert figures() == (0, 0, 0)
    assert api(ledger.tenant, "customers", days=30).get_json()["walk_in_visits"] == 0
    ledger.tenant.sql("UPDATE appointments SET customer_id = NULL WHERE id = %s", (later.id,))
    ahead = api(
        ledger.tenant,
        "customers",
        start=(today + timedelta(days=20)).isoformat(),
        end=(today + timedelta(days=20)).isoformat(),
    ).get_json()
    assert (ahead["customers"], ahead["walk_in_visits"]) == (0, 1)
    assert _exact(ledger.tenant) == []


@pytest.mark.parametrize("timezone", ["America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_random_histories_match_the_reference(api, make_tenant, timezone):
    """Regulars every 3-8 weeks, one-off customers and walk-ins over 14 months, then
    random ranges; then plain-SQL changes, and the same ranges again."""
    rng = random.Random(timezone)
    ledger = salon(make_tenant, timezone)
    for customer in range(11, 41):
        ledger.customer(customer)
    for customer in range(1, 41):
        moment = NOW - timedelta(days=rng.randrange(0, 420))
        for _ in range(rng.choice([1, 1, 2, 4, 8])):
            ledger.book(
                moment.replace(microsecond=0),
                status=rng.choices(["confirmed", "cancelled", "no_show"], [85, 10, 5])[0],
                customer=customer,
            )
            moment += timedelta(days=rng.randrange(21, 57), minutes=rng.randrange(-600, 600))
    for _ in range(40):
        ledger.book(
            (NOW - timedelta(minutes=rng.randrange(-60 * 24 * 30, 60 * 24 * 420))).replace(
                microsecond=0
            ),
            status=rng.choice(["confirmed", "cancelled"]),
        )
    today = NOW.astimezone(ledger.zone).date()
    ranges = []
    for _ in range(5):
        first = today - timedelta(days=rng.randrange(-40, 400))
        ranges.append((first, first + timedelta(days=rng.randrange(0, 100))))

    def check():
        for first, last in ranges:
            body = api(
                ledger.tenant, "customers", start=first.isoformat(), end=last.isoformat()
            ).get_json()
            assert body == reference.customers(ledger, NOW, start=first, end=last)
        for days in (1, 30, 365):  # the period ends today at the answer (not at import)
            body, now = reference.answered_at(
                ledger.zone, lambda d=days: api(ledger.tenant, "customers", days=d).get_json()
            )
            assert body == reference.customers(ledger, now, days=days)

    check()
    # Plain SQL, as a DBA or the booking system would write: move, reassign, cancel, delete.
    for step in range(12):
        victim = rng.choice(ledger.appointments)
        if step % 4 == 0:
            shift = timedelta(days=rng.randrange(-30, 30))
            ledger.tenant.sql(
                "UPDATE appointments SET start_time = start_time + %s, end_time = end_time + %s"
                " WHERE id = %s",
                (shift, shift, victim.id),
            )
            victim.start += shift
            victim.end += shift
        elif step % 4 == 1:
            who = rng.choice([None, *range(1, 41)])
            ledger.tenant.sql(
                "UPDATE appointments SET customer_id = %s WHERE id = %s", (who, victim.id)
            )
            victim.customer_id = who
        elif step % 4 == 2:
            status = rng.choice(["confirmed", "cancelled", "no_show"])
            ledger.tenant.sql(
                "UPDATE appointments SET status = %s WHERE id = %s", (status, victim.id)
            )
            victim.status = status
        else:
            ledger.tenant.sql("DELETE FROM appointments WHERE id = %s", (victim.id,))
            ledger.appointments.remove(victim)
    check()
    assert _exact(ledger.tenant) == []


def test_a_time_zone_change_moves_visits_to_other_local_days(api, make_tenant, runner):
    ledger = salon(make_tenant, "UTC")
    visit_day = datetime.now(UTC).date() - timedelta(days=5)
    ledger.book(datetime.combine(visit_day, datetime.min.time(), UTC).replace(hour=23), customer=1)

    def answer():  # with the instant it was answered at: the period ends today then
        return reference.answered_at(
            ledger.zone, lambda: api(ledger.tenant, "customers", days=10).get_json()
        )

    before, now = answer()
    assert before == reference.customers(ledger, now, days=10)
    result = runner.invoke(args=["tenants", "set-timezone", ledger.tenant.schema, "Asia/Tokyo"])
    assert result.exit_code == 0, result.output
    ledger.tenant.timezone = "Asia/Tokyo"
    after, now = answer()
    assert after == reference.customers(ledger, now, days=10)
    moved = [d["date"] for d in after["daily_breakdown"] if d["customers"]]
    assert moved == [(visit_day + timedelta(days=1)).isoformat()]  # 23:00 UTC: 08:00 next day
    assert _exact(ledger.tenant) == []


def test_repair_and_rebuild_fix_the_customer_tables(make_tenant, runner):
    ledger = salon(make_tenant)
    for i in range(6):
        ledger.book(NOW - timedelta(days=7 * i), customer=1 + i % 3)
    schema = ledger.tenant.schema
    ledger.tenant.fold()
    ledger.tenant.sql(
        "UPDATE customer_visit_days_folded SET visits = visits + 1 WHERE customer_id = 1;"
        " UPDATE customer_visit_summary_folded SET first_visit_day = NULL WHERE customer_id = 2;"
        " INSERT INTO customer_link_rollup_folded (grain, from_day, to_day, customers, visits)"
        " VALUES (0, '-infinity', '2020-01-01', 5, 5)"  # customer_visit_links' grain
    )
    drift = runner.invoke(args=["analytics", "verify", "--tenant", schema])
    assert drift.exit_code == 1
    assert "customer_visit_days\t" in drift.output and "customer_visit_links\t" in drift.output
    repaired = runner.invoke(args=["analytics", "verify", "--repair", "--tenant", schema])
    assert repaired.exit_code == 0, repaired.output
    assert _exact(ledger.tenant) == []
    ledger.tenant.sql("DELETE FROM customer_link_rollup_folded WHERE grain = 0")
    assert runner.invoke(args=["analytics", "rebuild", "--tenant", schema]).exit_code == 0
    assert _exact(ledger.tenant) == []
    ledger.tenant.sql("TRUNCATE appointments CASCADE")
    assert ledger.tenant.sql(
        "SELECT (SELECT count(*) FROM customer_visit_days), (SELECT count(*)"
        " FROM customer_visit_links), (SELECT count(*) FROM customer_visits)"
    ) == [(0, 0, 0)]


def test_two_writers_of_one_customer_never_wait_for_each_other(make_tenant):
    """Writers only append to the change log: a second writer of the same customer goes
    on while the first is uncommitted, under READ COMMITTED and REPEATABLE READ alike,
    and the customer's figures count both once both commit (before and after a fold)."""
    ledger = salon(make_tenant)
    tenant = ledger.tenant
    first, second = connect(tenant), connect(tenant)
    insert = (
        "INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time)"
        " VALUES (1, 1, 1, %s, %s)"
    )
    visits = (
        "SELECT first_visit_day = (%s AT TIME ZONE 'America/New_York')::date, visit_days"
        " FROM customer_visits WHERE customer_id = 1"
    )

    def at(days):
        return NOW - timedelta(days=days), NOW - timedelta(days=days, minutes=-30)

    try:
        for isolation, days in (("READ COMMITTED", 9), ("REPEATABLE READ", 30)):
            first.execute(insert, at(days - 7))
            second.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
            second.execute(insert, at(days))
            second.commit()  # did not wait for the first writer
            first.commit()
            assert tenant.sql(visits, (at(days)[0],))[0][0] is True
            assert _exact(tenant) == []
        assert tenant.sql(visits, (at(30)[0],)) == [(True, 4)]
        tenant.fold()
        assert tenant.sql(visits, (at(30)[0],)) == [(True, 4)]
        assert _exact(tenant) == []
    finally:
        first.close()
        second.close()
