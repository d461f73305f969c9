"""Issue 30: cohort retention and the customers at risk over HTTP at 10,000 and 1,000,000
appointments (200,000 customers).

    .venv/bin/python -m benchmarks.retention [--requests 300]

The same set-up as benchmarks/outlook.py (its measure()): two tenants with the
benchmarks' generated two-year history (N/5 customers), one gunicorn server with the
shipped configuration, requests alternating between the tenants, each function's own
time on a warm connection, a bare Flask route served the same way. Writes
benchmarks/RETENTION.md.
"""

import argparse
import datetime

from benchmarks.outlook import _p50, measure
from benchmarks.run import ROOT

FORMS = {
    "retention, 12 months": "retention/?months=12",
    "at risk, first page (100)": "at-risk/",
    "at risk, first 20 (the dashboard's)": "at-risk/?limit=20",
}
FUNCTIONS = {
    "retention": "SELECT retention_report(12, now())::text",
    "at risk": "SELECT at_risk_report('at_risk', 100, 0, now(), true)::text",
}
TARGETS = {"retention, 12 months": 30, "at risk, first page (100)": 50}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    opts = parser.parse_args()
    results, function, bare = measure(
        "retention", FORMS, FUNCTIONS, opts.requests, calls=min(opts.requests, 200)
    )
    lines = [
        "# Retention and customers at risk (issue 30)",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.retention`: two tenants "
        "with the benchmarks' generated two-year history (10,000 appointments and 2,000 "
        "customers; 1,000,000 and 200,000), one gunicorn server with the shipped "
        "configuration, requests alternating between the tenants; HTTP medians of "
        f"{opts.requests} requests per form and tenant, ms.",
        "",
        "| form | 10,000 | 1,000,000 | 1M / 10k |",
        "|---|---|---|---|",
    ]
    for form, r in results.items():
        lines.append(f"| {form} | {r['o10k']:.2f} | {r['o1m']:.2f} | {r['o1m'] / r['o10k']:.2f}x |")
    for label, sql in FUNCTIONS.items():
        f = function[label]
        lines.append(
            f"| `{sql}` on a warm connection | {f['o10k']:.2f} | {f['o1m']:.2f} | "
            f"{f['o1m'] / f['o10k']:.2f}x |"
        )
    lines.append(f"| a bare Flask route, served the same way | {_p50(bare):.2f} | | |")
    lines += ["", "| target | measured | |", "|---|---|---|"]
    for form, limit in TARGETS.items():
        r = results[form]
        ratio = r["o1m"] / r["o10k"]
        met = r["o1m"] <= limit and ratio <= 1.5
        lines.append(
            f"| {form}: p50 <= {limit} ms at 1M, <= 1.5x its 10k figure | "
            f"{r['o1m']:.2f} ms, {ratio:.2f}x | {'met' if met else '**missed**'} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "benchmarks" / "RETENTION.md").write_text(report)


if __name__ == "__main__":
    main()
