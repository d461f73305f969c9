"""Issue 27: a release whose migration moves every tenant's rollups (t0022: one folded
table a source), upgraded over a fleet that the code before it made.

    .venv/bin/python -m benchmarks.release_upgrade REV [--tenants 10000] [--jobs 2]
        [--filled 200] [--filled-appointments 2000]   # writes RELEASE_UPGRADE.md

REV's tree (`git archive`, unpacked as benchmarks.against does) makes the fleet with its
own code on a fresh embedded server under benchmarks/out/release-pgdata: the shared
schema, the probe tenant (10,000 appointments, folded) and --tenants tenants with its own
`flask tenants create-many --jobs N`. The first --filled of those get a catalog and
--filled-appointments appointments (benchmarks/data.py's SQL, the booking tables only),
their changes left unfolded, as behind a worker that is late. Every report of the probe
and of the filled tenants is asked at a fixed instant with REV's objects.

Then this checkout's `flask db upgrade --jobs N` over all of them, while a reader asks the
probe tenant's dashboard again and again as the app does (READ COMMITTED, the schema
entered by public.enter_tenant) and compares its appointments with a count made before
(a difference or an error is printed and counted). Afterwards: how many tenants are not
at this checkout's head revision, how many reports answer otherwise than before, and
what `rollup_differences()` finds in the probe and the filled tenants.
"""

import argparse
import csv
import datetime
import os
import shutil
import subprocess
import sys
import threading
import time

import psycopg
from psycopg import sql

from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from benchmarks import data
from benchmarks.against import prepare, unpack
from benchmarks.run import OUT, ROOT, _machine

REPORT = "SELECT (dashboard_report() ->> 'total_appointments_all_time')::bigint"
# Every report, at one instant for both sides (the data is relative to the load's now()).
REPORTS = [
    ("dashboard", "dashboard_report(p_now => %(now)s)"),
    ("appointments 30", "appointments_report(30, p_now => %(now)s)"),
    ("appointments 365", "appointments_report(365, p_now => %(now)s)"),
    ("revenue 365", "revenue_report(365, p_now => %(now)s)"),
    ("customers 365", "customers_report(365, p_now => %(now)s)"),
    ("team 30", "team_report(30, p_now => %(now)s)"),
    ("heatmap 90", "heatmap_report(90, p_now => %(now)s)"),
    ("seasonality 2 years", "seasonality_report(2, p_now => %(now)s)"),
    ("outlook month", "outlook_report(p_now => %(now)s)"),
    ("retention 12 months", "retention_report(12, p_now => %(now)s)"),
    ("at-risk first page", "at_risk_report(p_now => %(now)s)"),
]


def _enter(conn, schema):
    conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))


def answers(url, schemas, now):
    """{schema: [each report's answer as text]}."""
    with psycopg.connect(url, autocommit=True) as conn:
        out = {}
        for schema in schemas:
            _enter(conn, schema)
            out[schema] = [
                conn.execute(f"SELECT ({call})::text", {"now": now}).fetchone()[0]
                for _name, call in REPORTS
            ]
        return out


def fill(url, schemas, appointments):
    """A catalog and `appointments` appointments in each schema, their changes unfolded."""
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            _enter(conn, schema)
            with conn.transaction():
                for text in (data.CATALOG_SQL, data.APPOINTMENTS_SQL):
                    for statement in data.statements(text, appointments, data.CREATED_AT["ahead"]):
                        conn.execute(statement)


def _reader(url, expected, stop, seen):
    """The probe's dashboard, as the app asks it (READ COMMITTED, the schema entered by
    public.enter_tenant), against its confirmed appointments counted before the upgrade
    (nothing writes to the probe meanwhile), until stopped."""
    with psycopg.connect(url) as conn:
        while not stop.is_set():
            try:
                conn.execute("SELECT public.enter_tenant('probe')")
                (report,) = conn.execute(REPORT).fetchone()
                conn.commit()
            except psycopg.Error as err:
                conn.rollback()
                seen["errors"] += 1
                print(f"  reader error: {str(err).strip()[:200]}", flush=True)
                continue
            seen["reads"] += 1
            if report != expected:
                seen["differences"] += 1
                print(f"  difference: report {report}, expected {expected}", flush=True)
            time.sleep(0.05)


def _flask(tree, url, log, *args):
    """Seconds a flask command of `tree` took; its output goes to `log`."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "benchmark-only"}
    env["PYTHONPATH"] = str(tree)
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return time.perf_counter() - started, done.returncode


def make_fleet(tree, url, opts):
    """REV's fleet: the probe, then --tenants tenants made by its create-many. Seconds."""
    prepare(tree, url, "probe", 10_000)
    listing = OUT / "release-tenants.csv"
    with listing.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["schema", "name", "plan", "timezone"])
        for i in range(opts.tenants):
            zone = "Europe/Paris" if i % 2 else "America/New_York"
            writer.writerow([f"shop{i:05d}", f"Shop {i}", "bench", zone])
    seconds, code = _flask(
        tree, url, OUT / "release-create.log", "tenants", "create-many", str(listing),
        "--jobs", str(opts.jobs),
    )  # fmt: skip
    if code:
        sys.exit(f"create-many of {tree.name} failed: see {OUT / 'release-create.log'}")
    return seconds


