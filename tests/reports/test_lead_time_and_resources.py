"""Lead time (appointments report) and revenue by resource and refunds (revenue report):
hand-placed edges with literal answers, and the rollups kept exact under moves."""

from datetime import UTC, date, datetime, timedelta

from tests import reference
from tests.reports.test_periods import shop


def test_lead_days_are_local_dates_and_late_bookings_are_left_out(api, make_tenant):
    ledger = shop(make_tenant)  # America/New_York
    day = date(2026, 11, 2)  # the day after the autumn change
    at = ledger.local(day, 9)
    # Created 23:30 local the evening before: 1 day ahead although only 9.5 hours.
    ledger.book(at, created=ledger.local(day - timedelta(days=1), 23, 30))
    # Created 00:30 the same local day (04:30 UTC... still the same local date): same day.
    ledger.book(at, created=ledger.local(day, 0, 30), status="cancelled")
    # Across the DST change: created 2026-10-31 09:00 EDT, 2 local days, 49 hours ahead.
    ledger.book(at, created=ledger.local(date(2026, 10, 31), 9), status="no_show", resource=2)
    # Booked 45 days ahead.
    ledger.book(at, created=at - timedelta(days=45), service=2)
    # Created after it started (a walk-in typed in later): not counted in lead time.
    ledger.book(at, created=at + timedelta(minutes=5))
    body = api(ledger.tenant, "appointments", start="2026-11-02", end="2026-11-02").get_json()
    assert body == reference.appointments(ledger, datetime.now(UTC), start=day, end=day)
    # Python subtracts 45 days of wall-clock time: across the autumn change that is
    # 45 days and one hour of real time.
    hours = [9.5, 8.5, 49, 45 * 24 + 1]
    assert body["lead_time"] == {
        "average_hours": round(sum(hours) / 4, 2),
        "same_day": 1,
        "1_to_6_days": 2,
        "7_to_29_days": 0,
        "30_days_or_more": 1,
    }
    only_chair_two = api(
        ledger.tenant, "appointments", start="2026-11-02", end="2026-11-02", resource_id="2"
    ).get_json()["lead_time"]
    assert only_chair_two == {
        "average_hours": 49.0,
        "same_day": 0,
        "1_to_6_days": 1,
        "7_to_29_days": 0,
        "30_days_or_more": 0,
    }
    late_only = api(ledger.tenant, "appointments", start="2026-11-03", end="2026-11-03").get_json()[
        "lead_time"
    ]
    assert late_only["average_hours"] is None


def test_revenue_by_resource_refunds_and_moves(api, make_tenant):
    ledger = shop(make_tenant, "UTC")
    day = datetime.now(UTC).date() - timedelta(days=1)
    one = ledger.book(ledger.local(day, 9), resource=1)
    two = ledger.book(ledger.local(day, 10), resource=2, service=2)
    ledger.pay(one, 3000, paid_at=ledger.local(day, 10))
    ledger.pay(two, 9000, paid_at=ledger.local(day, 11))
    ledger.pay(two, 1000, paid_at=ledger.local(day, 12))
    ledger.pay(one, 700, status="refunded", paid_at=ledger.local(day, 13))
    ledger.pay(two, 400, status="pending", paid_at=ledger.local(day, 13))
    body = api(ledger.tenant, "revenue", days=3).get_json()
    assert body == reference.revenue(ledger, datetime.now(UTC), days=3)
    assert body["by_resource"] == [
        {"resource_id": 2, "resource_name": "Chair 2", "revenue_cents": 10000, "count": 2},
        {"resource_id": 1, "resource_name": "Chair 1", "revenue_cents": 3000, "count": 1},
    ]
    assert body["refunded_cents"] == 700
    assert api(ledger.tenant, "revenue", days=3, service_id="2").get_json()["refunded_cents"] == 0

    # Moving the appointment to the other chair moves its revenue and refund with it.
    ledger.tenant.sql("UPDATE appointments SET resource_id = 2 WHERE id = %s", (one.id,))
    one.resource_id = 2
    moved = api(ledger.tenant, "revenue", days=3).get_json()
    assert moved == reference.revenue(ledger, datetime.now(UTC), days=3)
    assert moved["by_resource"] == [
        {"resource_id": 2, "resource_name": "Chair 2", "revenue_cents": 13000, "count": 3},
    ]
    assert ledger.tenant.sql("SELECT * FROM verify_rollups() WHERE mismatched_rows <> 0") == []


