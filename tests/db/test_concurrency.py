"""Rollups stay exact, and writes never fail, under concurrent writers (issue 17).

The storm writes as a booking system would: short transactions on a hot set of
appointments, from several sessions at once. Each race found has its own test
with two connections and an explicit interleaving.
"""

import json
import threading
from datetime import UTC, datetime

import psycopg
import pytest

from tests.storm import Storm, connect, seed

RECOUNT_REVENUE_BY_SERVICE = """
SELECT a.service_id, sum(p.amount_cents)::bigint, count(*)::bigint
FROM payments p JOIN appointments a ON a.id = p.appointment_id
WHERE p.status = 'succeeded' AND p.paid_at >= (%(today)s::date - 3649)::timestamp AT TIME ZONE 'UTC'
GROUP BY 1 ORDER BY 1
"""


REPORTS_AS_OF = [
    "SELECT dashboard_report(%(now)s)::text",
    "SELECT appointments_report(3650, p_now => %(now)s)::text",
    "SELECT appointments_report(30, 'cancelled', p_now => %(now)s)::text",
    "SELECT revenue_report(3650, p_now => %(now)s)::text",
    "SELECT revenue_report(7, '{2}', p_now => %(now)s)::text",
    "SELECT customers_report(3650, p_now => %(now)s)::text",
    "SELECT customers_report(2, p_now => %(now)s)::text",
]


def _reports(conn, now):
    return [json.loads(conn.execute(q, {"now": now}).fetchone()[0]) for q in REPORTS_AS_OF]


def _assert_exact(tenant):
    # Every report read from the rollups the writers kept equals the same report after
    # the rollups are recounted from the base tables (rolled back afterwards).
    now = datetime.now(UTC)
    with connect(tenant) as conn:
        kept = _reports(conn, now)
        conn.execute("SELECT rebuild_rollups()")
        recounted = _reports(conn, now)
        conn.rollback()
    assert kept == recounted
    with connect(tenant) as conn:
        mismatched = conn.execute("SELECT rollup, mismatched_rows FROM verify_rollups()").fetchall()
        assert [m for m in mismatched if m[1]] == [], mismatched
        today = datetime.now(UTC).date()
        revenue = json.loads(conn.execute("SELECT revenue_report(3650)::text").fetchone()[0])
        recount = conn.execute(RECOUNT_REVENUE_BY_SERVICE, {"today": today}).fetchall()
        assert [
            (s["service_id"], s["revenue_cents"], s["count"]) for s in revenue["by_service"]
        ] == [tuple(r) for r in sorted(recount, key=lambda r: (-r[1], r[0]))]
        report = json.loads(conn.execute("SELECT appointments_report(3650)::text").fetchone()[0])
        by_status = dict(
            conn.execute(
                "SELECT status, count(*) FROM appointments"
                " WHERE start_time >= (%s::date - 3649)::timestamp AT TIME ZONE 'UTC'"
                " AND start_time < (%s::date + 1)::timestamp AT TIME ZONE 'UTC' GROUP BY 1",
                (today, today),
            ).fetchall()
        )
        assert {k: v for k, v in report["by_status"].items() if v} == by_status


@pytest.mark.parametrize("storm_seed", [1, 2, 3, 4, 5])
def test_the_storm_leaves_exact_rollups_and_no_failed_writes(make_tenant, storm_seed):
    tenant = make_tenant()
    storm = Storm(tenant, seed(tenant), storm_seed)
    storm.run(transactions=400)
    assert storm.failures == []
    assert storm.done == 400
    _assert_exact(tenant)


# --- Each race, with two connections and an explicit interleaving ---------------


@pytest.fixture
def pair(make_tenant):
    tenant = make_tenant()
    hot = seed(tenant, hot=2)
    first, second = connect(tenant), connect(tenant)
    yield tenant, hot, first, second
    first.close()
    second.close()


