"""Issue 19: the seasonality report, multi-value filters, channels and lifetime value,
and the xlsx export over HTTP at 10,000 and 1,000,000 appointments.

    .venv/bin/python -m benchmarks.seasonality [--requests 300]

Starts its own embedded server under benchmarks/out/seasonality-pgdata, two tenants
with the benchmark's generated two-year history (benchmarks/data.py): `s10k` and `s1m`,
and one gunicorn server with the shipped configuration. Requests alternate between the
two tenants, form by form, so both see the same machine; the report function's own
time is taken on a warm connection beside it. Writes benchmarks/SEASONALITY.md.
"""

import argparse
import datetime
import shutil
import statistics
import time

import psycopg

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from benchmarks import data, export_memory, load
from benchmarks.run import OUT, ROOT, _free_port, _key, _serve

SIZES = {"s10k": 10_000, "s1m": 1_000_000}
API = "/api/analytics/analytics/"
FORMS = {
    "years=2": "seasonality/?years=2",
    "years=10": "seasonality/?years=10",
    "years=2, one service": "seasonality/?years=2&service_id=1",
    "years=2, one resource": "seasonality/?years=2&resource_id=1",
    # Multi-value filters against one value (SPEC Part 4), each pair side by side.
    "appointments days=30 service_id=1": "appointments/?days=30&service_id=1",
    "appointments days=30 service_id=1,2,3": "appointments/?days=30&service_id=1,2,3",
    "heatmap days=30 resource_id=1": "heatmap/?days=30&resource_id=1",
    "heatmap days=30 resource_id=1,2,3": "heatmap/?days=30&resource_id=1,2,3",
    "revenue days=30 service_id=1": "revenue/?days=30&service_id=1",
    "revenue days=30 service_id=1,2,3": "revenue/?days=30&service_id=1,2,3",
    # Channels and value (SPEC Part 4): by_source and the customers report's new fields.
    "appointments days=30 (by_source)": "appointments/?days=30",
    "customers days=30 (channels, lifetime value)": "customers/?days=30",
    "customers days=365 (channels, lifetime value)": "customers/?days=365",
}
PAIRS = [
    ("appointments days=30 service_id=1", "appointments days=30 service_id=1,2,3"),
    ("heatmap days=30 resource_id=1", "heatmap days=30 resource_id=1,2,3"),
    ("revenue days=30 service_id=1", "revenue days=30 service_id=1,2,3"),
]
FUNCTION = "SELECT seasonality_report(2, NULL, NULL, now(), true)::text"
# The customers report with and without its money figures (lifetime value, revenue per
# visit), side by side: what they add to the function's own time.
CUSTOMERS = {
    "customers_report(30), with lifetime value": "SELECT customers_report(30, now(), NULL, NULL, true)::text",
    "customers_report(30), without (p_revenue false)": "SELECT customers_report(30, now(), NULL, NULL, false)::text",
    "customers_report(365), with lifetime value": "SELECT customers_report(365, now(), NULL, NULL, true)::text",
    "customers_report(365), without (p_revenue false)": "SELECT customers_report(365, now(), NULL, NULL, false)::text",
}


