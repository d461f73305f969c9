"""Issue 27: what grows with the number of tenants when one more is created.

    .venv/bin/python -m benchmarks.tenant_growth [--levels 0,1000,3000] [--probe 20]

Starts its own embedded server under benchmarks/out/growth-pgdata with
pg_stat_statements loaded (track = all: the statements inside functions and each
statement of a multi-statement script are counted apart). At each level it first fills
the database up to that many tenants with `create_tenants(..., jobs=2)` (as `flask
tenants create-many --jobs 2` does, timed), then creates --probe more tenants one by
one on one process with the statistics reset, and records every statement's mean time.
Writes benchmarks/TENANT_GROWTH.md: the time per tenant at each level, and the
statements whose time per created tenant grew the most between the first and the last
level (what grows with the tenant count).
"""

import argparse
import datetime
import re
import shutil
import subprocess
import sys
import time

import psycopg

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import bulk_tenants, tenant_admin
from benchmarks.run import OUT, ROOT

FOLDER = OUT / "growth-pgdata"


SETUP = """
import psycopg, sys
from analytics_app.db.embedded import start_embedded
with psycopg.connect(start_embedded(sys.argv[1], cleanup_mode="stop"), autocommit=True) as c:
    c.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    c.execute("ALTER SYSTEM SET pg_stat_statements.track = 'all'")
    c.execute("ALTER SYSTEM SET pg_stat_statements.max = 20000")
"""


def _server():
    """A fresh server with pg_stat_statements preloaded: a first process sets it and its
    exit stops the server; this one starts it again with the library loaded."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    subprocess.run([sys.executable, "-c", SETUP, str(FOLDER)], cwd=ROOT, check=True)
    return start_embedded(FOLDER, cleanup_mode="stop")


def _rows(start, count):
    return [
        bulk_tenants.Row(i + 2, f"shop{i:05d}", f"Shop {i}", "bench", "Europe/Paris", ())
        for i in range(start, start + count)
    ]


def _statements(url):
    """{statement: (calls, total ms)}, each tenant's schema and interim names written as
    placeholders (DDL is counted by its text, which names them)."""
    totals = {}
    with psycopg.connect(url) as conn:
        for query, calls, total in conn.execute(
            "SELECT query, calls, total_exec_time + total_plan_time FROM pg_stat_statements"
        ):
            query = re.sub(
                r"_[0-9a-f]{12}\b", "_<interim>", re.sub(r"shop\d{5}", "<schema>", query)
            )
            before = totals.get(query, (0, 0.0))
            totals[query] = (before[0] + calls, before[1] + total)
    return totals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="0,1000,3000")
    parser.add_argument("--probe", type=int, default=20)
    opts = parser.parse_args()
    levels = [int(x) for x in opts.levels.split(",")]
    url = _server()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    results = []
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        loaded = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    if "pg_stat_statements" not in loaded:
        raise SystemExit(
            "pg_stat_statements is not loaded: stop this server (the benchmark's process"
            " ending stops it) and run again; the setting is in postgresql.auto.conf"
        )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    made = 0
    for level in levels:
        fill_s = 0.0
        if level > made:
            print(f"filling to {level:,} tenants ...", flush=True)
            started = time.perf_counter()
            bulk_tenants.create_tenants(
                app, _rows(made, level - made), jobs=2, echo=lambda _l: None
            )
            fill_s = time.perf_counter() - started
            made = level
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
        started = time.perf_counter()
        bulk_tenants.create_tenants(app, _rows(made, opts.probe), jobs=1, echo=lambda _l: None)
        probe_s = time.perf_counter() - started
        made += opts.probe
        results.append((level, fill_s, probe_s / opts.probe, _statements(url)))
        print(f"{level:,}: {probe_s / opts.probe * 1000:.1f} ms a tenant", flush=True)
    _write(opts, results)


def _write(opts, results):
    lines = [
        "# What grows with the number of tenants (issue 27)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.tenant_growth --levels "
        f"{opts.levels} --probe {opts.probe}`: one embedded server with pg_stat_statements "
        "(track = all); at each level the database is filled to that many tenants "
        "(`create_tenants`, 2 processes), then "
        f"{opts.probe} more are created one by one on one process and every statement "
        "they ran is counted.",
        "",
        "| tenants present | filling to it (s) | one more tenant (ms) |",
        "|---|---|---|",
    ]
    for level, fill_s, per_tenant, _ in results:
        lines.append(f"| {level:,} | {fill_s:.1f} | {per_tenant * 1000:.1f} |")
    first, last = results[0][3], results[-1][3]
    probe = opts.probe
    growth = []
    for query, (calls, total) in last.items():
        before = first.get(query, (0, 0.0))[1]
        growth.append((total / probe - before / probe, before / probe, total / probe, calls, query))
    growth.sort(reverse=True)
    lines += [
        "",
        f"Statements by growth of their time per created tenant, {results[0][0]:,} → "
        f"{results[-1][0]:,} tenants present (ms per tenant; calls over the {probe} created):",
        "",
        "| growth | at first | at last | calls | statement |",
        "|---|---|---|---|---|",
    ]
    for grew, before, after, calls, query in growth[:15]:
        text = " ".join(query.split())[:160].replace("|", "\\|")
        lines.append(f"| {grew:.2f} | {before:.2f} | {after:.2f} | {calls} | `{text}` |")
    lines += [
        "",
        f"The statements taking the most time per created tenant at {results[-1][0]:,} tenants"
        " present (ms per tenant):",
        "",
        "| ms | calls | statement |",
        "|---|---|---|",
    ]
    for query, (calls, total) in sorted(last.items(), key=lambda kv: -kv[1][1])[:15]:
        text = " ".join(query.split())[:160].replace("|", "\\|")
        lines.append(f"| {total / probe:.2f} | {calls} | `{text}` |")
    kinds = {}  # the statement's first two words: CREATE TABLE, COMMENT ON, ...
    for query, (calls, total) in last.items():
        kind = " ".join(query.split()[:2]).upper()
        before = kinds.get(kind, (0, 0.0))
        kinds[kind] = (before[0] + calls, before[1] + total)
    lines += [
        "",
        f"The same at {results[-1][0]:,} tenants by kind of statement (ms and statements per"
        " created tenant):",
        "",
        "| ms | statements | kind |",
        "|---|---|---|",
    ]
    for kind, (calls, total) in sorted(kinds.items(), key=lambda kv: -kv[1][1])[:12]:
        lines.append(f"| {total / probe:.2f} | {calls / probe:.1f} | `{kind}` |")
    total_first = sum(t for _, t in first.values()) / probe
    total_last = sum(t for _, t in last.values()) / probe
    lines += [
        "",
        f"All statements: {total_first:.1f} ms a tenant at first, {total_last:.1f} ms at the "
        "last level (server time; the rest of a tenant's time is the client and round trips).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "TENANT_GROWTH.md").write_text(report)


if __name__ == "__main__":
    main()
