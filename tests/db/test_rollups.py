"""The rollups behind the views stay equal to a full recount under any change."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from analytics_app.db import rollups


def _mismatches(tenant):
    return {name: bad for name, _, bad in tenant.sql("SELECT * FROM verify_rollups()")}


# Stored trimmed and lower-cased; NULL and '' are counted as 'unknown'.
SOURCES = [None, "", "  ", "Online", " online ", "PHONE", "walk_in", "Unknown"]


def _seed(tenant, rng, n):
    tenant.sql(
        "INSERT INTO services (id, name) SELECT i, 'S' || i FROM generate_series(1, 4) i;"
        "INSERT INTO resources (id, name) SELECT i, 'R' || i FROM generate_series(1, 3) i;"
        "INSERT INTO customers (id, name, acquisition_channel)"
        " SELECT i, 'C' || i, (ARRAY['Instagram', ' google', NULL, ''])[1 + i % 4]"
        " FROM generate_series(1, 12) i"
    )
    base = datetime(2026, 3, 1, tzinfo=UTC)
    rows = []
    for _ in range(n):
        start = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        rows.append(
            (
                rng.randint(1, 4),
                rng.randint(1, 3),
                start,
                start + timedelta(minutes=rng.choice([15, 30, 61])),
                rng.choice(["confirmed", "confirmed", "cancelled", "no_show"]),
                rng.choice([None, *range(1, 13)]),
                rng.choice(SOURCES),
            )
        )
    with_values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * n)
    tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
        " customer_id, source)"
        f" VALUES {with_values}",
        [v for row in rows for v in row],
    )
    tenant.sql(
        "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
        " SELECT id, (id * 37) % 9000, (ARRAY['succeeded','succeeded','pending','failed',"
        "'refunded'])[1 + id % 5], CASE WHEN id % 11 = 0 THEN NULL"
        " ELSE end_time + (id % 7) * interval '5 hours' END FROM appointments"
    )


def _random_changes(tenant, rng):
    ids = [r[0] for r in tenant.sql("SELECT id FROM appointments ORDER BY id")]
    for step in range(36):
        pick = rng.sample(ids, 5)
        kind = step % 9
        if kind == 0:
            tenant.sql(
                "UPDATE appointments SET status = %s WHERE id = ANY(%s)",
                (rng.choice(["confirmed", "cancelled", "no_show"]), pick),
            )
        elif kind == 1:
            tenant.sql(
                "UPDATE appointments SET start_time = start_time + %s,"
                " end_time = end_time + %s WHERE id = ANY(%s)",
                (timedelta(hours=rng.randint(-60, 60)),) * 2 + (pick,),
            )
        elif kind == 2:
            tenant.sql(
                "UPDATE appointments SET service_id = %s WHERE id = ANY(%s)",
                (rng.randint(1, 4), pick),
            )
        elif kind == 3:
            tenant.sql(
                "UPDATE payments SET status = %s, amount_cents = amount_cents + 1"
                " WHERE appointment_id = ANY(%s)",
                (rng.choice(["succeeded", "refunded"]), pick),
            )
        elif kind == 4:
            tenant.sql(
                "UPDATE payments SET paid_at = paid_at + interval '20 hours'"
                " WHERE appointment_id = ANY(%s)",
                (pick,),
            )
        elif kind == 5:
            victim = pick[0]
            tenant.sql("DELETE FROM payments WHERE appointment_id = %s", (victim,))
            tenant.sql("DELETE FROM appointments WHERE id = %s", (victim,))
            ids.remove(victim)
        elif kind == 6:
            tenant.sql(
                "UPDATE appointments SET source = %s WHERE id = ANY(%s)",
                (rng.choice(SOURCES), pick),
            )
        elif kind == 7:
            tenant.sql(
                "UPDATE customers SET acquisition_channel = %s WHERE id = ANY(%s)",
                (rng.choice(SOURCES), rng.sample(range(1, 13), 3)),
            )
        else:
            tenant.sql(
                "UPDATE appointments SET end_time = end_time + interval '7 minutes',"
                " resource_id = %s, customer_id = %s WHERE id = ANY(%s)",
                (rng.randint(1, 3), rng.choice([None, *range(1, 13)]), pick),
            )


def test_rollups_equal_a_recount_after_random_changes_in_two_tenants(make_tenant):
    rng = random.Random(5)
    tenants = [make_tenant(timezone="America/New_York"), make_tenant(timezone="Asia/Kolkata")]
    for tenant in tenants:
        _seed(tenant, rng, 300)
        assert _mismatches(tenant) == {
            "appointment_rollup_daily": 0,
            "appointment_rollup_booked_week": 0,
            "appointment_rollup_booked_month": 0,
            "appointment_rollup_booked_month_resource": 0,
            "appointment_rollup_booked_late": 0,
            "appointment_rollup_day_status": 0,
            "appointment_rollup_day_service": 0,
            "appointment_rollup_day_resource": 0,
            "appointment_rollup_weekday_hour": 0,
            "payment_rollup_daily": 0,
            "customer_visit_days": 0,
            "customer_visit_summary": 0,
            "customer_visit_links": 0,
            "appointment_rollup_day_hour": 0,
            "appointment_rollup_day_hour_detail": 0,
            "appointment_rollup_month_hour": 0,
            "appointment_rollup_resource_day_hour": 0,
            "customer_visit_daily": 0,
            "appointment_rollup_day_source": 0,
            "customer_new_channel_daily": 0,
            "appointment_rollup_day_status_source": 0,
            "payment_rollup_day": 0,
            "appointment_rollup_month_status": 0,
            "payment_rollup_month": 0,
            "customer_cohort_months": 0,
            "customer_at_risk_days": 0,
            "customer_lapsed_days": 0,
        }
    # Half folded, half not: the first tenant's seed is folded before its changes.
    assert tenants[0].fold() > 300
    for tenant in tenants:
        _random_changes(tenant, rng)
    for tenant in tenants:
        assert set(_mismatches(tenant).values()) == {0}
        assert tenant.scalar("SELECT count(*) FROM appointment_rollup_daily") > 100
        tenant.fold()
        assert set(_mismatches(tenant).values()) == {0}


def test_time_zone_change_rebuilds_the_rollups(runner, make_tenant, api):
    tenant = make_tenant(timezone="UTC")
    tenant.sql(
        "INSERT INTO services (id, name) VALUES (1, 'S'); INSERT INTO resources (id, name)"
        " VALUES (1, 'R')"
    )
    day = datetime.now(UTC).date() - timedelta(days=3)
    late = datetime(day.year, day.month, day.day, 22, 30, tzinfo=UTC)  # 22:30 UTC
    tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time)"
        " VALUES (1, 1, %s, %s)",
        (late, late + timedelta(minutes=30)),
    )

    def days_with_bookings():
        body = api(tenant, "appointments", days=5).get_json()
        return [d["date"] for d in body["daily_breakdown"] if d["count"]]

    assert days_with_bookings() == [day.isoformat()]
    result = runner.invoke(args=["tenants", "set-timezone", tenant.schema, "Asia/Tokyo"])
    assert result.exit_code == 0, result.output
    # 22:30 UTC is 07:30 the next day in Tokyo.
    assert days_with_bookings() == [(day + timedelta(days=1)).isoformat()]
    assert api(tenant, "dashboard").get_json()["peak_booking_hour"] == 7
    assert set(_mismatches(tenant).values()) == {0}
    bad = runner.invoke(args=["tenants", "set-timezone", tenant.schema, "Nowhere/Land"])
    assert bad.exit_code == 1 and "Unknown time zone" in bad.output


def test_truncate_empties_the_rollups(make_tenant):
    tenant = make_tenant()
    _seed(tenant, random.Random(1), 20)
    tenant.sql("TRUNCATE appointments, payments")
    assert tenant.scalar("SELECT count(*) FROM analytics_daily") == 0
    assert tenant.scalar("SELECT count(*) FROM revenue_daily") == 0
    assert tenant.scalar("SELECT count(*) FROM analytics_peak_times") == 0


def test_verify_command_reports_and_detects_drift(runner, make_tenant):
    tenant = make_tenant()
    _seed(tenant, random.Random(2), 30)
    ok = runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema])
    assert ok.exit_code == 0, ok.output
    assert "0 mismatched" in ok.output and "All rollups equal a full recount." in ok.output
    tenant.fold()
    tenant.sql(
        "UPDATE appointment_rollup_folded SET appointments = appointments + 1"
        " WHERE ctid = (SELECT min(ctid) FROM appointment_rollup_folded WHERE grain = 0)"
    )
    drift = runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema])
    # Keys are compared summed over their rows (folded plus not folded yet): the one
    # wrong key is 1 mismatch.
    assert drift.exit_code == 1 and "1 mismatched" in drift.output
    assert runner.invoke(args=["analytics", "rebuild", "--tenant", tenant.schema]).exit_code == 0
    assert runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema]).exit_code == 0
    assert runner.invoke(args=["analytics", "verify", "--tenant", "ghost"]).exit_code == 1


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time)"
        " SELECT 1, 1, now() - i * interval '1 hour', now() - i * interval '1 hour' + interval '5 min'"
        " FROM generate_series(1, 2000) i",
        "UPDATE appointments SET status = 'cancelled' WHERE id % 3 = 0",
        "DELETE FROM appointments WHERE id % 4 = 0 AND id NOT IN (SELECT appointment_id FROM payments)",
    ],
)
def test_bulk_statements_keep_the_rollups_exact(make_tenant, statement):
    tenant = make_tenant(timezone="Europe/London")
    _seed(tenant, random.Random(3), 50)
    tenant.sql(statement)
    assert set(_mismatches(tenant).values()) == {0}


def test_a_fold_and_a_rebuild_write_new_keys_in_key_order(make_tenant):
    """Issue 25: the keys a fold or a rebuild adds land in the table in primary-key order
    (a range of days then reads few pages), not in the hash aggregate's order. Appointments
    inserted in shuffled order over 400 days; both rollups checked page by page."""
    tenant = make_tenant()
    tenant.sql(
        "INSERT INTO services (id, name) SELECT i, 'S' || i FROM generate_series(1, 6) i;"
        "INSERT INTO resources (id, name) SELECT i, 'R' || i FROM generate_series(1, 5) i;"
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time)"
        " SELECT 1 + i % 6, 1 + (i / 400) % 5, t, t + interval '30 minutes'"
        " FROM (SELECT i, timestamptz '2026-01-01 09:00Z' + (i * 7919 % 400) * interval '1 day'"
        "       + (i % 9) * interval '1 hour' AS t FROM generate_series(1, 6000) i) s;"
        "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
        " SELECT id, 1000 + id % 7, 'succeeded', end_time FROM appointments"
    )

    def in_key_order(rollup, keys):
        # The grain's rows in its source's folded table, in the order they lie in it.
        r = next(r for r in rollups.ROLLUPS if r.table == rollup)
        rows = tenant.sql(f"SELECT {keys} FROM {r.folded} WHERE grain = {r.grain} ORDER BY ctid")
        return len(rows) > 1000 and rows == sorted(rows)

    for step in ("fold", "rebuild"):
        if step == "fold":
            tenant.fold()
        else:
            tenant.sql("SELECT rebuild_rollups()")
        assert in_key_order("payment_rollup_daily", "day, service_id, resource_id"), step
        assert in_key_order("appointment_rollup_day_resource", "day, status, resource_id"), step
    assert set(_mismatches(tenant).values()) == {0}
