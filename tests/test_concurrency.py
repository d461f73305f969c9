"""Rollups stay exact, and writes never fail, under concurrent writers (issue 17).

The storm writes as a booking system would: short transactions on a hot set of
appointments, from several sessions at once. Each race found has its own test
with two connections and an explicit interleaving.
"""

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

WRITERS = 8


def _connect(tenant):
    conn = psycopg.connect(tenant.dsn, autocommit=False)
    conn.execute("SELECT set_config('search_path', %s, false)", (f'"{tenant.schema}", public',))
    conn.commit()
    return conn


def _seed(tenant, hot=12):
    """Three services, two resources, `hot` appointments in the last days, each paid."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with _connect(tenant) as conn:
        conn.execute(
            "INSERT INTO services (name, duration_minutes, price_cents) VALUES"
            " ('Cut', 30, 3000), ('Colour', 90, 9000), ('Trim', 20, 1500);"
            " INSERT INTO resources (name) VALUES ('Chair A'), ('Chair B')"
        )
        for i in range(hot):
            start = now - timedelta(days=i % 4, hours=i)
            conn.execute(
                "WITH a AS (INSERT INTO appointments (service_id, resource_id, start_time,"
                " end_time, status) VALUES (%s, %s, %s, %s, 'confirmed') RETURNING id)"
                " INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " SELECT id, %s, 'succeeded', %s FROM a",
                (1 + i % 3, 1 + i % 2, start, start + timedelta(minutes=45), 1000 + i, start),
            )
        conn.commit()
        return [r[0] for r in conn.execute("SELECT id FROM appointments ORDER BY id")]


class Storm:
    """Seeded random operations of a scheduling app, each in its own short transaction."""

    def __init__(self, tenant, hot_ids, seed):
        self.tenant, self.hot, self.rng = tenant, hot_ids, random.Random(seed)
        self.deletable, self.lock = [], threading.Lock()
        self.failures, self.done = [], 0

    def op(self, conn, rng):
        a = rng.choice(self.hot)
        kind = rng.choice(
            ["service", "resource", "status", "start", "pay", "refund", "unpay", "add5", "drop"]
        )
        hold = "SELECT pg_sleep(0.002)"  # the app holds its locks a few milliseconds
        if kind == "service":
            conn.execute(
                "UPDATE appointments SET service_id = %s WHERE id = %s", (rng.randint(1, 3), a)
            )
        elif kind == "resource":
            conn.execute(
                "UPDATE appointments SET resource_id = %s WHERE id = %s", (rng.randint(1, 2), a)
            )
        elif kind == "status":
            status = rng.choice(["confirmed", "cancelled", "no_show"])
            conn.execute("UPDATE appointments SET status = %s WHERE id = %s", (status, a))
        elif kind == "start":
            shift = timedelta(hours=rng.randint(-30, 30))
            conn.execute(
                "UPDATE appointments SET start_time = start_time + %s, end_time = end_time + %s"
                " WHERE id = %s",
                (shift, shift, a),
            )
        elif kind == "pay":
            conn.execute(
                "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " VALUES (%s, %s, %s, now() - %s)",
                (
                    a,
                    rng.randint(100, 9000),
                    rng.choice(["succeeded", "pending"]),
                    timedelta(hours=rng.randint(0, 72)),
                ),
            )
        elif kind == "refund":
            conn.execute(
                "UPDATE payments SET status = CASE status WHEN 'succeeded' THEN 'refunded'"
                " ELSE 'succeeded' END WHERE id = (SELECT min(id) FROM payments"
                " WHERE appointment_id = %s)",
                (a,),
            )
        elif kind == "unpay":
            conn.execute(
                "DELETE FROM payments WHERE id = (SELECT max(id) FROM payments"
                " WHERE appointment_id = %s)",
                (a,),
            )
        elif kind == "add5":
            rows = conn.execute(
                "WITH a AS (INSERT INTO appointments (service_id, resource_id, start_time,"
                " end_time, status) SELECT 1 + g % 3, 1 + g % 2, now() - g * interval '5 hours',"
                " now() - g * interval '5 hours' + interval '30 minutes', 'confirmed'"
                " FROM generate_series(1, 5) g RETURNING id),"
                " p AS (INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " SELECT id, 2500, 'succeeded', now() FROM a)"
                " SELECT id FROM a"
            ).fetchall()
            conn.execute(hold)
            conn.commit()
            with self.lock:
                self.deletable.extend(r[0] for r in rows)
            return
        elif kind == "drop":
            with self.lock:
                victim = (
                    self.deletable.pop(rng.randrange(len(self.deletable)))
                    if self.deletable
                    else None
                )
            if victim is not None:
                conn.execute("DELETE FROM payments WHERE appointment_id = %s", (victim,))
                conn.execute(hold)
                conn.execute("DELETE FROM appointments WHERE id = %s", (victim,))
        conn.execute(hold)
        conn.commit()

    def writer(self, count, seed):
        rng = random.Random(seed)
        with _connect(self.tenant) as conn:
            for _ in range(count):
                try:
                    self.op(conn, rng)
                    with self.lock:
                        self.done += 1
                except psycopg.Error as err:
                    conn.rollback()
                    self.failures.append(f"{type(err).__name__}: {err}".splitlines()[0])

    def run(self, transactions, seconds=40):
        threads = [
            threading.Thread(target=self.writer, args=(transactions // WRITERS, self.rng.random()))
            for _ in range(WRITERS)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds)
        assert not any(t.is_alive() for t in threads), "the storm did not finish in time"
        return time.monotonic() - started


RECOUNT_REVENUE_BY_SERVICE = """
SELECT a.service_id, sum(p.amount_cents)::bigint, count(*)::bigint
FROM payments p JOIN appointments a ON a.id = p.appointment_id
WHERE p.status = 'succeeded' AND p.paid_at >= (%(today)s::date - 3649)::timestamp AT TIME ZONE 'UTC'
GROUP BY 1 ORDER BY 1
"""


def _assert_exact(tenant):
    with _connect(tenant) as conn:
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


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_storm_leaves_exact_rollups_and_no_failed_writes(make_tenant, seed):
    tenant = make_tenant()
    storm = Storm(tenant, _seed(tenant), seed)
    storm.run(transactions=400)
    assert storm.failures == []
    assert storm.done == 400
    _assert_exact(tenant)


# --- Each race, with two connections and an explicit interleaving ---------------


@pytest.fixture
def pair(make_tenant):
    tenant = make_tenant()
    hot = _seed(tenant, hot=2)
    first, second = _connect(tenant), _connect(tenant)
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
    _seed(tenant)
    with _connect(tenant) as conn:
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
