"""Issue 25: the heatmap's long periods and resource filters at 10,000 and 1,000,000.

    .venv/bin/python -m benchmarks.heatmap [--requests 200]

The outlook benchmark's set-up (benchmarks/outlook.py: its own embedded server under
benchmarks/out/heatmap-pgdata, tenants `o10k` and `o1m` with the generated two-year
history, one gunicorn server with the shipped configuration, requests alternating
between the tenants). Over HTTP: the heatmap's forms. On a warm connection, side by
side in the same run: heatmap_report() as shipped and as it was before its month and
resource rollups (the previous file, created beside it as heatmap_report_before).
Writes benchmarks/HEATMAP.md.
"""

import argparse
import datetime
import subprocess

import psycopg

from benchmarks.outlook import measure
from benchmarks.run import ROOT

BEFORE = "ed0282a~1"  # the commit before the heatmap's rollups
FORMS = {
    "days=30": "heatmap/",
    "days=365": "heatmap/?days=365",
    "days=30 resource_id=1": "heatmap/?resource_id=1",
    "days=30 resource_id=1,2,3": "heatmap/?resource_id=1,2,3",
    "days=30 service_id=1": "heatmap/?service_id=1",
}
CALLS = {
    "days=30": "(30)",
    "days=365": "(365)",
    "days=30 resource_id=1": "(30, NULL, NULL, '{1}')",
    "days=30 resource_id=1,2,3": "(30, NULL, NULL, '{1,2,3}')",
    "days=30 service_id=1": "(30, NULL, '{1}')",
}


def _before(url, schema):
    text = subprocess.run(
        ["git", "show", f"{BEFORE}:analytics_app/sql/heatmap_report.sql"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    body = text.split("COMMENT ON FUNCTION", 1)[0]
    body = body.replace("CREATE FUNCTION heatmap_report(", "CREATE FUNCTION heatmap_report_before(")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f"{schema}, public, pg_temp",))
        conn.execute(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    opts = parser.parse_args()
    functions = {}
    for form, args in CALLS.items():
        functions[("now", form)] = f"SELECT heatmap_report{args}::text"
        functions[("before", form)] = f"SELECT heatmap_report_before{args}::text"
    named = {str(k): v for k, v in functions.items()}
    results, timed, bare = measure("heatmap", FORMS, named, opts.requests, prepare=_before)
    function = {k: timed[str(k)] for k in functions}
    _write(opts, results, function, bare)


def _write(opts, results, function, bare):
    lines = [
        "# The heatmap: long periods and resource filters (issue 25)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.heatmap`: two tenants with "
        "the benchmarks' generated two-year history, one gunicorn server with the shipped "
        "configuration, requests alternating between the tenants; HTTP medians of "
        f"{opts.requests} requests per form and tenant, ms. A bare Flask route served the same "
        f"way: {bare['p50']:.2f} ms.",
        "",
        "| form | 10,000 | 1,000,000 | 1M / 10k |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['o10k']:.2f} | {r['o1m']:.2f} | {r['o1m'] / r['o10k']:.2f}x |")
    lines += [
        "",
        "heatmap_report() on a warm connection, median of 200 calls, ms: as shipped, and as it "
        f"was before its month and resource rollups (`git show {BEFORE}:analytics_app/sql/"
        "heatmap_report.sql`, created beside it), in the same run:",
        "",
        "| form | before, 10k | now, 10k | before, 1M | now, 1M | now / before at 1M |",
        "|---|---|---|---|---|---|",
    ]
    for form in FORMS:
        b, n = function[("before", form)], function[("now", form)]
        lines.append(
            f"| {form} | {b['o10k']:.2f} | {n['o10k']:.2f} | {b['o1m']:.2f} | {n['o1m']:.2f}"
            f" | {n['o1m'] / b['o1m']:.2f}x |"
        )
    year = results["days=365"]
    one, three = results["days=30 resource_id=1"], results["days=30 resource_id=1,2,3"]
    lines += [
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| heatmap days=365 flat from 10k (1M <= 1.5x 10k) | {year['o1m'] / year['o10k']:.2f}x"
        f" ({year['o10k']:.2f} -> {year['o1m']:.2f} ms) | "
        f"{'met' if year['o1m'] <= 1.5 * year['o10k'] else '**missed**'} |",
        f"| a three-resource heatmap <= 1.5x one resource at 1M | {three['o1m'] / one['o1m']:.2f}x"
        f" ({one['o1m']:.2f} -> {three['o1m']:.2f} ms) | "
        f"{'met' if three['o1m'] <= 1.5 * one['o1m'] else '**missed**'} |",
        f"| every form within 1.5x of 10k | worst "
        f"{max(r['o1m'] / r['o10k'] for r in results.values()):.2f}x | "
        f"{'met' if all(r['o1m'] <= 1.5 * r['o10k'] for r in results.values()) else '**missed**'} |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "HEATMAP.md").write_text(report)


if __name__ == "__main__":
    main()
