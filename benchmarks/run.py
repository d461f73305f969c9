"""Benchmark: rollup-backed reports over real HTTP at 10k / 100k / 1M appointments.

    .venv/bin/python -m benchmarks.run            # full run (~10 min), writes RESULTS.md
    .venv/bin/python -m benchmarks.run --quick    # 10k and 100k, 50 small tenants
    .venv/bin/python -m benchmarks.run --against REV   # and REV's code beside it (against.py)

Starts its own embedded PostgreSQL under benchmarks/out/ (or uses
BENCH_DATABASE_URL), generates the data in SQL, serves the app with gunicorn
(2 workers x 4 threads) and drives it with a keep-alive HTTP client on
loopback. Baselines are measured in the same run on the same data.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import accounts, tenant_admin
from benchmarks import against, baselines, data, export_memory, load, report, web_layer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
ENDPOINTS = {
    "dashboard": "/api/analytics/analytics/dashboard/",
    "appointments days=30": "/api/analytics/analytics/appointments/?days=30",
    "appointments days=365": "/api/analytics/analytics/appointments/?days=365",
    "revenue days=30": "/api/analytics/analytics/revenue/?days=30",
    # Part 2: a 30-day start/end range ending a month ago, and a year of revenue.
    "appointments 30-day range": f"/api/analytics/analytics/appointments/?start={datetime.date.today() - datetime.timedelta(days=59)}&end={datetime.date.today() - datetime.timedelta(days=30)}",
    "revenue days=365": "/api/analytics/analytics/revenue/?days=365",
    "customers days=30": "/api/analytics/analytics/customers/?days=30",
    "customers days=365": "/api/analytics/analytics/customers/?days=365",
    "customers 30-day range": f"/api/analytics/analytics/customers/?start={datetime.date.today() - datetime.timedelta(days=59)}&end={datetime.date.today() - datetime.timedelta(days=30)}",
    "team days=30": "/api/analytics/analytics/team/?days=30",
    "team days=365": "/api/analytics/analytics/team/?days=365",
    "heatmap days=30": "/api/analytics/analytics/heatmap/?days=30",
    "heatmap days=365": "/api/analytics/analytics/heatmap/?days=365",
}
# Asked side by side with an older revision too (--against): the endpoints above and
# the forms issue 25's bounds name.
AGAINST = {
    **ENDPOINTS,
    "seasonality years=2": "/api/analytics/analytics/seasonality/?years=2",
    "heatmap days=30 resource_id=1": "/api/analytics/analytics/heatmap/?resource_id=1",
    "heatmap days=30 resource_id=1,2,3": "/api/analytics/analytics/heatmap/?resource_id=1,2,3",
}


def _label(n):
    return f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _key(schema):
    tenant = tenant_admin.get_tenant(schema)
    user, _ = accounts.create_user(tenant, "bench@example.com")
    _, key = accounts.create_token(user, "bench")
    db.session.commit()
    return key


def _serve(url, port, app_path="wsgi:app", extra_env=None, cwd=ROOT):
    """gunicorn with the shipped gunicorn.conf.py (2 workers x 4 threads on this machine)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-only",
        "DB_POOL_SIZE": "4",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app_path],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,  # the JSON access log stays on, as shipped
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def _latencies(port, schema, key, requests):
    return {
        name: load.latency(port, f"{schema}.bench", key, path, requests)
        for name, path in ENDPOINTS.items()
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10k and 100k, 50 small tenants")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and size")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also serve REV's code with its own tenant of the largest size, and ask both"
        " every endpoint in alternating rounds (benchmarks/against.py)",
    )
    opts = parser.parse_args()
    sizes = [10_000, 100_000] if opts.quick else [10_000, 100_000, 1_000_000]
    small = 50 if opts.quick else 1000

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        shutil.rmtree(OUT / "pgdata", ignore_errors=True)
        url = start_embedded(OUT / "pgdata", cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    results = {
        "sizes": sizes,
        "small_tenants": small,
        "latency": {},
        "baselines": {},
        "machine": _machine(url),
    }
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        if not db.session.execute(
            text("SELECT 1 FROM public.subscription_plans WHERE name = 'bench'")
        ).first():
            tenant_admin.create_plan(
                "bench", ["advanced_analytics", "can_accept_payments", "can_export_data"]
            )
            db.session.commit()
        loads, keys = {}, {}
        for n in sizes:
            schema = f"b{_label(n)}"
            print(f"loading {n:,} appointments into {schema} ...", flush=True)
            loads[n] = data.make_tenant(schema, n)
            keys[n] = _key(schema)
        print(f"loading {sizes[-1]:,} appointments with triggers disabled ...", flush=True)
        results["load"] = {
            "with_triggers_s": loads[sizes[-1]],
            "without_triggers_s": data.make_tenant("braw", sizes[-1], triggers=False),
            "appointments": sizes[-1],
        }
        print(f"verify and rebuild at {sizes[-1]:,} ...", flush=True)
        results["upkeep"] = data.upkeep(f"b{_label(sizes[-1])}")
        for n in sizes:
            print(f"baselines at {n:,} ...", flush=True)
            results["baselines"][n] = baselines.measure(url, f"b{_label(n)}", "America/New_York")
        print("report functions on a warm connection; statements per request ...", flush=True)
        results["functions"] = {
            n: web_layer.function_p50(url, f"b{_label(n)}", opts.requests) for n in sizes
        }

    # Outside any app context, as a served request is (inside one, Flask would reuse it
    # and its `g` for every test-client request).
    results["statements"] = web_layer.statements_per_request(
        app,
        f"b{_label(sizes[-1])}.bench",
        keys[sizes[-1]],
        {name: ENDPOINTS[name] for name in web_layer.FUNCTIONS},
    )
    if opts.against:
        folder, commit = against.unpack(opts.against, ROOT, OUT)
        old_url = against.database_url(url)
        print(f"loading {sizes[-1]:,} appointments with {commit[:12]}'s code ...", flush=True)
        old_key, old_setup_s = against.prepare(folder, old_url, f"b{_label(sizes[-1])}", sizes[-1])
        results["against"] = {"rev": opts.against, "commit": commit, "setup_s": old_setup_s}
    port = _free_port()
    server = _serve(url, port)
    bare_port = _free_port()
    bare = _serve(url, bare_port, "benchmarks.bare:app")
    dbname = make_url(url).database
    old_server = None
    if opts.against:
        old_port = _free_port()
        old_server = _serve(old_url, old_port, cwd=folder)
    try:
        if opts.against:
            print(f"side by side with {commit[:12]} at {sizes[-1]:,} ...", flush=True)
            host = f"b{_label(sizes[-1])}.bench"
            results["against"]["latency"] = against.compare(
                {"before": (old_port, host, old_key), "now": (port, host, keys[sizes[-1]])},
                AGAINST,
                opts.requests,
            )
        for n in sizes:
            print(f"HTTP latency at {n:,} ...", flush=True)
            before = web_layer.transactions(url, dbname)
            results["latency"][n] = _latencies(port, f"b{_label(n)}", keys[n], opts.requests)
            sent = sum(v["n"] + 20 for v in results["latency"][n].values())  # with warm-up
            results.setdefault("transactions_per_request", {})[n] = (
                web_layer.transactions(url, dbname) - before
            ) / sent
        print("bare route ...", flush=True)
        results["bare"] = load.latency(bare_port, "bare", "none", "/bare", opts.requests)
        results["bare_throughput"] = load.throughput(bare_port, [("bare", "none", "/bare")], 8, 10)
        big = f"b{_label(sizes[-1])}.bench"
        mixed = [
            ENDPOINTS[name]
            for name in (
                "dashboard",
                "appointments days=30",
                "revenue days=30",
                "customers days=30",
                "team days=30",
                "heatmap days=30",
            )
        ]
        print("throughput, 8 connections x 15 s ...", flush=True)
        pg = web_layer.postgres_pids(url)
        cpu_web, cpu_pg = web_layer.cpu_seconds([server.pid]), web_layer.cpu_seconds(pg)
        results["throughput"] = load.wrk_throughput(
            port, big, keys[sizes[-1]], mixed, clients=8, seconds=15
        ) or load.throughput(port, [(big, keys[sizes[-1]], p) for p in mixed], 8, 15)
        done = results["throughput"]["requests"] or 1
        results["throughput"]["cpu_ms_web"] = (
            (web_layer.cpu_seconds([server.pid]) - cpu_web) * 1000 / done
        )
        results["throughput"]["cpu_ms_db"] = (web_layer.cpu_seconds(pg) - cpu_pg) * 1000 / done
        print("export memory ...", flush=True)
        results["export"] = {
            fmt: export_memory.measure(
                server.pid, port, big, keys[sizes[-1]], f"/api/export/appointments/?format={fmt}"
            )
            for fmt in ("csv", "jsonl")
        }
        # The 10k tenant again just before the small tenants come: the ratio below compares
        # two figures of one moment of this shared machine, not one of the run's start.
        results["latency_before_tenants"] = _latencies(port, "b10k", keys[sizes[0]], opts.requests)
        print(f"creating {small} small tenants ...", flush=True)
        with app.app_context():
            results["small_tenants_s"] = data.make_small_tenants(small)
            with db.engine.connect() as conn:
                results["tenant_count"] = conn.execute(
                    text("SELECT count(*) FROM public.tenants")
                ).scalar()
        time.sleep(30)  # the CHECKPOINT's writes leave the disk before the requests
        results["latency_many_tenants"] = _latencies(port, "b10k", keys[sizes[0]], opts.requests)
    finally:
        for proc in filter(None, (server, bare, old_server)):
            proc.terminate()
            proc.wait(10)
    text_report = report.render(results)
    print(text_report)
    # Every run, quick ones too, is kept with its raw figures; RESULTS.md is the latest full run.
    stamp = time.strftime("%Y%m%d-%H%M%S")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"results-{stamp}.json").write_text(json.dumps(results, indent=1, default=str))
    (OUT / f"RESULTS-{stamp}.md").write_text(text_report)
    if not opts.quick:
        (ROOT / "benchmarks" / "RESULTS.md").write_text(text_report)


def _machine(url):
    import psycopg

    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
        platform.processor(),
    )
    mem = next((line.split()[1] for line in meminfo if line.startswith("MemTotal")), "0")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 2**20, 1),
        "postgres": version,
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    main()
