"""What the analytics cost the booking system's writes (SPEC "Bounds on the booking
system's writes", issue 25), against twin tenants whose analytics triggers are disabled,
alternated and measured side by side in one run.

    .venv/bin/python -m benchmarks.concurrency            # ~10 minutes; writes CONCURRENCY.md
    .venv/bin/python -m benchmarks.concurrency --quick    # smaller, prints only

- Row by row: one transaction of N single-row inserts (an appointment, then its payment,
  as an ORM import writes them) into a tenant holding 6,000 customers and 30,000
  appointments; N = 500 and 2,000 (the bound: 2,000 take <= 5x the time of 500).
- The storm of tests/storm.py (short transactions on a hot set from 4 and from 8
  sessions): median seconds, failed writes, keys differing from a recount.
- One statement of 100,000 appointments, then one of their payments.
- The bulk load of benchmarks/data.py (1M appointments, ~0.8M payments), and the fold of
  its change log right after it (the worker's job).
- Steady state: the storm with the fold worker running; the largest backlog seen.
Starts its own embedded PostgreSQL under benchmarks/out/ (or BENCH_DATABASE_URL).
"""

import argparse
import os
import shutil
import statistics
import threading
import time
from dataclasses import dataclass

import psycopg

from analytics_app import create_app
from analytics_app.db import fold, migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from benchmarks import data
from benchmarks.run import OUT, ROOT, _machine
from tests.storm import Storm, connect, seed


@dataclass
class Handle:
    schema: str
    dsn: str


def _tenant(url, name, triggers):
    tenant_admin.create_tenant(name, name, "bench", [f"{name}.bench"], "America/New_York")
    db.session.commit()
    handle = Handle(name, url)
    if not triggers:
        with connect(handle) as conn:
            conn.execute("ALTER TABLE appointments DISABLE TRIGGER USER")
            conn.execute("ALTER TABLE payments DISABLE TRIGGER USER")
            conn.execute("ALTER TABLE customers DISABLE TRIGGER USER")
            conn.commit()
    return handle


def _mismatched(handle):
    with connect(handle) as conn:
        return sum(r[2] for r in conn.execute("SELECT * FROM verify_rollups()"))


def _storm_round(url, name, triggers, transactions, writers, storm_seed):
    handle = _tenant(url, name, triggers)
    storm = Storm(handle, seed(handle), storm_seed)
    seconds = storm.run(transactions, seconds=600, writers=writers)
    return seconds, len(storm.failures), _mismatched(handle) if triggers else 0


ROW = (
    "INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time,"
    " status, source) VALUES (%s, %s, %s, %s, %s::timestamptz + interval '45 minutes', 'confirmed', 'online')"
    " RETURNING id"
)
PAY = (
    "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
    " VALUES (%s, %s, 'succeeded', %s)"
)


def _row_by_row(handle, n, offset):
    """Seconds for one transaction of n appointment + payment single-row inserts."""
    with connect(handle) as conn:
        started = time.perf_counter()
        for i in range(n):
            start = "2026-06-01 09:00+00"
            a = conn.execute(
                ROW, (1 + i % 8, 1 + i % 6, 1 + (offset + i * 7) % 6000, start, start)
            ).fetchone()[0]
            conn.execute(PAY, (a, 2500 + i % 100, start))
        conn.commit()
        return time.perf_counter() - started


BULK_STATEMENT = """
INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time, status,
                          source)
SELECT 1 + g %% 8, 1 + g %% 6, CASE WHEN g %% 3 = 0 THEN NULL ELSE 1 + g %% 6000 END,
       now() - g * interval '7 minutes', now() - g * interval '7 minutes' + interval '45 minutes',
       (ARRAY['confirmed', 'confirmed', 'confirmed', 'cancelled', 'no_show'])[1 + g %% 5], 'phone'
FROM generate_series(1, %(n)s) g
"""
BULK_PAYMENTS = """
INSERT INTO payments (appointment_id, amount_cents, status, paid_at)
SELECT id, 2000 + id % 500, 'succeeded', end_time FROM appointments WHERE source = 'phone'
"""


def _one_statement(handle, n):
    with connect(handle) as conn:
        started = time.perf_counter()
        conn.execute(BULK_STATEMENT, {"n": n})
        conn.execute(BULK_PAYMENTS)
        conn.commit()
        return time.perf_counter() - started


