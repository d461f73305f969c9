"""Issue 27: what the objects a creation still makes cost, and what merging them would save.

    .venv/bin/python -m benchmarks.creation_levers [--url URL] [--rounds 9]

Without --url, reuses the server `python -m benchmarks.many_tenants` left in
benchmarks/out/many-pgdata (its catalog as full as a server of many tenants); with it,
any database holding tenants (`flask tenants create-many`). Each measurement is a
transaction on one warm connection, rolled back; medians of --rounds, the forms
alternating. Written to docs/scale-out.md ("What each lever left would buy"):

1. the appointment rollup tables with their secondary indexes, as migrations/tenant/
   baseline.sql creates them, against one table holding every grain (a grain column,
   nullable keys, one UNIQUE NULLS NOT DISTINCT key and two secondary indexes), and the
   same table with each rollup's key and secondary indexes as partial indexes on its
   grain (the column order each rollup's reads use);
2. the tenant's views made again under other names: all of them, then only the rollup
   views (the folded rows plus the changes not folded yet);
3. every comment on the tenant's views, tables and columns written again, in one script;
4. the appointment rollups whole, as a creation makes them (tables, indexes, the rollup
   views and their comments) against one table with each grain's keys partial and one
   view of every grain (one_view(); its reads: benchmarks/merged_rollups.py);
5. the same for every additive rollup of the registry (appointments, payments and
   customers' visit links): each source's rollups as one table and one view, and as one
   table with each rollup's view kept under its name (the reports unchanged);
6. for scale, a whole creation of a tenant schema (migrate.upgrade_tenant, rolled back).

The rollups' views in these forms leave out the per-customer states' views, which a
redesign of the additive rollups would not touch (before 2026-12-08 the appointment
rollups' form 4 made those three too).
"""

import argparse
import re
import statistics
import time

import psycopg
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from analytics_app.db import migrate, rollups
from analytics_app.db.embedded import start_embedded
from benchmarks.run import OUT

T0022 = migrate.revision_module("t0022")

SOURCES = ("appointment", "payment", "customer_link")


def _table_pattern(source):
    """Patterns of the CREATE TABLE (with its columns' storage) and CREATE INDEX statements
    of the source's rollups' tables as they were before t0022 (a table a rollup)."""
    names = "|".join(f"{r.table}_folded" for r in rollups.ROLLUPS if r.source == source)
    return (
        re.compile(
            rf"^CREATE TABLE (?:{names}) \(\n.*?^\);(?:\nALTER TABLE \w+ ALTER COLUMN [^\n]*;)?$",
            re.M | re.S,
        ),
        re.compile(rf"^CREATE (?:UNIQUE )?INDEX \w+ ON (?:{names}) .*;$", re.M),
    )


MERGED = """
CREATE TABLE appointment_rollup_folded (
    grain smallint NOT NULL, day date, month date, week date, created_day date,
    hour smallint, weekday smallint, status text STORAGE PLAIN, source text,
    service_id bigint, resource_id bigint,
    appointments bigint NOT NULL DEFAULT 0, duration_seconds numeric STORAGE PLAIN NOT NULL DEFAULT 0,
    lead_appointments bigint NOT NULL DEFAULT 0, lead_seconds numeric STORAGE PLAIN NOT NULL DEFAULT 0,
    lead_same_day bigint NOT NULL DEFAULT 0, lead_1_to_6_days bigint NOT NULL DEFAULT 0,
    lead_7_to_29_days bigint NOT NULL DEFAULT 0, lead_30_days_or_more bigint NOT NULL DEFAULT 0,
    confirmed bigint NOT NULL DEFAULT 0, cancelled bigint NOT NULL DEFAULT 0,
    no_show bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX appointment_rollup_key ON appointment_rollup_folded
    (grain, day, month, week, created_day, hour, weekday, status, md5(source), service_id,
     resource_id) NULLS NOT DISTINCT;
CREATE INDEX appointment_rollup_rid ON appointment_rollup_folded (grain, resource_id, day);
CREATE INDEX appointment_rollup_sid ON appointment_rollup_folded (grain, service_id, resource_id, day);
"""


def rollup_tables(source="appointment"):
    """(the source's rollups' CREATE TABLE and CREATE INDEX statements as before t0022, a
    table a rollup (that revision's downgrade makes them), their count)."""
    script = T0022.OLD_TABLES + T0022.OLD_INDEXES
    table, index = _table_pattern(source)
    tables = table.findall(script)
    return "\n".join(tables + index.findall(script)), len(tables)


def _of(source):
    return [r for r in rollups.ROLLUPS if r.source == source]


def _column_types(source):
    types = {}
    for r in _of(source):
        for name, kind, _expr in r.keys + r.measures:
            types.setdefault(name, kind)
    return types


