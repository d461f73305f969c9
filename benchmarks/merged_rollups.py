"""Issue 27: would the reports keep their speed at 1M if a tenant's appointment rollups were
one table? The question the creation-time redesign (docs/scale-out.md, "What each lever
left would buy") left unmeasured.

    .venv/bin/python -m benchmarks.merged_rollups [--appointments 1000000] [--repeat 15]
    # writes MERGED_ROLLUPS.md  [--rows 2000]

Two tenants of N appointments made alike (benchmarks/data.py: the same seeded rows, the
change log folded, vacuumed). In one, `merged`, the appointment rollups' folded tables
are then moved into one table keyed by a grain column (nullable keys): each rollup's
primary key, unique key and secondary indexes become partial indexes `WHERE grain = i`
in their own column order (with their INCLUDE columns). Each rollup view is made again
as the merged table's rows plus the changes not folded yet, both arms carrying the
grain, with `grain = i` chosen above the UNION ALL: as a redesigned registry's one view
per source would be read by a report asking for grain i (a view is inlined before
planning). The report functions are unchanged. Then each one's median on a warm
connection, the two tenants alternating within each round. Starts its own embedded
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

from analytics_app.db import rollups
from benchmarks import data
from benchmarks.backlog import REPORTS
from benchmarks.run import OUT, ROOT, _machine

MERGED = "appointment_rollup_folded"


def _folded_tables(conn, schema):
    """[(folded table, its rollup view)] of the schema's appointment rollups, by name."""
    rows = conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r'"
        " AND relname LIKE 'appointment\\_rollup\\_%%\\_folded' ORDER BY relname",
        (schema,),
    ).fetchall()
    return [(name, name.removesuffix("_folded")) for (name,) in rows]


def _columns(conn, schema, table):
    """[(column, type)] of a table, in order."""
    return conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (f'"{schema}".{table}',),
    ).fetchall()


def _indexes(conn, schema, table):
    """CREATE INDEX statements of a table's indexes (its keys included)."""
    rows = conn.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass"
        " ORDER BY indexrelid",
        (f'"{schema}".{table}',),
    ).fetchall()
    return [definition for (definition,) in rows]


def _partial(definition, schema, grain, number):
    """An index definition moved onto the merged table, limited to one grain."""
    head, rest = definition.split(" ON ", 1)
    unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
    rest = re.sub(r"^\S+ ", "", rest)  # the table's name; the merged one instead
    where = f"grain = {grain}"
    if " WHERE " in rest:
        rest, predicate = rest.split(" WHERE ", 1)
        where = f"{where} AND ({predicate})"
    name = f"{MERGED}_{grain}_{number}"
    return f'CREATE {unique}INDEX {name} ON "{schema}".{MERGED} {rest} WHERE {where}'


def _answers(conn):
    """Every report's answer, as this transaction sees the data (now() is its start)."""
    return [conn.execute(query).fetchone()[0] for _name, query in REPORTS]


def _over_merged(definition, schema, table, grain, names):
    """A rollup view's definition (pg_get_viewdef: the folded table UNION ALL the changes
    not folded yet) read from the merged table: both arms carry the grain, and the grain
    is chosen above the UNION ALL, so that the planner pushes it into each arm (a WHERE
    inside an arm would keep that arm from being flattened, and the reports' join
    conditions from reaching its index)."""
    folded, changes = definition.rstrip().rstrip(";").split("\nUNION ALL\n")
    folded, found = re.subn(
        rf" FROM (?:{schema}\.)?{table}\b", f" FROM {schema}.{MERGED} {table}", folded, count=1
    )
    if not found:
        raise SystemExit(f"{table}: not read by its view as expected:\n{definition}")
    folded = folded.replace(" SELECT ", f" SELECT {table}.grain, ", 1)
    changes = changes.replace(" SELECT ", f" SELECT {grain}::smallint AS grain, ", 1)
    return (
        f"SELECT {names} FROM ({folded}\nUNION ALL\n{changes}) merged_rows"
        f" WHERE merged_rows.grain = {grain}"
    )


