"""Issue 16: 10,000 tenants — creating them, migrating them, and p50 with them present.

    .venv/bin/python -m benchmarks.many_tenants [--tenants 10000] [--jobs 2]
        [--limit-s 1800] [--requests 300] [--setting NAME=VALUE ...]

One embedded server under benchmarks/out/many-pgdata (PostgreSQL's own settings, or
those given with --setting), two databases in it: `one`
holds a single tenant (`probe`, 10,000 appointments); `many` holds the same probe
tenant and then --tenants empty tenants, created the operator's way: `flask tenants
create-many FILE --jobs N` (a CSV of schema,name,plan,timezone). The command is
stopped after --limit-s seconds if it has not finished; the count reached is reported.
Then `flask db upgrade --jobs N` passes over every tenant (nothing to do: how long a
no-op migration of all of them takes), catalog sizes are read, and two gunicorn
servers (one per database) answer the probe tenant's reports with requests
alternating between them, so both see the same machine, directly and through one
PgBouncer in front of both databases. Last, a release that changed one report function
(_changed_function): 100 tenants upgraded the old way, the rest with `flask db upgrade
--jobs N`. Writes benchmarks/MANY_TENANTS.md.
"""

import argparse
import csv
import datetime
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from analytics_app import create_app
from analytics_app.db import catalogue, fold, migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from benchmarks import cpu_split, data, load
from benchmarks.pgbouncer import FORMS
from benchmarks.run import ENDPOINTS, OUT, ROOT, _free_port, _key, _serve

PROBE_APPOINTMENTS = 10_000


def _prepare(url):
    """Migrate, add the plan and the probe tenant; return the probe's API key."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
        db.session.commit()
        data.make_tenant("probe", PROBE_APPOINTMENTS)
        key = _key("probe")
        for engine in db.engines.values():
            engine.dispose()
    return key


def _flask(url, *args, log=None, limit_s=None, cpu=None):
    """Run a flask command on `url`; return (seconds, finished, progress marks). With a list
    as `cpu`, the CPU of every process meanwhile (benchmarks.cpu_split) is appended to it."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "benchmark-only"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its worker processes too are stopped at the limit
    )
    sampler = cpu_split.CpuSplit(proc.pid) if cpu is not None else None
    marks = []  # (lines seen, seconds, CPU so far or None) every 1,000 progress lines

    def read():
        count = 0
        for line in proc.stdout:
            if log:
                log.write(line)
            if line.startswith("["):
                count += 1
                if count % 1000 == 0:
                    at = time.perf_counter() - started
                    marks.append((count, at, sampler.snapshot() if sampler else None))
                    print(f"  {count:,} after {marks[-1][1]:.0f} s", flush=True)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=limit_s)
        finished = proc.returncode == 0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        finished = False
    reader.join(10)
    if sampler:
        cpu.append(sampler.stop())
    return time.perf_counter() - started, finished, marks


def _wal(url):
    """WAL bytes and full-page images written, and checkpoints begun, so far."""
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT wal_bytes, wal_fpi, (SELECT num_timed + num_requested"
            " FROM pg_stat_checkpointer) FROM pg_stat_wal"
        ).fetchone()


