"""A booking system's writes, as a storm: short transactions on a hot set of appointments
from several sessions at once (tests/db/test_concurrency.py, benchmarks/concurrency.py).

Seeded, bounded in count and time. Each operation is one transaction that holds its
locks a few milliseconds, as an application's would.
"""

import random
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg

WRITERS = 8


def connect(tenant):
    conn = psycopg.connect(tenant.dsn, autocommit=False)
    conn.execute("SELECT set_config('search_path', %s, false)", (f'"{tenant.schema}", public',))
    conn.commit()
    return conn


def seed(tenant, hot=12):
    """Three services, two resources, `hot` appointments in the last days, each paid."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with connect(tenant) as conn:
        conn.execute(
            "INSERT INTO services (name, duration_minutes, price_cents) VALUES"
            " ('Cut', 30, 3000), ('Colour', 90, 9000), ('Trim', 20, 1500);"
            " INSERT INTO resources (name) VALUES ('Chair A'), ('Chair B');"
            " INSERT INTO customers (id, name) SELECT i, 'Customer ' || i"
            " FROM generate_series(1, 4) i"
        )
        for i in range(hot):
            start = now - timedelta(days=i % 4, hours=i)
            conn.execute(
                "WITH a AS (INSERT INTO appointments (service_id, resource_id, start_time,"
                " end_time, status, customer_id) VALUES (%s, %s, %s, %s, 'confirmed', %s)"
                " RETURNING id)"
                " INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " SELECT id, %s, 'succeeded', %s FROM a",
                (
                    1 + i % 3,
                    1 + i % 2,
                    start,
                    start + timedelta(minutes=45),
                    None if i % 5 == 4 else 1 + i % 4,  # a few walk-ins
                    1000 + i,
                    start,
                ),
            )
        conn.commit()
        return [r[0] for r in conn.execute("SELECT id FROM appointments ORDER BY id")]


class Storm:
    """Seeded random operations of a scheduling app, each in its own short transaction."""

    def __init__(self, tenant, hot_ids, seed):
        """tenant: anything with .dsn and .schema (tests' TenantHandle)."""
        self.tenant, self.hot, self.rng = tenant, hot_ids, random.Random(seed)
        self.deletable, self.lock = [], threading.Lock()
        self.failures, self.done = [], 0

    def op(self, conn, rng):
        a = rng.choice(self.hot)
        kind = rng.choice(
            [
                "service",
                "resource",
                "status",
                "start",
                "customer",
                "pay",
                "refund",
                "unpay",
                "add5",
                "drop",
            ]
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
        elif kind == "customer":  # 4 customers on a hot set: the same customers collide
            conn.execute(
                "UPDATE appointments SET customer_id = %s WHERE id = %s",
                (rng.choice([None, 1, 2, 3, 4]), a),
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
                " end_time, status, customer_id) SELECT 1 + g %% 3, 1 + g %% 2,"
                " now() - g * interval '5 hours',"
                " now() - g * interval '5 hours' + interval '30 minutes', 'confirmed',"
                " nullif(1 + (g + %s) %% 5, 5) FROM generate_series(1, 5) g RETURNING id),"
                " p AS (INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " SELECT id, 2500, 'succeeded', now() FROM a)"
                " SELECT id FROM a",
                (rng.randrange(5),),
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
        with connect(self.tenant) as conn:
            for _ in range(count):
                try:
                    self.op(conn, rng)
                    with self.lock:
                        self.done += 1
                except psycopg.Error as err:
                    conn.rollback()
                    self.failures.append(f"{type(err).__name__}: {err}".splitlines()[0])

    def run(self, transactions, seconds=40, writers=WRITERS):
        threads = [
            threading.Thread(target=self.writer, args=(transactions // writers, self.rng.random()))
            for _ in range(writers)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds)
        assert not any(t.is_alive() for t in threads), "the storm did not finish in time"
        return time.monotonic() - started