def merge(conn, schema):
    """Move the schema's appointment rollups into one table (see the module's text), in
    one transaction that asks every report before and after (the old tables emptied by
    then): returns (tables moved, columns, the reports whose answer changed)."""
    conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
    before = _answers(conn)
    tables = _folded_tables(conn, schema)
    columns, types = [], {}
    for table, _view in tables:
        for name, kind in _columns(conn, schema, table):
            if types.setdefault(name, kind) != kind:
                raise SystemExit(f"{name}: {kind} in {table}, {types[name]} elsewhere")
            if name not in columns:
                columns.append(name)
    body = ", ".join(f"{name} {types[name]}" for name in columns)
    conn.execute(f"CREATE TABLE {MERGED} (grain smallint NOT NULL, {body})")
    for grain, (table, view) in enumerate(tables):
        names = ", ".join(name for name, _kind in _columns(conn, schema, table))
        conn.execute(f"INSERT INTO {MERGED} (grain, {names}) SELECT {grain}, {names} FROM {table}")
        for number, definition in enumerate(_indexes(conn, schema, table)):
            conn.execute(_partial(definition, schema, grain, number))
        (definition,) = conn.execute(
            "SELECT pg_get_viewdef(%s::regclass)", (f'"{schema}".{view}',)
        ).fetchone()
        view_names = ", ".join(name for name, _kind in _columns(conn, schema, view))
        conn.execute(
            f"CREATE OR REPLACE VIEW {view} AS"
            f" {_over_merged(definition, schema, table, grain, view_names)}"
        )
        conn.execute(f"ALTER TABLE {table} RENAME TO {view}_was_folded")
        # Emptied: an answer still read from the old table would change.
        conn.execute(f"TRUNCATE {view}_was_folded")
    after = _answers(conn)
    changed = [name for (name, _q), a, b in zip(REPORTS, before, after, strict=True) if a != b]
    conn.commit()
    conn.autocommit = True
    conn.execute(f"VACUUM (ANALYZE) {MERGED}")
    conn.autocommit = False
    return len(tables), len(columns), changed


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


def _targets(conn, schema, merged):
    """[(relation, rows of the rollup there, its measures)] of each appointment rollup,
    in the order merge() numbered the grains."""
    measures = {r.folded: [m for m, _type, _expr in r.measures] for r in rollups.ROLLUPS}
    out = []
    for grain, (table, _view) in enumerate(_folded_tables(conn, "apart")):
        where = f"WHERE grain = {grain}" if merged else ""
        out.append((f'"{schema}".{MERGED if merged else table}', where, measures[table]))
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
        targets = {s: _targets(conn, s, s == "merged") for s in out}
        for i in range(repeat):
            for schema in list(out) if i % 2 == 0 else reversed(list(out)):
                out[schema].append(_fold_updates(conn, targets[schema], rows))
        return {s: (statistics.median(v), hot_eligible(conn, targets[s])) for s, v in out.items()}


def _report(url, opts, merged_shape, medians, folds):
    machine = _machine(url)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    tables, columns, changed = merged_shape
    lines = [
        "# Reports over one merged appointment rollup table (issue 27)",
        "",
        f"Run on {time.strftime('%Y-%m-%d')} with `python -m benchmarks.merged_rollups"
        f" --appointments {opts.appointments} --repeat {opts.repeat}`; {machine['cores']}"
        f" cores, PostgreSQL {version}. Two tenants of {opts.appointments:,} appointments made"
        f" alike; in `merged`, the {tables} appointment rollup tables moved into one table"
        f" ({columns} columns and a grain), each key and index partial on its grain. Median"
        " of each report function on a warm connection, the tenants alternating. Answers"
        " changed by the move (every report asked before and after it, in its transaction,"
        " the old tables emptied by then):"
        f" {', '.join(changed) or 'none'}.",
        "",
        "| report | separate tables (ms) | one merged table (ms) | ratio |",
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
        f"| separate tables | {apart_ms:.1f} | {apart_hot} of {tables} |",
        f"| one merged table | {merged_ms:.1f} ({merged_ms / apart_ms:.2f}x) |"
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
        shape = merge(conn, "merged")
    medians = measure(url, ["apart", "merged"], opts.repeat)
    report = _report(url, opts, shape, medians, fold_like(url, opts.rows, opts.repeat))
    print(report)
    (ROOT / "benchmarks" / "MERGED_ROLLUPS.md").write_text(report)


if __name__ == "__main__":
    main()
