"""Issue 16: HTTP p50 through PgBouncer (transaction mode) against direct, in one run.

    .venv/bin/python -m benchmarks.pgbouncer [--appointments 100000] [--requests 300]

Starts its own embedded server under benchmarks/out/pgbouncer-pgdata, a tenant with
generated history, Debian's PgBouncer in front of it (tests/pgbouncer.py; server pool
of 4 for 2 workers x 4 threads), and two gunicorn servers with the shipped
configuration: one on the database directly, one through PgBouncer with
DB_PREPARE_THRESHOLD=none. Requests alternate between the two servers, endpoint by
endpoint, so both see the same machine. Writes benchmarks/PGBOUNCER.md.
"""

import argparse
import datetime
import shutil
import statistics
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from benchmarks import data, load
from benchmarks.run import ENDPOINTS, OUT, ROOT, _free_port, _key, _serve
from tests.pgbouncer import PgBouncer

FORMS = (
    "dashboard",
    "appointments days=30",
    "appointments days=365",
    "revenue days=30",
    "customers days=30",
    "team days=30",
    "heatmap days=30",
)


def _alternating(ports, host, key, path, requests, warmup=20):
    clients = {name: load.Client(port, host, key) for name, port in ports.items()}
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    opts = parser.parse_args()
    folder = OUT / "pgbouncer-pgdata"
    shutil.rmtree(folder, ignore_errors=True)
    url = start_embedded(folder, cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        if not db.session.execute(
            text("SELECT 1 FROM public.subscription_plans WHERE name = 'bench'")
        ).first():
            tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
            db.session.commit()
        print(f"loading {opts.appointments:,} appointments ...", flush=True)
        data.make_tenant("pgb", opts.appointments)
        key = _key("pgb")
    bouncer = PgBouncer(url, OUT / "pgbouncer", pool_size=4).start()
    via = bouncer.url(make_url(url).database)
    ports = {"direct": _free_port(), "pgbouncer": _free_port()}
    servers = [
        _serve(url, ports["direct"]),
        _serve(via, ports["pgbouncer"], extra_env={"DB_PREPARE_THRESHOLD": "none"}),
    ]
    try:
        results = {}
        for form in FORMS:
            print(f"{form} ...", flush=True)
            results[form] = _alternating(ports, "pgb.bench", key, ENDPOINTS[form], opts.requests)
        mixed = [ENDPOINTS[f] for f in FORMS if "365" not in f]
        throughput = {
            name: load.throughput(port, [("pgb.bench", key, p) for p in mixed], 8, 10)
            for name, port in ports.items()
        }
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(10)
        bouncer.stop()
    ratios = {f: r["pgbouncer"] / r["direct"] for f, r in results.items()}
    lines = [
        "# Through PgBouncer against direct (issue 16)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.pgbouncer`: "
        f"{opts.appointments:,} appointments, Debian's PgBouncer (transaction mode, server "
        "pool 4) on loopback, two gunicorn servers with the shipped configuration (2 workers "
        "x 4 threads each), requests alternating between them; medians of "
        f"{opts.requests} requests per form and server.",
        "",
        "| endpoint | direct p50 | through PgBouncer p50 | ratio |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['direct']:.2f} | {r['pgbouncer']:.2f} | {ratios[form]:.2f}x |")
    lines += [
        "",
        "| load (8 connections, python client, 10 s) | req/s | errors |",
        "|---|---|---|",
    ]
    for name, t in throughput.items():
        lines.append(f"| {name} | {t['rps']:.0f} | {t['errors']} |")
    worst = max(ratios.values())
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| p50 through PgBouncer within 1.3x of direct, every form | worst {worst:.2f}x | "
        f"{'met' if worst <= 1.3 else '**missed**'} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "PGBOUNCER.md").write_text(report)


if __name__ == "__main__":
    main()