def merged_table(source):
    """One table for every rollup of `source`: a grain column, the keys nullable, the
    measures NOT NULL DEFAULT 0, stored as the rollups' own tables store them (no
    compression or TOAST for a status or a numeric; free text as it comes)."""
    measures = {name for r in _of(source) for name, _kind, _expr in r.measures}
    columns = ["grain smallint NOT NULL"]
    for name, kind in _column_types(source).items():
        plain = kind == "numeric" or (kind == "text" and name not in rollups.FREE_TEXT)
        storage = " STORAGE PLAIN" if plain else ""
        required = " NOT NULL DEFAULT 0" if name in measures else ""
        columns.append(f"{name} {kind}{storage}{required}")
    return f"CREATE TABLE {source}_rollup_folded (\n    " + ",\n    ".join(columns) + "\n)"


def merged_per_grain(tables, source="appointment"):
    """The source's merged table with each grain's own keys as the reads need them: one
    partial unique index per rollup in its key's column order (with its INCLUDE columns),
    and its secondary indexes, partial too."""
    keys = re.findall(r"PRIMARY KEY (\([^)]*\)(?: INCLUDE \([^)]*\))?)", tables)
    keys += re.findall(r"CREATE UNIQUE INDEX \w+ ON \w+ USING btree (\(.*\));", tables)
    others = re.findall(r"CREATE INDEX \w+ ON \w+ USING btree (\(.*\));", tables)
    statements = [merged_table(source)]
    for kind, found in (("UNIQUE INDEX", keys), ("INDEX", others)):
        statements += [
            f"CREATE {kind} ON {source}_rollup_folded {columns} WHERE grain = {i}"
            for i, columns in enumerate(found)
        ]
    return ";\n".join(statements) + ";"


def rollup_views(source="appointment"):
    """The source's rollup views with their comments as they were before t0022: each over
    its own table."""
    return "\n".join(
        rollups.rollup_view(
            r,
            f"SELECT {rollups._names(r.keys + r.measures)} FROM {r.table}_folded\nUNION ALL\n"
            + rollups._pending(r, f"{r.source}_fact_changes"),
        )
        for r in _of(source)
    )


def one_view(source="appointment"):
    """One view of every rollup of `source` (its merged table plus the changes not folded
    yet, an arm a grain, each arm's other columns NULL), commented as the rollup views
    are: a report would read grain i with `WHERE grain = i` above the UNION ALL
    (benchmarks/merged_rollups.py measures those reads for the appointments)."""
    types = _column_types(source)
    names = list(types)
    view = f"{source}_rollup"
    arms = [f"SELECT grain, {', '.join(names)} FROM {view}_folded"]
    for grain, r in enumerate(_of(source)):
        exprs = {name: f"({expr})::{kind}" for name, kind, expr in r.keys + r.measures}
        cols = ", ".join(exprs.get(name, f"NULL::{types[name]}") for name in names)
        where = f" WHERE {r.where}" if r.where else ""
        arms.append(f"SELECT {grain}::smallint, {cols} FROM {source}_fact_changes{where}")
    return (
        f"CREATE VIEW {view} AS\n"
        + "\nUNION ALL\n".join(arms)
        + f";\nCOMMENT ON VIEW {view} IS 'Every {source} rollup: the folded rows"
        " plus the changes not folded yet, a grain each (sum a key''s rows).';\n"
        f"COMMENT ON COLUMN {view}.grain IS 'which rollup the row is of';\n"
        + rollups._column_comments(view, names)
    )


def grain_views(source):
    """Each rollup's view under its own name and columns over the source's merged table:
    the merged rows plus the changes not folded yet, both arms carrying the grain, which
    is chosen above the UNION ALL (as benchmarks/merged_rollups.py made them and measured
    their reads at 1M); the reports unchanged."""
    out = []
    for grain, r in enumerate(_of(source)):
        names = rollups._names(r.keys + r.measures)
        select = (
            f"SELECT {names} FROM (SELECT grain, {names} FROM {source}_rollup_folded\n"
            f"UNION ALL\n"
            + rollups._pending(r, f"{source}_fact_changes").replace(
                "SELECT ", f"SELECT {grain}::smallint, ", 1
            )
            + f") merged_rows WHERE merged_rows.grain = {grain}"
        )
        out.append(rollups.rollup_view(r, select))
    return "\n".join(out)


def thin_views(source):
    """Each rollup's view under its own name and columns as `SELECT ... FROM <source>_rollup
    WHERE grain = i` over one_view(source): the planner sees what grain_views() give it
    (the grain above the UNION ALL), with the other grains' arms to drop."""
    return "\n".join(
        rollups.rollup_view(
            r,
            f"SELECT {rollups._names(r.keys + r.measures)} FROM {source}_rollup"
            f" WHERE grain = {grain}",
        )
        for grain, r in enumerate(_of(source))
    )


def every_source(merged):
    """Every additive rollup's tables, indexes and views as a creation makes them, or
    (merged) each source's as one table with each grain's keys partial and one view (the
    reports would read the grains from it); merged "grain views": the one table and each
    rollup's view over it (grain_views), "thin views": the one table, the one view and
    each rollup's view over that (thin_views)."""
    parts = []
    for source in SOURCES:
        tables, _count = rollup_tables(source)
        if merged == "grain views":
            parts += [merged_per_grain(tables, source), grain_views(source)]
        elif merged == "thin views":
            parts += [merged_per_grain(tables, source), one_view(source), thin_views(source)]
        elif merged:
            parts += [merged_per_grain(tables, source), one_view(source)]
        else:
            parts += [tables, rollup_views(source)]
    return parts