def _steady_storm(url, transactions):
    """The storm with the worker folding; the largest backlog (changes, seconds) seen."""
    handle = _tenant(url, "steady", True)
    storm = Storm(handle, seed(handle), 11)
    stop, worst = threading.Event(), [0, 0.0]
    worker = threading.Thread(target=fold.watch, args=(url,), kwargs={"stop": stop.is_set})
    worker.start()

    def sample():
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.is_set():
                changes, age = conn.execute(
                    "SELECT changes, coalesce(extract(epoch FROM clock_timestamp() - oldest), 0)"
                    " FROM steady.rollup_backlog()"
                ).fetchone()
                worst[0], worst[1] = max(worst[0], changes), max(worst[1], float(age))
                time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    seconds = storm.run(transactions, seconds=600)
    stop.set()
    worker.join()
    sampler.join()
    return seconds, worst, len(storm.failures), _mismatched(handle)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    rounds, transactions, bulk, statement = (
        (2, 1000, 100_000, 20_000) if opts.quick else (3, 2000, 1_000_000, 100_000)
    )
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        shutil.rmtree(OUT / "pgdata-concurrency", ignore_errors=True)
        url = start_embedded(OUT / "pgdata-concurrency", cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    rows = []
    notes = []
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
        db.session.commit()
        twins = {}
        for triggers in (True, False):
            name = f"rows_{'on' if triggers else 'off'}"
            data.make_tenant(name, 30_000, triggers=triggers)
            twins[triggers] = Handle(name, url)
        by_row = {(t, n): [] for t in (True, False) for n in (500, 2000)}
        for i in range(rounds):
            for n in (500, 2000):
                for triggers in (True, False) if i % 2 == 0 else (False, True):
                    by_row[triggers, n].append(_row_by_row(twins[triggers], n, i * 2000))
                    print(
                        f"row by row {n} {'on' if triggers else 'off'}:"
                        f" {by_row[triggers, n][-1]:.2f} s",
                        flush=True,
                    )
        for n in (500, 2000):
            on, off = statistics.median(by_row[True, n]), statistics.median(by_row[False, n])
            rows.append(
                (
                    f"one transaction of {n:,} single-row appointment + payment inserts,"
                    f" median of {rounds}",
                    on,
                    off,
                    "<= 1.5x",
                )
            )
        linear = statistics.median(by_row[True, 2000]) / statistics.median(by_row[True, 500])
        notes.append(
            f"2,000 single-row inserts take {linear:.2f}x the time of 500 with the"
            " triggers (bound: <= 5x)."
        )
        failures, mismatches = 0, 0
        for writers in (4, 8):
            storm = {True: [], False: []}
            for i in range(rounds):
                for triggers in (True, False) if i % 2 == 0 else (False, True):
                    name = f"storm{writers}_{i}_{'on' if triggers else 'off'}"
                    seconds, failed, bad = _storm_round(
                        url, name, triggers, transactions, writers, i
                    )
                    storm[triggers].append(seconds)
                    failures += failed
                    mismatches += bad
                    print(f"{name}: {seconds:.2f} s, {failed} failed", flush=True)
            rows.append(
                (
                    f"storm: {transactions:,} short booking transactions from {writers}"
                    f" sessions, median of {rounds}",
                    statistics.median(storm[True]),
                    statistics.median(storm[False]),
                    "<= 1.3x",
                )
            )
        one = {True: [], False: []}
        for i in range(rounds):
            for triggers in (True, False) if i % 2 == 0 else (False, True):
                handle = _tenant(url, f"stmt{i}_{'on' if triggers else 'off'}", triggers)
                with connect(handle) as conn:
                    conn.execute(data.CATALOG_SQL)
                    conn.execute(
                        "INSERT INTO customers (name) SELECT 'C' || i"
                        " FROM generate_series(1, 6000) i"
                    )
                    conn.commit()
                one[triggers].append(_one_statement(handle, statement))
                print(f"one statement {triggers}: {one[triggers][-1]:.2f} s", flush=True)
        rows.append(
            (
                f"one statement of {statement:,} appointments, then one of their"
                f" payments, median of {rounds}",
                statistics.median(one[True]),
                statistics.median(one[False]),
                "<= 1.3x",
            )
        )
        loads = {True: [], False: []}
        for i in range(2):
            for triggers in (True, False) if i % 2 == 0 else (False, True):
                name = f"bulk{i}_{'on' if triggers else 'off'}"
                loads[triggers].append(data.make_tenant(name, bulk, triggers=triggers))
                print(f"load {name}: {loads[triggers][-1]:.1f} s", flush=True)
        rows.append(
            (
                f"bulk load: {bulk:,} appointments and their payments, median of 2",
                statistics.median(loads[True]),
                statistics.median(loads[False]),
                "<= 1.3x",
            )
        )
        folds = [data.FOLDS[f"bulk{i}_on"] for i in range(2)]
        notes.append(
            "The fold right after each bulk load: "
            + ", ".join(f"{n:,} changes in {s:.1f} s" for n, s in folds)
            + " (bound: 1M waiting changes in <= 60 s)."
        )
        seconds, worst, failed, bad = _steady_storm(url, transactions * 2)
        failures += failed
        mismatches += bad
        notes.append(
            f"Steady state: {transactions * 2:,} storm transactions (8 sessions, {seconds:.1f} s)"
            f" with `flask analytics fold --watch`'s loop running: the log never held more"
            f" than {worst[0]:,} changes, the oldest at most {worst[1]:.2f} s old."
        )
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    machine = _machine(url)
    lines = [
        "# What the analytics cost the booking system's writes",
        "",
        f"Run on {time.strftime('%Y-%m-%d')} with `python -m benchmarks.concurrency`;"
        f" {machine['cores']} cores, PostgreSQL {version}. Each measurement against a twin"
        " tenant whose analytics triggers are disabled, alternated, in one run. Each run"
        " overwrites this file (earlier runs: `git log -p benchmarks/CONCURRENCY.md`).",
        "",
        "| measurement | with the analytics | without | ratio | bound |",
        "|---|---|---|---|---|",
    ]
    for label, on, off, bound in rows:
        lines.append(f"| {label} | {on:.2f} s | {off:.2f} s | {on / off:.2f}x | {bound} |")
    lines += [
        "",
        f"Failed writes: {failures}. Rollup keys differing from a recount afterwards: {mismatches}.",
        "",
        *notes,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if not opts.quick:
        (ROOT / "benchmarks" / "CONCURRENCY.md").write_text(report)


if __name__ == "__main__":
    main()
