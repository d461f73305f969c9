"""What the rollup triggers cost the booking system's writes (issue 17), side by side.

    .venv/bin/python -m benchmarks.concurrency            # ~3 minutes; writes CONCURRENCY.md
    .venv/bin/python -m benchmarks.concurrency --quick    # smaller, prints only

- The storm of tests/storm.py (8 sessions, short transactions on a hot set of a dozen
  appointments, each holding its locks ~2 ms) in a tenant with the triggers and in one
  without, alternated, several rounds: median seconds, the ratio, failed writes, and
  `verify_rollups()` afterwards.
- A bulk load (benchmarks/data.py: appointments, then payments, one statement each)
  with the triggers and without, alternated: median seconds and the ratio.
Starts its own embedded PostgreSQL under benchmarks/out/ (or BENCH_DATABASE_URL).
"""

import argparse
import os
import shutil
import statistics
import time
from dataclasses import dataclass

import psycopg

from analytics_app import create_app, tenant_admin
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from benchmarks import data
from benchmarks.run import OUT, ROOT, _machine
from tests.storm import Storm, connect, seed


@dataclass
class Handle:
    schema: str
    dsn: str


def _storm_round(url, name, triggers, transactions, storm_seed):
    tenant_admin.create_tenant(name, name, "bench", [f"{name}.bench"])
    db.session.commit()
    tenant = Handle(name, url)
    hot = seed(tenant)
    if not triggers:
        with connect(tenant) as conn:
            conn.execute("ALTER TABLE appointments DISABLE TRIGGER USER")
            conn.execute("ALTER TABLE payments DISABLE TRIGGER USER")
            conn.commit()
    storm = Storm(tenant, hot, storm_seed)
    seconds = storm.run(transactions, seconds=600)
    mismatched = None
    if triggers:
        with connect(tenant) as conn:
            mismatched = sum(r[2] for r in conn.execute("SELECT * FROM verify_rollups()"))
    return seconds, len(storm.failures), mismatched


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    rounds, transactions, bulk = (2, 1000, 100_000) if opts.quick else (5, 2000, 1_000_000)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        shutil.rmtree(OUT / "pgdata-concurrency", ignore_errors=True)
        url = start_embedded(OUT / "pgdata-concurrency", cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    storm = {True: [], False: []}
    failures = {True: 0, False: 0}
    mismatches = 0
    loads = {True: [], False: []}
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
        db.session.commit()
        for i in range(rounds):
            for triggers in (True, False) if i % 2 == 0 else (False, True):
                name = f"storm{i}_{'on' if triggers else 'off'}"
                seconds, failed, mismatched = _storm_round(url, name, triggers, transactions, i)
                storm[triggers].append(seconds)
                failures[triggers] += failed
                mismatches += mismatched or 0
                print(f"storm {name}: {seconds:.2f} s, {failed} failed", flush=True)
        for i in range(2):
            for triggers in (True, False) if i % 2 == 0 else (False, True):
                name = f"bulk{i}_{'on' if triggers else 'off'}"
                loads[triggers].append(data.make_tenant(name, bulk, triggers=triggers))
                print(f"load {name}: {loads[triggers][-1]:.1f} s", flush=True)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    machine = _machine(url)
    on, off = statistics.median(storm[True]), statistics.median(storm[False])
    load_on, load_off = statistics.median(loads[True]), statistics.median(loads[False])
    report = "\n".join(
        [
            "# Concurrency benchmark: what the rollup triggers cost writers",
            "",
            f"Run on {time.strftime('%Y-%m-%d')} with `python -m benchmarks.concurrency`; "
            f"{machine['cores']} cores, PostgreSQL {version}. Each run overwrites this file "
            "(earlier runs: `git log -p benchmarks/CONCURRENCY.md`).",
            "",
            "| measurement | with triggers | without | ratio | target |",
            "|---|---|---|---|---|",
            f"| storm: {transactions:,} transactions, 8 sessions, median of {rounds} "
            f"| {on:.2f} s | {off:.2f} s | {on / off:.2f}x | <= 1.5x |",
            f"| bulk load: {bulk:,} appointments and their payments, median of 2 "
            f"| {load_on:.1f} s | {load_off:.1f} s | {load_on / load_off:.2f}x | <= 1.5x |",
            "",
            f"Failed writes: {failures[True]} with triggers, {failures[False]} without. "
            f"Rollup keys differing from a recount after the storms: {mismatches}.",
            "",
            f"Storm seconds with triggers: {', '.join(f'{s:.2f}' for s in storm[True])}; "
            f"without: {', '.join(f'{s:.2f}' for s in storm[False])}.",
            "",
        ]
    )
    print(report)
    if not opts.quick:
        (ROOT / "benchmarks" / "CONCURRENCY.md").write_text(report)


if __name__ == "__main__":
    main()