def whole_creation(url):
    """A callable: ms of one whole creation of a tenant schema (migrate.upgrade_tenant, as
    `flask tenants create` makes it, without the tenant's public rows), rolled back."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool)

    def run():
        with engine.connect() as connection, connection.begin() as transaction:
            started = time.perf_counter()
            migrate.upgrade_tenant(connection, "zz_whole_creation")
            elapsed = (time.perf_counter() - started) * 1000
            transaction.rollback()
        return elapsed

    return run


def timed(conn, schema, statements):
    """ms to run `statements` (SQL texts) in a new schema's or `schema`'s transaction, or
    what `statements` returns if it is a callable (whole_creation)."""
    if callable(statements):
        return statements()
    started = time.perf_counter()
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(sql.Identifier(schema)))
        conn.execute("SET LOCAL check_function_bodies = off")
        for statement in statements:
            conn.execute(statement)
    return (time.perf_counter() - started) * 1000


def view_copies(conn, schema, rollups_only):
    rows = conn.execute(
        "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c"
        " WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'v' ORDER BY 1",
        (schema,),
    ).fetchall()
    kept = ("appointment_rollup_", "payment_rollup_", "customer_")
    return [
        f"CREATE VIEW zz_{name[:50]} AS {body}"
        for name, body in rows
        if not rollups_only or name.startswith(kept)
    ]


RELATION_KINDS = {"r": "TABLE", "v": "VIEW", "S": "SEQUENCE", "i": "INDEX"}


def comments(conn, schema):
    """One script writing every comment on the schema's relations and columns again."""
    rows = conn.execute(
        "SELECT c.relkind, c.relname, a.attname, d.description FROM pg_description d"
        " JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid"
        "  AND d.objsubid > 0"
        " WHERE c.relnamespace = %s::regnamespace",
        (schema,),
    ).fetchall()
    out = []
    for kind, rel, column, text in rows:
        target = (
            sql.SQL("COLUMN {}.{}").format(sql.Identifier(rel), sql.Identifier(column))
            if column
            else sql.SQL("{} {}").format(sql.SQL(RELATION_KINDS[kind]), sql.Identifier(rel))
        )
        out.append(sql.SQL("COMMENT ON {} IS {}").format(target, sql.Literal(text)).as_string(conn))
    return [";\n".join(out) + ";"], len(out)


def measure(url, schema, rounds):
    """{form: [ms per round]}, the forms alternating within each round."""
    tables, count = rollup_tables()
    with psycopg.connect(url, autocommit=True) as conn:
        notes, n_comments = comments(conn, schema)
        fresh = ["CREATE SCHEMA zz_levers", "SET LOCAL search_path TO zz_levers"]
        beside = [fresh[0], f'SET LOCAL search_path TO zz_levers, "{schema}", public']
        forms = {
            "a whole creation (rolled back)": whole_creation(url),
            "the appointment rollups a table each (before t0022): tables, indexes, views, comments": [
                *beside,
                tables,
                rollup_views(),
            ],
            "... as one table (each grain's keys partial) and one view": [
                *beside,
                merged_per_grain(tables),
                one_view(),
            ],
            f"every additive rollup ({len(rollups.ROLLUPS)}) a table each, of {len(SOURCES)} sources": [
                *beside,
                *every_source(merged=False),
            ],
            "... as one table (each grain's keys partial) and one view a source": [
                *beside,
                *every_source(merged=True),
            ],
            "... as one table a source and each rollup's view over it (t0022, as now)": [
                *beside,
                *every_source(merged="grain views"),
            ],
            "... as one table and one view a source, each rollup's view over that": [
                *beside,
                *every_source(merged="thin views"),
            ],
            f"the {count} appointment rollup tables with their indexes": [*fresh, tables],
            "them as one table of every grain": [*fresh, MERGED],
            "... with each grain's keys as partial indexes": [*fresh, merged_per_grain(tables)],
            "all the tenant's views": view_copies(conn, schema, False),
            "the rollup views": view_copies(conn, schema, True),
            f"the {n_comments} comments on relations and columns": notes,
        }
        results = {form: [] for form in forms}
        for i in range(rounds):
            for form in forms if i % 2 == 0 else reversed(forms):
                results[form].append(timed(conn, schema, forms[form]))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--rounds", type=int, default=9)
    opts = parser.parse_args()
    url = opts.url
    if url is None:
        url = make_url(start_embedded(OUT / "many-pgdata", cleanup_mode="stop"))
        url = url.render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        (count, schema) = conn.execute(
            "SELECT (SELECT count(*) FROM public.tenants),"
            " (SELECT schema_name FROM public.tenants ORDER BY id DESC LIMIT 1)"
        ).fetchone()
    print(f"{count:,} tenants; measured in {schema}; medians of {opts.rounds} rounds, ms:")
    for form, values in measure(url, schema, opts.rounds).items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"  {form}: {statistics.median(values):.1f} ({runs})")


if __name__ == "__main__":
    main()