def _in_thread(fn):
    result = {}

    def run():
        try:
            result["value"] = fn()
        except Exception as err:  # reported by the test
            result["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_a_payment_while_its_appointment_moves_service_uncommitted(pair):
    """Move first (uncommitted), then pay: the payment must count under the new service."""
    tenant, (a, _), mover, payer = pair
    mover.execute("UPDATE appointments SET service_id = 3 WHERE id = %s", (a,))
    thread, result = _in_thread(
        lambda: (
            payer.execute(
                "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " VALUES (%s, 777, 'succeeded', now())",
                (a,),
            ),
            payer.commit(),
        )
    )
    thread.join(timeout=0.5)  # with the fix the payer waits for the mover
    mover.commit()
    thread.join(timeout=10)
    assert "error" not in result, result
    _assert_exact(tenant)


def test_an_appointment_moves_service_while_its_payment_is_uncommitted(pair):
    """Pay first (uncommitted), then move: the move must carry the new payment along."""
    tenant, (a, _), mover, payer = pair
    payer.execute(
        "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
        " VALUES (%s, 555, 'succeeded', now())",
        (a,),
    )
    thread, result = _in_thread(
        lambda: (
            mover.execute("UPDATE appointments SET service_id = 2 WHERE id = %s", (a,)),
            mover.commit(),
        )
    )
    thread.join(timeout=0.5)
    payer.commit()
    thread.join(timeout=10)
    assert "error" not in result, result
    _assert_exact(tenant)


def test_a_payment_succeeds_while_its_appointment_moves_service(pair):
    """A pending payment turned succeeded during an uncommitted move."""
    tenant, (a, _), mover, payer = pair
    payer.execute(
        "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
        " VALUES (%s, 333, 'pending', now())",
        (a,),
    )
    payer.commit()
    mover.execute("UPDATE appointments SET service_id = 2 WHERE id = %s", (a,))
    thread, result = _in_thread(
        lambda: (
            payer.execute(
                "UPDATE payments SET status = 'succeeded' WHERE appointment_id = %s"
                " AND status = 'pending'",
                (a,),
            ),
            payer.commit(),
        )
    )
    thread.join(timeout=0.5)
    mover.commit()
    thread.join(timeout=10)
    assert "error" not in result, result
    _assert_exact(tenant)


def test_crossing_writes_to_the_same_rollup_rows_do_not_deadlock(pair):
    """A move touches appointment rollups then the payment rollup; a delete of a payment
    and then of its appointment touches them the other way round. Same day, same service."""
    tenant, (a, b), mover, deleter = pair
    mover.execute(
        "UPDATE appointments SET service_id = 1, resource_id = 1 WHERE id IN (%s, %s)", (a, b)
    )
    mover.execute(
        "UPDATE appointments SET start_time = date_trunc('hour', now()) - interval '2 hours',"
        " end_time = date_trunc('hour', now()) - interval '1 hour' WHERE id IN (%s, %s)",
        (a, b),
    )
    mover.execute("UPDATE payments SET paid_at = date_trunc('hour', now()) - interval '1 hour'")
    mover.commit()
    deleter.execute("DELETE FROM payments WHERE appointment_id = %s", (b,))  # payment rollup first
    thread, result = _in_thread(
        lambda: (
            mover.execute("UPDATE appointments SET service_id = 2 WHERE id = %s", (a,)),
            mover.commit(),
        )
    )
    thread.join(timeout=0.5)
    try:
        deleter.execute("DELETE FROM appointments WHERE id = %s", (b,))  # appointment rollups
        deleter.commit()
        deleted = None
    except psycopg.errors.DeadlockDetected as err:
        deleter.rollback()
        deleted = err
    thread.join(timeout=10)
    assert deleted is None and "error" not in result, (deleted, result)
    _assert_exact(tenant)


def test_verify_repair_fixes_only_the_rows_that_differ(make_tenant, runner):
    tenant = make_tenant()
    seed(tenant)
    tenant.fold()  # unfolded appointments would read the payments as they are now
    with connect(tenant) as conn:
        conn.execute("ALTER TABLE payments DISABLE TRIGGER USER")
        conn.execute("UPDATE payments SET amount_cents = amount_cents + 1 WHERE id <= 2")
        conn.execute("ALTER TABLE payments ENABLE TRIGGER USER")
        conn.commit()
    result = runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema])
    assert result.exit_code == 1
    result = runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema, "--repair"])
    assert result.exit_code == 0, result.output
    assert "repaired" in result.output
    assert runner.invoke(args=["analytics", "verify", "--tenant", tenant.schema]).exit_code == 0
    _assert_exact(tenant)
