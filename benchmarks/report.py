"""The benchmark's Markdown report, with each target marked met or missed."""

import datetime
from pathlib import Path

PART_2_FORMS = (
    "appointments 30-day range",
    "revenue days=365",
    "customers days=30",
    "customers days=365",
    "customers 30-day range",
    "team days=30",
    "team days=365",
    "heatmap days=30",
    "heatmap days=365",
)


def _mark(ok):
    return "measured" if ok is None else "met" if ok else "**missed**"


def render(r):
    sizes, big, small = r["sizes"], r["sizes"][-1], r["sizes"][0]
    lat, base = r["latency"], r["baselines"]
    lines = [
        "# Benchmark results",
        "",
        f"Run on {datetime.date.today()} with `python -m benchmarks.run`; "
        f"{r['machine']['cores']} cores ({r['machine']['cpu']}), {r['machine']['memory_gib']} GiB, "
        f"PostgreSQL {r['machine']['postgres']}, Python {r['machine']['python']}. "
        "HTTP through gunicorn with the shipped gunicorn.conf.py (2 workers x 4 threads), "
        "one keep-alive client for latency; "
        "client, server and database share the machine.",
        "",
        "Each run overwrites this file; earlier runs are kept in git history (`git log -p benchmarks/RESULTS.md`) and their raw figures in `benchmarks/out/` of the machine that ran them.",
        "",
        "## HTTP latency (ms) by data size",
        "",
        "| endpoint | " + " | ".join(f"{n:,} p50 | p95" for n in sizes) + " |",
        "|---|" + "---|---|" * len(sizes),
    ]
    for name in lat[sizes[0]]:
        cells = " | ".join(f"{lat[n][name]['p50']:.2f} | {lat[n][name]['p95']:.2f}" for n in sizes)
        lines.append(f"| {name} | {cells} |")
    lines += [
        "",
        "## The same figures computed other ways (median ms, in-process, same data)",
        "",
        "| way | " + " | ".join(f"{n:,}" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for key, label in [
        ("sql_dashboard", "dashboard_report() (rollups)"),
        ("raw_dashboard", "raw GROUP BY, dashboard all-time figures"),
        ("naive_dashboard", "naive: fetch rows, group in Python (dashboard)"),
        ("sql_appointments_365", "appointments_report(365) (rollups)"),
        ("raw_appointments_365", "raw GROUP BY, 365 days by day/status/service/resource"),
        ("naive_appointments_30", "naive: fetch rows, group in Python (30 days)"),
        ("sql_customers_30", "customers_report(30) (visit links)"),
        ("sql_customers_365", "customers_report(365) (visit links)"),
        ("raw_customers_365", "raw GROUP BY, customers/new/rebooked over 365 days"),
    ]:
        if all(key in base[n] for n in sizes):
            lines.append(f"| {label} | " + " | ".join(f"{base[n][key]:.1f}" for n in sizes) + " |")

    http_dash = lat[big]["dashboard"]["p50"]
    ratio_naive = base[big]["naive_dashboard"] / http_dash
    flat = {name: lat[big][name]["p50"] / lat[small][name]["p50"] for name in lat[big]}
    before = r.get("latency_before_tenants", lat[small])  # older runs: the run's start
    many = {name: r["latency_many_tenants"][name]["p50"] / before[name]["p50"] for name in before}
    load_ratio = r["load"]["with_triggers_s"] / r["load"]["without_triggers_s"]
    tp = r["throughput"]
    targets = [
        (
            f"p50 <= 15 ms at {big:,}: dashboard, appointments 30, revenue 30",
            ", ".join(
                f"{lat[big][n]['p50']:.1f}"
                for n in ("dashboard", "appointments days=30", "revenue days=30")
            ),
            all(
                lat[big][n]["p50"] <= 15
                for n in ("dashboard", "appointments days=30", "revenue days=30")
            ),
        ),
        (
            f"p50 <= 30 ms at {big:,}: appointments 365",
            f"{lat[big]['appointments days=365']['p50']:.1f}",
            lat[big]["appointments days=365"]["p50"] <= 30,
        ),
        (
            f"p50 <= 15 ms at {big:,}: a 30-day start/end range (appointments, Part 2 fields)",
            f"{lat[big]['appointments 30-day range']['p50']:.1f}",
            lat[big]["appointments 30-day range"]["p50"] <= 15,
        ),
        (
            f"p50 <= 50 ms at {big:,}: revenue days=365 (Part 2 fields)",
            f"{lat[big]['revenue days=365']['p50']:.1f}",
            lat[big]["revenue days=365"]["p50"] <= 50,
        ),
        (
            f"p50 <= 15 ms at {big:,}: customers days=30 and a 30-day range",
            ", ".join(
                f"{lat[big][k]['p50']:.1f}" for k in ("customers days=30", "customers 30-day range")
            ),
            all(lat[big][k]["p50"] <= 15 for k in ("customers days=30", "customers 30-day range")),
        ),
        (
            f"p50 <= 50 ms at {big:,}: customers days=365",
            f"{lat[big]['customers days=365']['p50']:.1f}",
            lat[big]["customers days=365"]["p50"] <= 50,
        ),
        (
            f"p50 <= 15 ms at {big:,}: team and heatmap days=30",
            ", ".join(f"{lat[big][k]['p50']:.1f}" for k in ("team days=30", "heatmap days=30")),
            all(lat[big][k]["p50"] <= 15 for k in ("team days=30", "heatmap days=30")),
        ),
        (
            f"p50 <= 30 ms at {big:,}: team and heatmap days=365",
            ", ".join(f"{lat[big][k]['p50']:.1f}" for k in ("team days=365", "heatmap days=365")),
            all(lat[big][k]["p50"] <= 30 for k in ("team days=365", "heatmap days=365")),
        ),
        (
            f"latency at {big:,} <= 1.5x latency at {small:,}: the Part 2 forms",
            ", ".join(f"{k}: {flat[k]:.2f}x" for k in PART_2_FORMS),
            all(flat[k] <= 1.5 for k in PART_2_FORMS),
        ),
        (
            f"latency at {big:,} <= 2x latency at {small:,}, every endpoint",
            ", ".join(f"{k}: {v:.2f}x" for k, v in flat.items()),
            all(v <= 2 for v in flat.values()),
        ),
        (
            f">= 100x faster than the naive baseline at {big:,} (dashboard, HTTP vs in-process naive)",
            f"{ratio_naive:.0f}x",
            ratio_naive >= 100,
        ),
        (
            "faster than the raw GROUP BY for every all-time figure (dashboard, in-process)",
            f"{base[big]['sql_dashboard']:.1f} ms vs {base[big]['raw_dashboard']:.1f} ms",
            base[big]["sql_dashboard"] < base[big]["raw_dashboard"],
        ),
        (
            f"loading {r['load']['appointments']:,} appointments with triggers <= 2x without",
            f"{r['load']['with_triggers_s']:.1f} s vs {r['load']['without_triggers_s']:.1f} s "
            f"= {load_ratio:.2f}x",
            load_ratio <= 2,
        ),
        (
            f"loading {r['load']['appointments']:,} appointments through all triggers <= 1.5x "
            "without (Part 2 rollups included)",
            f"{load_ratio:.2f}x",
            load_ratio <= 1.5,
        ),
        (
            f"{r['small_tenants']} tenants created and migrated in <= 120 s",
            f"{r['small_tenants_s']:.1f} s ({r['tenant_count']} tenants in all)",
            r["small_tenants_s"] <= 120 and r["small_tenants"] >= 1000,
        ),
        (
            "p50 with those tenants present within 1.2x of before (10k tenant)",
            ", ".join(f"{k}: {v:.2f}x" for k, v in many.items()),
            all(v <= 1.2 for v in many.values()),
        ),
        (
            ">= 800 requests/s mixed over the six report endpoints (days=30), no errors",
            f"{tp['rps']:.0f} req/s, {tp['requests']} requests, {tp['errors']} errors "
            f"({tp.get('tool', 'python client')}, 8 connections)",
            tp["rps"] >= 800 and tp["errors"] == 0,
        ),
    ]
    targets += web_layer_targets(r)
    if "upkeep" in r:
        targets.append(
            (
                f"`flask analytics verify` and `rebuild` at {big:,} (no target; minutes before "
                "the recounts stopped calling tenant_timezone() per row)",
                f"verify {r['upkeep']['verify_s']:.1f} s, rebuild {r['upkeep']['rebuild_s']:.1f} s",
                None,
            )
        )
    for fmt, e in r.get("export", {}).items():
        targets.append(
            (
                f"export of {big:,} appointments as {fmt}: a worker's peak memory < 150 MB",
                f"{e['bytes'] / 2**20:.0f} MB streamed; worker peak {e['peak_worker_mb']:.0f} MB "
                f"(before: {e['before_worker_mb']:.0f} MB)",
                e["peak_worker_mb"] < 150,
            )
        )
    lines += web_layer_section(r)
    if "against" in r:
        section, more = against_section(r)
        lines += section
        targets += more
    lines += ["", "## Targets", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {_mark(ok)} |" for t, m, ok in targets]
    lines += separate_sections()
    return "\n".join(lines) + "\n"


# Figures from benchmarks of their own (each needs its own servers); RESULTS.md carries
# their latest reports, each with its date and command.
SEPARATE = (
    ("Past one server (issue 16)", ("PGBOUNCER.md", "MANY_TENANTS.md", "MANY_TENANTS_P50.md")),
    ("Seasonality, multi-value filters, channels and value, xlsx (issue 19)", ("SEASONALITY.md",)),
)


def separate_sections():
    """The separate benchmarks' reports, under one heading per issue."""
    here = Path(__file__).resolve().parent
    lines = []
    for title, names in SEPARATE:
        found = [here / name for name in names if (here / name).exists()]
        if not found:
            continue
        lines += ["", f"## {title}", ""]
        lines.append(
            "Run separately; their own files: "
            + ", ".join(f"[{p.name}]({p.name})" for p in found)
            + "."
        )
        for path in found:
            text = path.read_text().strip().splitlines()
            lines += ["", "##" + text[0]] + text[1:]  # its title under this section
    return lines


# Issue 15: the web layer against the database's own work, measured side by side.
WEB_TARGETS = ("dashboard", "appointments days=30", "appointments days=365", "revenue days=30")


def _limit(r, n, name):
    return 1.25 * r["functions"][n][name] + 3 * r["bare"]["p50"]


def web_layer_section(r):
    if "functions" not in r:
        return []
    sizes, big = r["sizes"], r["sizes"][-1]
    bare = r["bare"]["p50"]
    lines = [
        "",
        "## The web layer against the database's own work (issue 15)",
        "",
        f"Bare Flask route through the same gunicorn configuration: p50 {bare:.2f} ms. "
        "Function: the report function's own p50 on a warm psycopg connection (one round "
        "trip). Limit: 1.25 x function + 3 x bare route. Statements: what the app sends per "
        "request (counted in-process; BEGIN, ROLLBACK and the pool's liveness ping are "
        "protocol messages beside them).",
        "",
        "| endpoint | size | function p50 | HTTP p50 | HTTP - function | HTTP / function "
        "| limit | statements | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in r["functions"][sizes[0]]:
        for n in sizes:
            f, h = r["functions"][n][name], r["latency"][n][name]["p50"]
            ok = h <= _limit(r, n, name) if (name in WEB_TARGETS and n == big) else None
            lines.append(
                f"| {name} | {n:,} | {f:.2f} | {h:.2f} | {h - f:.2f} | {h / f:.1f}x | "
                f"{_limit(r, n, name):.2f} | {r['statements'].get(name, '')} | {_mark(ok)} |"
            )
    tp, bt = r["throughput"], r["bare_throughput"]
    lines += [
        "",
        "| load (8 connections, python client) | req/s | errors | server CPU ms/req "
        "| PostgreSQL CPU ms/req |",
        "|---|---|---|---|---|",
        f"| six report endpoints, days=30, at {big:,} | {tp['rps']:.0f} | {tp['errors']} | "
        f"{tp.get('cpu_ms_web', 0):.2f} | {tp.get('cpu_ms_db', 0):.2f} |",
        f"| bare route | {bt['rps']:.0f} | {bt['errors']} | | |",
        "",
        "Transactions per request (server side, pg_stat_database, during the latency runs): "
        + ", ".join(f"{n:,}: {v:.2f}" for n, v in r.get("transactions_per_request", {}).items())
        + f". Reports reach {tp['rps'] / bt['rps'] * 100:.0f} % of the bare route's "
        "requests per second.",
    ]
    return lines


def web_layer_targets(r):
    if "functions" not in r:
        return []
    big, small = r["sizes"][-1], r["sizes"][0]
    lat = r["latency"]
    return [
        (
            f"HTTP p50 <= 1.25 x function p50 + 3 x bare-route p50 at {big:,}: "
            + ", ".join(WEB_TARGETS),
            ", ".join(f"{lat[big][k]['p50']:.2f} vs {_limit(r, big, k):.2f}" for k in WEB_TARGETS),
            all(lat[big][k]["p50"] <= _limit(r, big, k) for k in WEB_TARGETS),
        ),
        (
            f"latency at {big:,} <= 1.5x latency at {small:,}: " + ", ".join(WEB_TARGETS),
            ", ".join(f"{lat[big][k]['p50'] / lat[small][k]['p50']:.2f}x" for k in WEB_TARGETS),
            all(lat[big][k]["p50"] <= 1.5 * lat[small][k]["p50"] for k in WEB_TARGETS),
        ),
        (
            "at most two statements per report request (tests/request/test_request_path.py fails on a third)",
            ", ".join(f"{k}: {v}" for k, v in r["statements"].items()),
            all(v <= 2 for v in r["statements"].values()),
        ),
    ]


def against_section(r):
    """`--against REV`: the largest tenant served by REV's code and by this tree's, each
    endpoint asked of both in alternating rounds; and issue 25's read bounds."""
    a, big, small = r["against"], r["sizes"][-1], r["sizes"][0]
    lat, now = a["latency"], {k: v["now"]["p50"] for k, v in a["latency"].items()}
    lines = [
        "",
        f"## Side by side with {a['commit'][:12]} ({a['rev']}), {big:,} appointments",
        "",
        f"The same rows (benchmarks/data.py's generator and seed) in a tenant made by "
        f"{a['commit'][:12]}'s own code in a database of its own on this server "
        f"({a['setup_s']:.0f} s with its triggers), served by gunicorn from its own tree "
        "beside this one's, same configuration. Each endpoint was asked of both in four "
        "alternating rounds; the samples pooled per side.",
        "",
        "| endpoint | before p50 | p95 | now p50 | p95 | now / before |",
        "|---|---|---|---|---|---|",
    ]
    for name, sides in lat.items():
        b, n = sides["before"], sides["now"]
        lines.append(
            f"| {name} | {b['p50']:.2f} | {b['p95']:.2f} | {n['p50']:.2f} | {n['p95']:.2f} "
            f"| {n['p50'] / b['p50']:.2f}x |"
        )
    slower = {k: v["now"]["p50"] / v["before"]["p50"] for k, v in lat.items()}
    one, three = now["heatmap days=30 resource_id=1"], now["heatmap days=30 resource_id=1,2,3"]
    flat = (
        r["latency"][big]["heatmap days=365"]["p50"]
        / r["latency"][small]["heatmap days=365"]["p50"]
    )
    targets = [
        (
            f"every report's HTTP p50 at {big:,} no slower than before ({a['commit'][:12]}), "
            "side by side (issue 25)",
            f"worst {max(slower, key=slower.get)} {max(slower.values()):.2f}x",
            all(v <= 1.0 for v in slower.values()),
        ),
        (
            "seasonality years=2 <= 15 ms",
            f"{now['seasonality years=2']:.2f} ms",
            now["seasonality years=2"] <= 15,
        ),
        ("team days=365 <= 30 ms", f"{now['team days=365']:.2f} ms", now["team days=365"] <= 30),
        (f"heatmap days=365 at {big:,} <= 1.5x {small:,}", f"{flat:.2f}x", flat <= 1.5),
        (
            "a three-resource heatmap <= 1.5x one resource",
            f"{three / one:.2f}x",
            three <= 1.5 * one,
        ),
    ]
    return lines, targets