def _function_ms(url, schema, statement=FUNCTION, calls=200):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f"{schema}, public",))
        samples = []
        for _ in range(calls + 10):
            started = time.perf_counter()
            conn.execute(statement).fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[10:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    opts = parser.parse_args()
    folder = OUT / "seasonality-pgdata"
    shutil.rmtree(folder, ignore_errors=True)
    url = start_embedded(folder, cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    keys = {}
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan(
            "bench", ["advanced_analytics", "can_accept_payments", "can_export_data"]
        )
        db.session.commit()
        for schema, n in SIZES.items():
            print(f"loading {n:,} appointments into {schema} ...", flush=True)
            data.make_tenant(schema, n)
            keys[schema] = _key(schema)
        for engine in db.engines.values():
            engine.dispose()
    port = _free_port()
    server = _serve(url, port)
    results = {}
    try:
        for form, query in FORMS.items():
            print(f"{form} ...", flush=True)
            clients = {s: load.Client(port, f"{s}.bench", keys[s]) for s in SIZES}
            for _ in range(20):
                for c in clients.values():
                    c.get(API + query)
            samples = {s: [] for s in SIZES}
            for _ in range(opts.requests):
                for s, c in clients.items():
                    started = time.perf_counter()
                    status, _ = c.get(API + query)
                    samples[s].append((time.perf_counter() - started) * 1000)
                    assert status == 200, (s, form, status)
            results[form] = {s: statistics.median(v) for s, v in samples.items()}
        function = {s: _function_ms(url, s) for s in SIZES}
        customers = {
            name: {s: _function_ms(url, s, statement, calls=60) for s in SIZES}
            for name, statement in CUSTOMERS.items()
        }
        print("export memory, csv and xlsx ...", flush=True)
        export = {
            fmt: export_memory.measure(
                server.pid,
                port,
                "s1m.bench",
                keys["s1m"],
                f"/api/export/appointments/?format={fmt}",
            )
            for fmt in ("csv", "xlsx")
        }
    finally:
        server.terminate()
        server.wait(10)
    _write(opts, results, function, customers, export)


def _write(opts, results, function, customers, export):
    lines = [
        "# Seasonality, multi-value filters, channels and value, xlsx (issue 19)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.seasonality`: two tenants "
        "with the benchmarks' generated two-year history, one gunicorn server with the "
        "shipped configuration (2 workers x 4 threads), requests alternating between the "
        f"tenants; HTTP medians of {opts.requests} requests per form and tenant, ms.",
        "",
        "| form | 10,000 | 1,000,000 | 1M / 10k |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['s10k']:.2f} | {r['s1m']:.2f} | {r['s1m'] / r['s10k']:.2f}x |")
    lines += [
        f"| `{FUNCTION}` on a warm connection | {function['s10k']:.2f} | "
        f"{function['s1m']:.2f} | {function['s1m'] / function['s10k']:.2f}x |",
    ]
    for name, r in customers.items():
        lines.append(
            f"| `{name}` on a warm connection | {r['s10k']:.2f} | {r['s1m']:.2f} | "
            f"{r['s1m'] / r['s10k']:.2f}x |"
        )
    lines += [
        "",
        "Export of the 1M tenant's appointments (`/api/export/appointments/`), one request"
        " per format; the serving worker's resident memory sampled every 20 ms:",
        "",
        "| format | bytes | worker before, MB | worker peak, MB |",
        "|---|---|---|---|",
    ]
    for fmt, e in export.items():
        lines.append(
            f"| {fmt} | {e['bytes']:,} | {e['before_worker_mb']:.0f} | {e['peak_worker_mb']:.0f} |"
        )
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    two = results["years=2"]
    flat = max(results[f]["s1m"] / results[f]["s10k"] for f in FORMS if f.startswith("years"))
    multi = {many: results[many]["s1m"] / results[one]["s1m"] for one, many in PAIRS}
    lines += [
        f"| seasonality p50 over HTTP <= 15 ms for years=2 at 1M | {two['s1m']:.2f} ms | "
        f"{'met' if two['s1m'] <= 15 else '**missed**'} |",
        f"| seasonality flat from 10k to 1M (every form within 1.5x) | worst {flat:.2f}x | "
        f"{'met' if flat <= 1.5 else '**missed**'} |",
        "| multi-value filters no slower than 1.5x the single-value filter at 1M | "
        + ", ".join(f"{k.split(' ')[0]}: {v:.2f}x" for k, v in multi.items())
        + f" | {'met' if max(multi.values()) <= 1.5 else '**missed**'} |",
        f"| a 1M-row xlsx export within the CSV export's worker memory bound (150 MB) | "
        f"xlsx {export['xlsx']['peak_worker_mb']:.0f} MB, csv {export['csv']['peak_worker_mb']:.0f} MB | "
        f"{'met' if export['xlsx']['peak_worker_mb'] < 150 else '**missed**'} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "SEASONALITY.md").write_text(report)


if __name__ == "__main__":
    main()
