"""Issue 27: the reports over one folded table a source (migration t0022), against the
separate folded table a rollup they read before it.

    .venv/bin/python -m benchmarks.merged_rollups [--appointments 1000000] [--repeat 15]
    # writes MERGED_ROLLUPS.md  [--rows 2000]

Two tenants of N appointments made alike (benchmarks/data.py: the same seeded rows, the
change log folded, vacuumed), in today's layout: each source's rollups in one table
keyed by a grain column, each rollup's key and secondary indexes partial on its grain,
each rollup's view choosing its grain above the UNION ALL of the folded rows and the
changes not folded yet. In one, `apart`, every rollup is then moved back into a table of
its own, as before t0022 (that revision's downgrade: its tables, keys and indexes), and
its view made again over it; only the two grains the at-risk report reads directly stay
in the merged table, in both tenants. Every report is asked before and after the move,
in its transaction (the merged rows emptied by then). Then each report's median on a
warm connection, the two tenants alternating within each round. Starts its own embedded
PostgreSQL under benchmarks/out/ (or BENCH_DATABASE_URL).

Then the fold's writes: --rows rows of each rollup given 1 more of every measure, as the
fold's upserts add to the rows they find (by their place, not their key: the writes,
not the look-ups), each layout in a transaction rolled back, alternating; and how many
rollups' fold updates may be HOT in each layout (none of their measures in an index of
their table). The creation side is benchmarks/creation_levers.py.
"""

import argparse
import re
import statistics
import time

import psycopg
from psycopg import sql

from analytics_app.db import migrate, rollups
from benchmarks import data
from benchmarks.backlog import REPORTS
from benchmarks.run import OUT, ROOT, _machine

T0022 = migrate.revision_module("t0022")
# The grains the at-risk report reads from the merged table itself (not through a view).
READ_DIRECTLY = {("customer_link", 4), ("customer_link", 5)}


def _answers(conn):
    """Every report's answer, as this transaction sees the data (now() is its start)."""
    return [conn.execute(query).fetchone()[0] for _name, query in REPORTS]


def split(conn, schema):
    """Move the schema's rollups out of the merged tables into a table each, as before
    t0022, in one transaction that asks every report before and after (the merged rows
    emptied by then): returns (rollups moved, the reports whose answer changed)."""
    conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
    before = _answers(conn)
    conn.execute(T0022.OLD_TABLES + T0022.BACK)
    # The secondary indexes under other names: the merged table's partial ones keep theirs.
    conn.execute(
        re.sub(r"^(CREATE (?:UNIQUE )?INDEX \w+)", r"\1_apart", T0022.OLD_INDEXES, flags=re.M)
    )
    for r in rollups.ROLLUPS:
        names = ", ".join(c for c, _t, _e in r.keys + r.measures)
        conn.execute(
            f"CREATE OR REPLACE VIEW {r.table} AS SELECT {names} FROM {r.table}_folded"
            f" UNION ALL {rollups._pending(r, f'{r.source}_fact_changes')}"
        )
        if (r.source, r.grain) not in READ_DIRECTLY:
            conn.execute(f"DELETE FROM {r.folded} WHERE grain = {r.grain}")
    after = _answers(conn)
    changed = [name for (name, _q), a, b in zip(REPORTS, before, after, strict=True) if a != b]
    conn.commit()
    conn.autocommit = True
    for r in rollups.ROLLUPS:
        conn.execute(f"VACUUM (ANALYZE) {r.table}_folded")
    for table in dict.fromkeys(r.folded for r in rollups.ROLLUPS):
        conn.execute(f"VACUUM (ANALYZE) {table}")
    conn.autocommit = False
    return len(rollups.ROLLUPS), changed


def _one(conn, schema, query):
    conn.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}", public',))
    started = time.perf_counter()
    conn.execute(query).fetchone()
    return (time.perf_counter() - started) * 1000


def measure(url, schemas, repeat):
    """{schema: {report: median ms}}, the schemas alternating within each round."""
    times = {schema: {name: [] for name, _ in REPORTS} for schema in schemas}
    with psycopg.connect(url) as conn:
        for schema in schemas:
            for _name, query in REPORTS:
                _one(conn, schema, query)  # warm
        for i in range(repeat):
            for name, query in REPORTS:
                for schema in schemas if i % 2 == 0 else reversed(schemas):
                    times[schema][name].append(_one(conn, schema, query))
        conn.rollback()
    return {s: {n: statistics.median(v) for n, v in by.items()} for s, by in times.items()}


def _targets(schema, merged):
    """[(relation, rows of the rollup there, its measures)] of each rollup."""
    out = []
    for r in rollups.ROLLUPS:
        relation = f'"{schema}".{r.folded if merged else r.table + "_folded"}'
        where = f"WHERE grain = {r.grain}" if merged else ""
        out.append((relation, where, [m for m, _type, _expr in r.measures]))
    return out