def test_infinite_times_are_left_out_of_lead_time_and_duration_and_leave_no_trace(api, make_tenant):
    # A booking system may write '-infinity' for an unknown creation time or 'infinity' for
    # an open end. Before, the first made every read of lead time fail ("cannot subtract
    # infinite dates": a 500) and the fold with it; the second summed +Infinity into the
    # durations, which stayed NaN after the row was deleted (docs/api.md).
    ledger = shop(make_tenant, "Europe/Paris")
    tenant = ledger.tenant
    day = datetime.now(UTC).date() - timedelta(days=3)

    def insert(hour, minutes, created, end=None):
        start = ledger.local(day, hour)
        return tenant.scalar(
            "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
            " created_at) VALUES (1, 1, %s, coalesce(%s::timestamptz, %s), 'confirmed', %s)"
            " RETURNING id",
            (start, end, start + timedelta(minutes=minutes), created),
        )

    insert(9, 30, ledger.local(day - timedelta(days=2), 9))  # 48 hours ahead
    unknown = insert(10, 60, "-infinity")  # not in lead time
    open_end = insert(11, 0, ledger.local(day, 8), end="infinity")  # same day, 3 hours
    period = {"start": day.isoformat(), "end": day.isoformat()}
    expected_lead = {
        "average_hours": 25.5,
        "same_day": 1,
        "1_to_6_days": 1,
        "7_to_29_days": 0,
        "30_days_or_more": 0,
    }

    def read():
        appointments = api(tenant, "appointments", **period)
        assert appointments.status_code == 200, appointments.get_json()
        team = api(tenant, "team", **period).get_json()
        dashboard = api(tenant, "dashboard").get_json()
        return (
            appointments.get_json()["total"],
            appointments.get_json()["lead_time"],
            team["booked_minutes"],
            dashboard["average_appointment_duration_minutes"],
        )

    # No start in time: on no day, in no figure; its payment is revenue but not a visit's.
    tenant.sql("INSERT INTO customers (id, name) VALUES (1, 'Ann')")
    nowhere = tenant.scalar(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
        " customer_id) VALUES (1, 1, '-infinity', %s, 'confirmed', 1) RETURNING id",
        (ledger.local(day, 12),),
    )
    tenant.sql(
        "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
        " VALUES (%s, 2500, 'succeeded', %s)",
        (nowhere, ledger.local(day, 12)),
    )

    def read_all():
        revenue = api(tenant, "revenue", **period).get_json()
        customers = api(tenant, "customers", **period).get_json()
        at_risk = api(tenant, "at-risk", state="all")
        assert at_risk.status_code == 200, at_risk.get_json()
        dashboard = api(tenant, "dashboard").get_json()
        return (
            read(),
            dashboard["total_appointments_all_time"],
            revenue["total_revenue_cents"],
            customers["customers"],
            customers["revenue_per_visit_cents"],
            at_risk.get_json()["total"],
            tenant.sql(
                "SELECT visits, first_visit_day, lifetime_value_cents"
                " FROM customer_lifetime_value WHERE customer_id = 1"
            ),
        )

    # The open end's duration counts 0: 30 + 60 + 0 minutes over three appointments. Ann
    # has no visit (none on a day), and her payment is her lifetime value all the same.
    expected = ((3, expected_lead, 90.0, 30.0), 3, 2500, 0, 0, 0, [(0, None, 2500)])
    assert read_all() == expected  # from the log
    assert tenant.fold() == 5
    assert read_all() == expected
    tenant.sql("DELETE FROM payments")
    tenant.sql("DELETE FROM appointments WHERE id = %s", (nowhere,))
    assert tenant.fold() == 2
    # Gone again: the figures are the finite rows' alone, folded as recounted.
    tenant.sql("DELETE FROM appointments WHERE id IN (%s, %s)", (unknown, open_end))
    assert tenant.fold() == 2
    assert read() == (
        1,
        dict(expected_lead, average_hours=48.0, same_day=0),
        30.0,
        30.0,
    )
    assert [r for r in tenant.sql("SELECT * FROM verify_rollups()") if r[2]] == []