def not_at_head(url):
    """The tenants whose own alembic_version is not this checkout's head."""
    head = migrate.head("tenant")
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [r[0] for r in conn.execute("SELECT schema_name FROM public.tenants")]
        return sum(
            conn.execute(
                sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(s))
            ).fetchone()[0]
            != head
            for s in schemas
        )


def verify(url, schemas):
    """rollup_differences()'s rows in these schemas (keys whose figures differ from a
    recount), summed."""
    with psycopg.connect(url, autocommit=True) as conn:
        found = 0
        for schema in schemas:
            _enter(conn, schema)
            found += conn.execute("SELECT count(*) FROM rollup_differences()").fetchone()[0]
        return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rev", help="the code before the release, e.g. 868b3c3 (before t0022)")
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--filled", type=int, default=200)
    parser.add_argument("--filled-appointments", type=int, default=2_000)
    opts = parser.parse_args()
    tree, commit = unpack(opts.rev, ROOT, OUT)
    folder = OUT / "release-pgdata"
    shutil.rmtree(folder, ignore_errors=True)
    url = start_embedded(folder, cleanup_mode="stop")
    print(f"{opts.tenants:,} tenants by {commit[:12]} ...", flush=True)
    create_s = make_fleet(tree, url, opts)
    filled = [f"shop{i:05d}" for i in range(min(opts.filled, opts.tenants))]
    print(f"  {create_s:.0f} s; filling {len(filled)} ...", flush=True)
    fill(url, filled, opts.filled_appointments)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    checked = ["probe", *filled]
    before = answers(url, checked, now)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        _enter(conn, "probe")
        (expected,) = conn.execute(
            "SELECT count(*) FROM appointments WHERE status = 'confirmed'"
        ).fetchone()
    print("flask db upgrade with this checkout, a reader beside it ...", flush=True)
    stop, seen = threading.Event(), {"reads": 0, "differences": 0, "errors": 0}
    reader = threading.Thread(target=_reader, args=(url, expected, stop, seen), daemon=True)
    reader.start()
    log = OUT / "release-upgrade.log"
    upgrade_s, code = _flask(ROOT, url, log, "db", "upgrade", "--jobs", str(opts.jobs))
    stop.set()
    reader.join(10)
    after = answers(url, checked, now)
    changed = sum(b != a for s in checked for b, a in zip(before[s], after[s], strict=True))
    result = {
        "commit": commit, "create_s": create_s, "upgrade_s": upgrade_s, "exit": code,
        "left": not_at_head(url), "changed": changed, "checked": len(checked),
        "verify": verify(url, checked), "seen": seen, "filled": len(filled),
        "progress": [ln.strip() for ln in log.read_text().splitlines() if ln.startswith("progress:")],
    }  # fmt: skip
    write(opts, result, _machine(url))


def write(opts, r, machine):
    n = opts.tenants + 1
    progress = r["progress"][:: max(1, len(r["progress"]) // 8)] + r["progress"][-1:]
    lines = [
        "# A release that moves every tenant's rollups, over a fleet (issue 27)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.release_upgrade"
        f" {opts.rev} --tenants {opts.tenants} --jobs {opts.jobs} --filled {opts.filled}"
        f" --filled-appointments {opts.filled_appointments}` on {machine['cores']} cores"
        f" ({machine['cpu']}): one embedded server, PostgreSQL's own settings.",
        "",
        "| step | measured |",
        "|---|---|",
        f"| the fleet, by `{r['commit'][:12]}` (`flask tenants create-many --jobs"
        f" {opts.jobs}`) | {opts.tenants:,} tenants in {r['create_s']:.0f} s, beside the"
        " probe (10,000 appointments, folded) |",
        f"| filled | {r['filled']} of them, {opts.filled_appointments:,} appointments each"
        " (booked ahead, payments), every change left unfolded |",
        f"| `flask db upgrade --jobs {opts.jobs}` with this checkout | {n:,} tenants in"
        f" {r['upgrade_s']:.0f} s ({r['upgrade_s'] / n * 1000:.1f} ms a tenant; 10,000 at"
        f" this rate: {r['upgrade_s'] / n * 10_000 / 60:.1f} min), exit {r['exit']} |",
        f"| tenants not at the head revision afterwards | {r['left']} |",
        f"| the probe's reader meanwhile (its dashboard's appointments, READ COMMITTED as the"
        " app asks, against a count made before) |"
        f" {r['seen']['reads']:,} reads, {r['seen']['differences']} differences,"
        f" {r['seen']['errors']} errors |",
        f"| reports answering otherwise than before (at one instant; {len(REPORTS)} forms"
        f" × {r['checked']} tenants) | {r['changed']} |",
        f"| keys differing from a recount (`rollup_differences()`) in those {r['checked']}"
        f" tenants afterwards | {r['verify']} |",
        "",
        "The upgrade's progress lines (every eighth, and the last):",
        "",
        "```",
        *progress,
        "```",
        "",
    ]
    (ROOT / "benchmarks" / "RELEASE_UPGRADE.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