def _indexed(conn, relation):
    """The columns some index of the relation holds (keys and INCLUDE columns)."""
    rows = conn.execute(
        "SELECT DISTINCT a.attname FROM pg_index i JOIN pg_attribute a"
        " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass",
        (relation,),
    ).fetchall()
    return {name for (name,) in rows}


def hot_eligible(conn, targets):
    """How many rollups' fold updates (every measure changes) may be HOT: none of their
    measures is in an index of the relation they live in."""
    return sum(1 for rel, _where, measures in targets if not _indexed(conn, rel) & set(measures))


def _fold_updates(conn, targets, rows):
    """ms to add 1 to every measure of `rows` rows of each rollup, as the fold's upserts
    add to the rows they find, in one transaction rolled back. In a freshly loaded table
    every page is full, so hardly any of these updates is HOT, in either layout: this is
    what the non-HOT writes cost."""
    with conn.transaction(force_rollback=True):
        conn.execute("CREATE TEMP TABLE picked (n int, tid tid) ON COMMIT DROP")
        for n, (relation, where, _measures) in enumerate(targets):
            conn.execute(
                f"INSERT INTO picked SELECT {n}, ctid FROM {relation} {where} LIMIT {rows}"
            )
        started = time.perf_counter()
        for n, (relation, _where, measures) in enumerate(targets):
            sets = ", ".join(f"{m} = {m} + 1" for m in measures)
            conn.execute(
                f"UPDATE {relation} SET {sets}"
                f" WHERE ctid = ANY(ARRAY(SELECT tid FROM picked WHERE n = {n}))"
            )
        return (time.perf_counter() - started) * 1000


def fold_like(url, rows, repeat):
    """{layout: (median ms of _fold_updates, rollups whose fold updates may be HOT)}."""
    out = {"apart": [], "merged": []}
    with psycopg.connect(url) as conn:
        targets = {s: _targets(s, s == "merged") for s in out}
        for i in range(repeat):
            for schema in list(out) if i % 2 == 0 else reversed(list(out)):
                out[schema].append(_fold_updates(conn, targets[schema], rows))
        return {s: (statistics.median(v), hot_eligible(conn, targets[s])) for s, v in out.items()}


def _report(url, opts, merged_shape, medians, folds):
    machine = _machine(url)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    tables, changed = merged_shape
    lines = [
        "# Reports over one folded table a source, against a table a rollup (issue 27)",
        "",
        f"Run on {time.strftime('%Y-%m-%d')} with `python -m benchmarks.merged_rollups"
        f" --appointments {opts.appointments} --repeat {opts.repeat}`; {machine['cores']}"
        f" cores, PostgreSQL {version}. Two tenants of {opts.appointments:,} appointments made"
        " alike, each source's rollups in one table (migration t0022: a grain column, each"
        " key and index partial on its grain); in `apart`, the"
        f" {tables} rollups then moved back into a table each, as before t0022 (the at-risk"
        " report's two grains read directly stay merged in both). Median of each report"
        " function on a warm connection, the tenants alternating. Answers changed by the"
        " move (every report asked before and after it, in its transaction, the merged rows"
        f" emptied by then): {', '.join(changed) or 'none'}.",
        "",
        "| report | a table a rollup (ms) | one table a source (ms) | ratio |",
        "|---|---|---|---|",
    ]
    for name, _query in REPORTS:
        apart, merged = medians["apart"][name], medians["merged"][name]
        lines.append(f"| {name} | {apart:.2f} | {merged:.2f} | {merged / apart:.2f}x |")
    (apart_ms, apart_hot), (merged_ms, merged_hot) = folds["apart"], folds["merged"]
    lines += [
        "",
        f"The fold's writes: {opts.rows:,} rows of each rollup given 1 more of every measure"
        " (as the fold's upserts add to the rows they find), one transaction rolled back,"
        f" the layouts alternating, medians of {opts.repeat}; hardly any of these updates is HOT"
        " (a freshly loaded table's pages are full). Beside it, how many of the"
        f" {tables} rollups' fold updates may be HOT at all (none of their measures in an"
        " index of the table they live in):",
        "",
        "| layout | ms | rollups whose fold updates may be HOT |",
        "|---|---|---|",
        f"| a table a rollup | {apart_ms:.1f} | {apart_hot} of {tables} |",
        f"| one table a source | {merged_ms:.1f} ({merged_ms / apart_ms:.2f}x) |"
        f" {merged_hot} of {tables} |",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rows", type=int, default=2000, help="rows a rollup, fold writes")
    opts = parser.parse_args()
    url, app = data.bench_server(OUT / "pgdata-merged")
    with app.app_context():
        for schema in ("apart", "merged"):
            data.make_tenant(schema, opts.appointments)
    with psycopg.connect(url) as conn:
        shape = split(conn, "apart")
    medians = measure(url, ["apart", "merged"], opts.repeat)
    report = _report(url, opts, shape, medians, fold_like(url, opts.rows, opts.repeat))
    print(report)
    (ROOT / "benchmarks" / "MERGED_ROLLUPS.md").write_text(report)


if __name__ == "__main__":
    main()