def _catalog(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM public.tenants),"
            " pg_database_size(current_database()),"
            " (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_proc),"
            " (SELECT count(*) FROM pg_attribute)"
        ).fetchone()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit-s", type=int, default=1800)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting for the run (ALTER SYSTEM), e.g. max_wal_size=16GB; repeatable",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the tenants a previous run made: migrate public and the probe tenant to"
        " this checkout's head, then measure p50 again; writes benchmarks/MANY_TENANTS_P50.md",
    )
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="with --reuse: measure p50 through PgBouncer as well",
    )
    opts = parser.parse_args()
    if opts.reuse:
        return _reuse(opts)
    folder = OUT / "many-pgdata"
    shutil.rmtree(folder, ignore_errors=True)
    many = start_embedded(folder, cleanup_mode="stop")
    settings = dict(setting.split("=", 1) for setting in opts.setting)
    with psycopg.connect(many, autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")
    one = make_url(many).set(database="one").render_as_string(hide_password=False)
    with psycopg.connect(
        make_url(many).set(database="postgres").render_as_string(), autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE one")
    print("probe tenants ...", flush=True)
    keys = {"one": _prepare(one), "many": _prepare(many)}

    listing = OUT / "many-tenants.csv"
    with listing.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["schema", "name", "plan", "timezone"])
        for i in range(opts.tenants):
            writer.writerow([f"shop{i:05d}", f"Shop {i}", "bench", "Europe/Paris"])
    print(f"creating {opts.tenants:,} tenants, --jobs {opts.jobs} ...", flush=True)
    wal = _wal(many)
    cpu = []
    with (OUT / "many-tenants-create.log").open("w") as log:
        create_s, created_all, marks = _flask(
            many, "tenants", "create-many", str(listing), "--jobs", str(opts.jobs),
            log=log, limit_s=opts.limit_s, cpu=cpu,
        )  # fmt: skip
    wal = [after - before for before, after in zip(wal, _wal(many), strict=False)]
    wal += [settings, cpu[0] + (create_s,)]
    created = _catalog(many)[0] - 1
    print(f"  {created:,} created in {create_s:.0f} s", flush=True)
    print("flask db upgrade (nothing to do) ...", flush=True)
    with (OUT / "many-tenants-upgrade.log").open("w") as log:
        upgrade_s, upgraded, _ = _flask(many, "db", "upgrade", "--jobs", str(opts.jobs), log=log)
    with psycopg.connect(many, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    catalogs = {"one": _catalog(one), "many": _catalog(many)}

    workers = _workers(many)
    results = _p50(one, many, keys, opts.requests)
    bounced = _through_pgbouncer(many, keys, opts.requests)
    changed = _changed_function(many, opts)
    _write(
        opts, created, created_all, create_s, marks, upgrade_s, upgraded, catalogs, results,
        changed, bounced, wal, workers,
    )  # fmt: skip


WORKERS = """
import statistics, sys, time
from analytics_app import create_app
from analytics_app.db import fold
from analytics_app.extensions import db
from analytics_app.webhooks import delivery
url = sys.argv[1]
app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})

def median_s(call, n=5):
    call()  # a warm connection, as a long-running worker or server has
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)

with fold.connect(url) as conn:
    schemas = fold.tenant_schemas(conn)
    print("sweep_all", median_s(lambda: fold.waiting(conn, schemas), 3))
    batches = fold._round_robin(conn)
    print("sweep_round", median_s(lambda: fold.waiting(conn, next(batches))))
with app.app_context():
    client = app.test_client()
    print("readyz", median_s(lambda: client.get("/readyz").get_json()["status"]))
    print("deliver_round", median_s(lambda: delivery.deliver_all(db.session, echo=print)))
"""


def _workers(url):
    """What the workers and /readyz cost with every tenant present: seconds, medians on a
    warm connection (the fold worker's sweep of every tenant, as when it starts, and of one
    round-robin batch; /readyz; one round of `flask webhooks deliver`), and one whole
    `flask alerts check` (a new process, every tenant with advanced_analytics)."""
    print("workers and /readyz ...", flush=True)
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-c", WORKERS, url], cwd=ROOT, env=env, capture_output=True, text=True
    )
    found = dict(
        (parts[0], float(parts[1]))
        for parts in (line.split() for line in out.stdout.splitlines())
        if len(parts) == 2 and parts[0] in ("sweep_all", "sweep_round", "readyz", "deliver_round")
    )
    with (OUT / "many-tenants-alerts.log").open("w") as log:
        found["alerts_check"], found["alerts_finished"], _ = _flask(
            url, "alerts", "check", log=log, limit_s=1800
        )
    print(f"  {found}", flush=True)
    return found


CHANGED = "dashboard_report"
OLD_WAY_SAMPLE = 100
OLD_WAY = """
import sys, time
from analytics_app import create_app
from analytics_app.db import catalogue, fold, migrate
from analytics_app.extensions import db
catalogue.REPLACE_IN_PLACE = False  # the drop-and-create path (forked workers inherit it)
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "benchmark-only"})
with app.app_context():
    started = time.perf_counter()
    migrate.upgrade_all(db.engine, echo=lambda _l: None, jobs=int(sys.argv[2]), only=sys.argv[3:])
    print(time.perf_counter() - started)
"""


def mark_changed(url, objects, limit=0, only=()):
    """Make these catalogue files' recorded checksums differ in every tenant (or the probe
    and the first `limit` others), as a release that changed the files does; the schemas.
    only: the release changed only the statements creating these objects (see
    mark_schemas_changed)."""
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [r[0] for r in conn.execute("SELECT schema_name FROM public.tenants ORDER BY id")]
        schemas = schemas[: limit + 1] if limit else schemas  # the probe was made first
        mark_schemas_changed(conn, schemas, objects, only)
    return schemas


def mark_schemas_changed(conn, schemas, objects, only=()):
    """mark_changed for these schemas, on `conn` (autocommit). only: names of functions or
    views; their files' other statements are then on record as applied (the statements
    row catalogue.released writes), so that an upgrade runs the named ones alone, as
    after a release that changed only them. Without: the files are applied whole."""
    kept = [
        catalogue.released(e, set(only))
        for e in catalogue.CATALOGUE
        if only and e.file in objects and catalogue.statements_row(e)
    ]
    for schema in schemas:
        state = f'"{schema}".analytics_objects_state'
        mark = sql.SQL(f"UPDATE {state} SET checksum = 'changed' WHERE object = ANY({{}})").format(
            sql.Literal(list(objects))
        )
        # One round trip a schema: the mark, and the statements rows as catalogue records them.
        conn.execute(
            sql.SQL(";\n").join([mark] + ([catalogue.upsert_rows(kept, state)] if kept else []))
        )


def still_changed(url, schemas, objects):
    """How many of mark_changed's marks no upgrade has cleared (autocommit: one transaction
    reading 10,000 tenants' tables runs out of lock slots)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return sum(
            conn.execute(
                f'SELECT count(*) FROM "{schema}".analytics_objects_state'
                " WHERE object = ANY(%s) AND checksum = 'changed'",
                (list(objects),),
            ).fetchone()[0]
            for schema in schemas
        )


def _changed_function(url, opts):
    """`flask db upgrade --jobs N` after a release that changed one report function: every
    tenant's recorded checksum of its file is made to differ (what a changed file makes),
    then OLD_WAY_SAMPLE tenants are upgraded the old way (drop, create, comment, grants by
    name), side by side with the rest the shipped way (replaced in place)."""
    schemas = mark_changed(url, [CHANGED])
    sample = schemas[1 : 1 + min(OLD_WAY_SAMPLE, len(schemas) // 10)]
    print(f"{CHANGED} changed: the old way on {len(sample)} tenants ...", flush=True)
    old = subprocess.run(
        [sys.executable, "-c", OLD_WAY, url, str(opts.jobs), *sample],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    old_s = float(old.stdout.strip().splitlines()[-1])
    print(f"  {old_s:.1f} s; flask db upgrade over the rest ...", flush=True)
    with (OUT / "many-tenants-changed.log").open("w") as log:
        new_s, finished, _ = _flask(url, "db", "upgrade", "--jobs", str(opts.jobs), log=log)
    left = still_changed(url, schemas, [CHANGED])
    return {
        "tenants": len(schemas), "old_n": len(sample), "old_s": old_s,
        "new_n": len(schemas) - len(sample), "new_s": new_s, "finished": finished, "left": left,
    }  # fmt: skip


def _reuse(opts):
    many = start_embedded(OUT / "many-pgdata", cleanup_mode="stop")
    one = make_url(many).set(database="one").render_as_string(hide_password=False)
    upgraded = {}
    for name, url in (("one", one), ("many", many)):
        # public and the probe tenant only: the others' objects are not on the probe's path.
        print(f"flask db upgrade --tenant probe on {name} ...", flush=True)
        with (OUT / f"many-tenants-reuse-{name}.log").open("w") as log:
            upgraded[name] = _flask(url, "db", "upgrade", "--tenant", "probe", log=log)
    keys = {}
    for name, url in (("one", one), ("many", many)):
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
        with app.app_context():
            keys[name] = _key("probe")
            for engine in db.engines.values():
                engine.dispose()
    catalogs = {"one": _catalog(one), "many": _catalog(many)}
    results = _p50(one, many, keys, opts.requests)
    ratios = {f: r["many"] / r["one"] for f, r in results.items()}
    seconds, finished, _ = upgraded["many"]
    bounced = _through_pgbouncer(many, keys, opts.requests) if opts.pgbouncer else None
    lines = [
        "# p50 with thousands of tenants, again (issue 16)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.many_tenants --reuse`: the "
        f"server `many_tenants` left ({catalogs['many'][0]:,} tenants in `many`, one in "
        "`one`), migrated to this checkout's head, then the probe tenant's reports, "
        f"requests alternating between the two databases ({opts.requests} per form and "
        "database, gunicorn with the shipped configuration).",
        "",
        f"`flask db upgrade --tenant probe` (public and the probe tenant) to the head: "
        f"{seconds:.0f} s{'' if finished else ' (failed)'}. The other tenants keep the "
        "objects of the run that made them; no request reads them.",
        "",
        "| endpoint | one tenant | with the others | ratio |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['one']:.2f} | {r['many']:.2f} | {ratios[form]:.2f}x |")
    worst = max(ratios.values())
    targets = [
        f"| p50 with them present within 1.1x of one tenant | worst {worst:.2f}x | "
        f"{'met' if worst <= 1.1 else '**missed**'} |",
    ]
    if bounced:
        lines += [
            "",
            "The same through PgBouncer (Debian's, transaction mode, server pool 4 per "
            "database, both databases behind one PgBouncer; the app with "
            "DB_PREPARE_THRESHOLD=none), requests alternating between the databases:",
            "",
            "| endpoint | one tenant | with the others | ratio |",
            "|---|---|---|---|",
        ]
        for form, r in bounced.items():
            lines.append(
                f"| {form} | {r['one']:.2f} | {r['many']:.2f} | {r['many'] / r['one']:.2f}x |"
            )
        bounced_worst = max(r["many"] / r["one"] for r in bounced.values())
        targets.append(
            f"| through PgBouncer: p50 with them present within 1.1x of one tenant | worst "
            f"{bounced_worst:.2f}x | {'met' if bounced_worst <= 1.1 else '**missed**'} |"
        )
    lines += ["", "| target | measured | |", "|---|---|---|", *targets]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "MANY_TENANTS_P50.md").write_text(report)


def _through_pgbouncer(many, keys, requests):
    """_p50 with both databases behind one PgBouncer in transaction mode."""
    from tests.pgbouncer import PgBouncer

    bouncer = PgBouncer(many, OUT / "many-pgbouncer", pool_size=4).start()
    try:
        print("through PgBouncer ...", flush=True)
        return _p50(
            bouncer.url("one"), bouncer.url(make_url(many).database), keys, requests,
            extra_env={"DB_PREPARE_THRESHOLD": "none"},
        )  # fmt: skip
    finally:
        bouncer.stop()


def _p50(one, many, keys, requests, extra_env=None):
    """Each report form's median ms on a server per database, requests alternating."""
    ports = {"one": _free_port(), "many": _free_port()}
    servers = [
        _serve(one, ports["one"], extra_env=extra_env),
        _serve(many, ports["many"], extra_env=extra_env),
    ]
    try:
        results = {}
        for form in FORMS:
            print(f"{form} ...", flush=True)
            results[form] = _alternating(ports, keys, ENDPOINTS[form], requests)
        return results
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(10)


def _alternating(ports, keys, path, requests, warmup=20):
    """Median ms per server; requests alternate, each server with its own probe key."""
    clients = {name: load.Client(port, "probe.bench", keys[name]) for name, port in ports.items()}
    for _ in range(warmup):
        for c in clients.values():
            c.get(path)
    samples = {name: [] for name in ports}
    for _ in range(requests):
        for name, c in clients.items():
            started = time.perf_counter()
            status, _ = c.get(path)
            samples[name].append((time.perf_counter() - started) * 1000)
            assert status == 200, (name, path, status)
    return {name: statistics.median(s) for name, s in samples.items()}


def _write(
    opts, created, created_all, create_s, marks, upgrade_s, upgraded, catalogs, results, changed,
    bounced, wal, workers,
):  # fmt: skip
    ratios = {f: r["many"] / r["one"] for f, r in results.items()}
    rate = created / create_s if create_s else 0
    lines = [
        "# 10,000 tenants (issue 16)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.many_tenants --tenants "
        f"{opts.tenants} --jobs {opts.jobs} --limit-s {opts.limit_s}"
        + "".join(f" --setting {s}" for s in opts.setting)
        + "` on this 2-core machine: one "
        "embedded server, database `one` (a probe tenant with "
        f"{PROBE_APPOINTMENTS:,} appointments) and database `many` (the same probe tenant, "
        "then the tenants below, created with `flask tenants create-many`).",
        "",
        "| step | measured |",
        "|---|---|",
        f"| `flask tenants create-many --jobs {opts.jobs}` | {created:,} tenants in {create_s:.0f} s"
        f" ({rate:.1f}/s){'' if created_all else f'; stopped at the {opts.limit_s} s limit'} |",
    ]
    for count, seconds, _cpu in marks:
        lines.append(f"| ... the first {count:,} | {seconds:.0f} s |")
    wal_bytes, fpi, checkpoints, settings, cpu = wal
    lines += [
        f"| WAL written while creating | {wal_bytes / 2**30:.1f} GB ({wal_bytes / max(created, 1) / 2**20:.2f} MB"
        f" a tenant), {fpi:,} full-page images ({fpi / max(created, 1):.0f} a tenant),"
        f" {checkpoints} checkpoints begun; server settings: "
        + (", ".join(f"`{k} = {v}`" for k, v in settings.items()) or "PostgreSQL's defaults")
        + " |",
    ]
    lines += [
        f"| `flask db upgrade --jobs {opts.jobs}` over all, nothing to do | {upgrade_s:.0f} s"
        f"{'' if upgraded else ' (failed)'} |",
        f"| {CHANGED} changed, the old way (drop, create, comment and grants by name):"
        f" {changed['old_n']:,} tenants | {changed['old_s']:.1f} s"
        f" ({changed['old_s'] / changed['old_n'] * 1000:.0f} ms a tenant) |",
        f"| {CHANGED} changed, `flask db upgrade --jobs {opts.jobs}` (replaced in place):"
        f" the other {changed['new_n']:,} | {changed['new_s']:.0f} s"
        f" ({changed['new_s'] / changed['new_n'] * 1000:.1f} ms a tenant)"
        f"{'' if changed['finished'] else ' (failed)'}; {changed['left']} left unchanged |",
    ]
    lines += _workers_lines(workers, created)
    (split, busy, idle), wall = cpu[:3], cpu[3]
    lines += [
        "",
        f"CPU while the {created:,} tenants were created, by process (`benchmarks.cpu_split`:"
        " every process's CPU time read from /proc ten times a second; the last tenth of a"
        " second of a process that exits is missed, hence the check from the postmaster):",
        "",
        "| process | CPU | a tenant |",
        "|---|---|---|",
        *cpu_split.lines(split, busy, idle, wall, created),
    ]
    if marks:
        lines += [
            "",
            "The same, thousand by thousand (ms of CPU a tenant created in each):",
            "",
            *cpu_split.interval_lines(marks),
        ]
    lines += [
        "",
        "| catalog | `one` | `many` |",
        "|---|---|---|",
    ]
    names = ["tenants", "database size (MB)", "pg_class rows", "pg_proc rows", "pg_attribute rows"]
    for i, name in enumerate(names):
        a, b = catalogs["one"][i], catalogs["many"][i]
        if i == 1:
            a, b = a / 2**20, b / 2**20
        lines.append(f"| {name} | {a:,.0f} | {b:,.0f} |")
    lines += [
        "",
        f"HTTP p50 of the probe tenant's reports, ms (gunicorn, shipped configuration, "
        f"{opts.requests} requests per form and server, alternating):",
        "",
        "| endpoint | one tenant | with the others | ratio |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['one']:.2f} | {r['many']:.2f} | {ratios[form]:.2f}x |")
    lines += [
        "",
        "The same through PgBouncer (Debian's, transaction mode, server pool 4 per database, "
        "both databases behind one PgBouncer; the app with DB_PREPARE_THRESHOLD=none):",
        "",
        "| endpoint | one tenant | with the others | ratio |",
        "|---|---|---|---|",
    ]
    for form, r in bounced.items():
        lines.append(f"| {form} | {r['one']:.2f} | {r['many']:.2f} | {r['many'] / r['one']:.2f}x |")
    bounced_worst = max(r["many"] / r["one"] for r in bounced.values())
    worst = max(ratios.values())
    per_10k = 10_000 / rate if rate else float("inf")
    per_tenant = changed["new_s"] / changed["new_n"]
    changed_ok = changed["finished"] and not changed["left"]
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| 10,000 tenants created and migrated in ≤ 10 minutes | {created:,} in "
        f"{create_s / 60:.1f} min (at that rate 10,000 would take {per_10k / 60:.0f} min) | "
        f"{'met' if created >= 10_000 and create_s <= 600 else '**missed**'} |",
        f"| p50 with them present within 1.1x of one tenant | worst {worst:.2f}x | "
        f"{'met' if worst <= 1.1 else '**missed**'} |",
        f"| through PgBouncer: p50 with them present within 1.1x of one tenant | worst "
        f"{bounced_worst:.2f}x | {'met' if bounced_worst <= 1.1 else '**missed**'} |",
        f"| `flask db upgrade` after a change to one report function ≤ 5 minutes for 10,000 "
        f"| {per_tenant * 10_000 / 60:.1f} min at this rate (the old way: "
        f"{changed['old_s'] / changed['old_n'] * 10_000 / 60:.0f} min) | "
        f"{'met' if per_tenant * 10_000 <= 300 and changed_ok else '**missed**'} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "MANY_TENANTS.md").write_text(report)


def _workers_lines(w, created):
    def ms(name):
        return f"{w[name] * 1000:.0f} ms" if name in w else "(not measured)"

    return [
        f"| the fold worker's sweep of all {created + 1:,} tenants (at its start), median"
        f" of 3 | {ms('sweep_all')} |",
        f"| ... of one round-robin batch of {fold.SWEEP_BATCH} (each `--interval`), median of 5"
        f" | {ms('sweep_round')} |",
        f"| `GET /readyz` (both backlogs), median of 5 | {ms('readyz')} |",
        f"| one round of `flask webhooks deliver` (no endpoint anywhere), median of 5 |"
        f" {ms('deliver_round')} |",
        f"| `flask alerts check` over every tenant (a new process) | {w['alerts_check']:.0f} s"
        f" ({w['alerts_check'] / (created + 1) * 1000:.0f} ms a tenant)"
        f"{'' if w['alerts_finished'] else ' (failed or stopped at 30 min)'} |",
    ]


if __name__ == "__main__":
    main()
