"""Issue 29: the outlook over HTTP at 10,000 and 1,000,000 appointments.

    .venv/bin/python -m benchmarks.outlook [--requests 300]

Starts its own embedded server under benchmarks/out/outlook-pgdata, two tenants with the
benchmarks' generated two-year history (benchmarks/data.py): `o10k` and `o1m`, and one
gunicorn server with the shipped configuration. Requests alternate between the two
tenants, form by form, so both see the same machine; the report function's own time is
taken on a warm connection beside it, and a bare Flask route served the same way gives
what WSGI and HTTP cost alone. Writes benchmarks/OUTLOOK.md.
"""

import argparse
import datetime
import shutil
import statistics
import time

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from benchmarks import data, load
from benchmarks.run import OUT, ROOT, _free_port, _key, _serve
from benchmarks.seasonality import _function_ms

SIZES = {"o10k": 10_000, "o1m": 1_000_000}
API = "/api/analytics/analytics/"
FORMS = {
    "month": "outlook/",
    "week": "outlook/?period=week",
    "quarter": "outlook/?period=quarter",
    "month, one service and two resources": "outlook/?service_id=1&resource_id=1,2",
}
FUNCTION = "SELECT outlook_report('month', NULL, NULL, now(), true)::text"


def _http(port, keys, query, requests):
    clients = {s: load.Client(port, f"{s}.bench", keys[s]) for s in SIZES}
    for _ in range(20):
        for c in clients.values():
            c.get(API + query)
    samples = {s: [] for s in SIZES}
    for _ in range(requests):
        for s, c in clients.items():
            started = time.perf_counter()
            status, _ = c.get(API + query)
            samples[s].append((time.perf_counter() - started) * 1000)
            assert status == 200, (s, query, status)
    return {s: statistics.median(v) for s, v in samples.items()}


def _p50(measured):
    return measured["p50"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    opts = parser.parse_args()
    results, function, bare = measure("outlook", FORMS, {FUNCTION: FUNCTION}, opts.requests)
    _write(opts, results, function[FUNCTION], bare)


def measure(name, forms, functions, requests, calls=200, prepare=None):
    """Load o10k and o1m (the benchmarks' history, bookings made ahead) into a new embedded
    server, serve it with gunicorn, and measure each form over HTTP (medians, tenants
    alternating), each function on a warm connection, and a bare Flask route served the
    same way: (results by form, medians by function over `calls` calls, the bare route's
    latency). prepare(url, schema), if given, runs for each tenant once it is loaded."""
    folder = OUT / f"{name}-pgdata"
    shutil.rmtree(folder, ignore_errors=True)
    url = start_embedded(folder, cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    keys = {}
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments"])
        db.session.commit()
        for schema, n in SIZES.items():
            print(f"loading {n:,} appointments into {schema} ...", flush=True)
            data.make_tenant(schema, n, created="ahead")
            keys[schema] = _key(schema)
            if prepare:
                prepare(url, schema)
        for engine in db.engines.values():
            engine.dispose()
    port, bare_port = _free_port(), _free_port()
    server = _serve(url, port)
    bare_server = _serve(url, bare_port, "benchmarks.bare:app")
    try:
        results = {}
        for form, query in forms.items():
            print(f"{form} ...", flush=True)
            results[form] = _http(port, keys, query, requests)
        bare = load.latency(bare_port, "bare", "none", "/bare", requests)
        function = {
            label: {s: _function_ms(url, s, sql, calls) for s in SIZES}
            for label, sql in functions.items()
        }
    finally:
        for proc in (server, bare_server):
            proc.terminate()
            proc.wait(10)
    return results, function, bare


def _write(opts, results, function, bare):
    lines = [
        "# The outlook (issue 29)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.outlook`: two tenants with "
        "the benchmarks' generated two-year history, one gunicorn server with the shipped "
        "configuration, requests alternating between the tenants; HTTP medians of "
        f"{opts.requests} requests per form and tenant, ms.",
        "",
        "| form | 10,000 | 1,000,000 | 1M / 10k |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['o10k']:.2f} | {r['o1m']:.2f} | {r['o1m'] / r['o10k']:.2f}x |")
    lines.append(
        f"| `{FUNCTION}` on a warm connection | {function['o10k']:.2f} | "
        f"{function['o1m']:.2f} | {function['o1m'] / function['o10k']:.2f}x |"
    )
    lines.append(f"| a bare Flask route, served the same way | {_p50(bare):.2f} | | |")
    month = results["month"]
    flat = max(r["o1m"] / r["o10k"] for r in results.values())
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| outlook p50 over HTTP <= 20 ms at 1M | {month['o1m']:.2f} ms | "
        f"{'met' if month['o1m'] <= 20 else '**missed**'} |",
        f"| outlook p50 at 1M <= 1.5x the 10k figure | {month['o1m'] / month['o10k']:.2f}x | "
        f"{'met' if month['o1m'] <= 1.5 * month['o10k'] else '**missed**'} |",
        f"| every form <= 20 ms at 1M | worst {max(r['o1m'] for r in results.values()):.2f} ms | "
        f"{'met' if all(r['o1m'] <= 20 for r in results.values()) else '**missed**'} |",
        f"| beyond the issue: every form within 1.5x of 10k | worst {flat:.2f}x | "
        f"{'met' if flat <= 1.5 else '**missed**'} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "OUTLOOK.md").write_text(report)


if __name__ == "__main__":
    main()
