"""Issue 27: a release that changes how the rollups are defined, over 10,000 tenants.

    .venv/bin/python -m benchmarks.rollup_change [--jobs 2] [--entries a,b,...] [--tenants N]

Reuses the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata
(database `many`: the probe tenant with 10,000 appointments and the 10,000 others).
Every tenant's recorded checksums of the files a change to a rollup's definition
regenerates (--entries, default all six: facts, views, recount, fold, rebuild, verify; not
rollup_inputs, which changes only with the per-customer states' columns) are made to
differ, as such a release makes them; then `flask db upgrade --jobs N`
re-creates those files' objects (and the views over them) in each tenant and rebuilds
its rollups, each tenant in one transaction
(readers see the old rollups until it commits, the new ones after). Meanwhile a reader
on its own connection asks the probe tenant's dashboard and a recount of the same
figure in one snapshot, again and again: any difference is printed and counted.
Prints the time, the progress lines' rates and the reader's count.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

import psycopg
from sqlalchemy.engine import make_url

from analytics_app.db.embedded import start_embedded
from benchmarks.many_tenants import mark_changed, still_changed
from benchmarks.run import OUT, ROOT

GENERATED = (
    "rollup_facts", "rollup_views", "rollup_recount", "fold_rollups", "rebuild_rollups",
    "verify_rollups",
)  # fmt: skip
CHECK = """
SELECT (dashboard_report() ->> 'total_appointments_all_time')::bigint,
       (SELECT count(*) FROM appointments WHERE status = 'confirmed')
"""


def _reader(url, stop, seen):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET search_path TO probe, public")
        while not stop.is_set():
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                report, recount = conn.execute(CHECK).fetchone()
            seen["reads"] += 1
            if report != recount:
                seen["differences"] += 1
                print(f"  difference: report {report}, recount {recount}", flush=True)
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--entries", default=",".join(GENERATED))
    parser.add_argument(
        "--only", default="", help="the release changed only these functions/views of --entries"
    )
    parser.add_argument(
        "--tenants", type=int, default=0, help="only the probe and the first N others (0: all)"
    )
    opts = parser.parse_args()
    entries = opts.entries.split(",")
    url = start_embedded(OUT / "many-pgdata", cleanup_mode="stop")
    many = make_url(url).render_as_string(hide_password=False)
    only = [name for name in opts.only.split(",") if name]
    schemas = mark_changed(many, entries, opts.tenants, only)
    print(
        f"{entries} ({', '.join(only) or 'whole'}) changed in {len(schemas):,} tenants; flask db upgrade ...",
        flush=True,
    )
    stop, seen = threading.Event(), {"reads": 0, "differences": 0}
    reader = threading.Thread(target=_reader, args=(many, stop, seen), daemon=True)
    reader.start()
    env = {**os.environ, "DATABASE_URL": many, "SECRET_KEY": "benchmark-only"}
    started = time.perf_counter()
    with (OUT / "rollup-change-upgrade.log").open("w") as log:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "--jobs",
             str(opts.jobs)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    stop.set()
    reader.join(10)
    left = still_changed(many, schemas, entries)
    progress = [
        line.strip()
        for line in (OUT / "rollup-change-upgrade.log").read_text().splitlines()
        if line.startswith("progress:")
    ]
    print("\n".join(progress[:: max(1, len(progress) // 8)] + progress[-1:]))
    print(
        f"`flask db upgrade --jobs {opts.jobs}` after a change to {', '.join(entries)}: "
        f"{len(schemas):,} tenants in {seconds:.0f} s ({seconds / len(schemas) * 1000:.1f} ms"
        f" a tenant; 10,000 at this rate: {seconds / len(schemas) * 10_000 / 60:.0f} min),"
        f" exit {done.returncode}, {left} left unchanged; the probe tenant's"
        f" reader: {seen['reads']} reads, {seen['differences']} differences"
    )


if __name__ == "__main__":
    main()
