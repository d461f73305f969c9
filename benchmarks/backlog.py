"""Reads while the fold worker is stopped: every report with changes waiting in the log
(10,000 by default, or each of --sizes in turn), against the same report folded (issue
25: within 1.5x with 10,000), one run side by side.

    .venv/bin/python -m benchmarks.backlog [--appointments N] [--sizes 100,1000,10000]
    # writes BACKLOG.md

A tenant of N appointments (benchmarks/data.py, folded and vacuumed); each report
function's median on a warm connection, folded; then, for each size, that many changes
written as a booking system makes them and left unfolded (for 10,000: 2,000 new
appointments of returning customers with their payments, 1,500 status changes and 1,500
moves to another service and hour: each update logs the row as it was and as it is);
the medians again; that backlog folded; and after the last, the medians folded again.
Starts its own embedded PostgreSQL under benchmarks/out/ (or BENCH_DATABASE_URL).
"""

import argparse
import statistics
import time

import psycopg

from analytics_app.db import fold
from benchmarks import data
from benchmarks.run import OUT, ROOT, _machine

REPORTS = [
    ("dashboard", "SELECT dashboard_report()"),
    ("appointments 30", "SELECT appointments_report(30)"),
    ("appointments 365", "SELECT appointments_report(365)"),
    ("appointments 30, service 1", "SELECT appointments_report(30, p_service_id => '{1}')"),
    ("revenue 30", "SELECT revenue_report(30)"),
    ("revenue 365", "SELECT revenue_report(365)"),
    ("customers 30", "SELECT customers_report(30)"),
    ("customers 365", "SELECT customers_report(365)"),
    ("team 30", "SELECT team_report(30)"),
    ("heatmap 90", "SELECT heatmap_report(90)"),
    ("seasonality 2 years", "SELECT seasonality_report(2)"),
    ("outlook month", "SELECT outlook_report()"),
    ("retention 12 months", "SELECT retention_report(12)"),
    ("at-risk first page", "SELECT at_risk_report()"),
]

# {new} new appointments with as many payments, {flips} status changes and {moves} moves
# (an update logs the row as it was and as it is): 10,000 changes for --sizes 10000.
CHANGES = """
INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time, status,
                          source)
SELECT 1 + g % 8, 1 + g % 6, 1 + (g * 37) % (SELECT max(id) FROM customers),
       now() - (g % 60) * interval '1 day' + (g % 9) * interval '1 hour',
       now() - (g % 60) * interval '1 day' + (g % 9) * interval '1 hour' + interval '45 minutes',
       'confirmed', 'online'
FROM generate_series(1, {new}) g;
INSERT INTO payments (appointment_id, amount_cents, status, paid_at)
SELECT id, 4500, 'succeeded', end_time FROM appointments WHERE source = 'online'
  AND created_at = now();
UPDATE appointments SET status = CASE status WHEN 'confirmed' THEN 'cancelled' ELSE 'confirmed' END
WHERE id IN (SELECT id FROM appointments ORDER BY id DESC OFFSET 5000 LIMIT {flips});
UPDATE appointments SET service_id = 1 + service_id % 8, start_time = start_time + interval '1 hour',
       end_time = end_time + interval '1 hour'
WHERE id IN (SELECT id FROM appointments ORDER BY id DESC OFFSET 10000 LIMIT {moves})
"""


def changes(size):
    """CHANGES for about `size` changes in the log: a fifth new appointments, a fifth their
    payments, three tenths each status changes and moves (two log rows an update)."""
    return CHANGES.format(new=size // 5, flips=size * 3 // 20, moves=size * 3 // 20)


def _medians(url, schema, repeat):
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}", public',))
        out = {}
        for name, query in REPORTS:
            conn.execute(query).fetchone()  # warm
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                conn.execute(query).fetchone()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(times)
        conn.rollback()
        return out


def _backlogs(url, sizes, repeat):
    """[(changes waiting, {report: ms}, seconds to fold them)] for each size in turn, each
    backlog folded before the next is written."""
    out = []
    for size in sizes:
        with psycopg.connect(url) as conn:
            conn.execute("SET search_path TO backlog, public")
            conn.execute(changes(size))
            conn.commit()
            waiting = conn.execute("SELECT changes FROM rollup_backlog()").fetchone()[0]
        unfolded = _medians(url, "backlog", repeat)
        with fold.connect(url) as conn:
            started = time.perf_counter()
            fold.fold_tenant(conn, "backlog")
            out.append((waiting, unfolded, time.perf_counter() - started))
    return out


def _report(url, opts, folded, backlogs, again):
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    machine = _machine(url)
    sizes = ", ".join(f"{waiting:,}" for waiting, _, _ in backlogs)
    folds = ", ".join(f"{seconds:.2f} s" for _, _, seconds in backlogs)
    lines = [
        "# Reads with the fold worker stopped",
        "",
        f"Run on {time.strftime('%Y-%m-%d')} with `python -m benchmarks.backlog"
        f" --sizes {','.join(map(str, opts.sizes))}`;"
        f" {machine['cores']} cores, PostgreSQL {version}; {opts.appointments:,} appointments."
        f" Median of {opts.repeat} calls of each report function on a warm connection:"
        f" folded, then with {sizes} changes waiting in the log (the worker stopped; each"
        f" backlog folded before the next was written: {folds}), then folded again."
        " Bound (issue 25, with 10,000 waiting): within 1.5x of folded.",
        "",
        "| report | folded | "
        + " | ".join(f"{w:,} waiting | ratio" for w, _, _ in backlogs)
        + " | folded again |",
        "|---|---|" + "---|---|" * len(backlogs) + "---|",
    ]
    for name, _ in REPORTS:
        cells = []
        for _, unfolded, _ in backlogs:
            ratio = unfolded[name] / folded[name]
            over = "" if ratio <= 1.5 else " (over)"
            cells.append(f"{unfolded[name]:.1f} ms | {ratio:.2f}x{over}")
        lines.append(
            f"| {name} | {folded[name]:.1f} ms | {' | '.join(cells)} | {again[name]:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--sizes",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[10_000],
        help="changes to leave waiting, one backlog after another (default 10000)",
    )
    opts = parser.parse_args()
    url, app = data.bench_server(OUT / "pgdata-backlog")
    with app.app_context():
        data.make_tenant("backlog", opts.appointments)
    folded = _medians(url, "backlog", opts.repeat)
    backlogs = _backlogs(url, opts.sizes, opts.repeat)
    again = _medians(url, "backlog", opts.repeat)
    report = _report(url, opts, folded, backlogs, again)
    print(report)
    (ROOT / "benchmarks" / "BACKLOG.md").write_text(report)


if __name__ == "__main__":
    main()
