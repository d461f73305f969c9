"""Issue 27: where a tenant creation's server time goes, statement kind by statement kind.

    .venv/bin/python -m benchmarks.creation_statements --url URL --plan PLAN [--tenants 60]

URL is a database that already holds tenants (its catalog as full as the server to be
judged), on a server that loads pg_stat_statements (`shared_preload_libraries =
'pg_stat_statements'`, a restart; this script refuses otherwise). It creates --tenants
new tenants with `flask tenants create-many --jobs 1`, which counts each statement of a
multi-statement script apart, then prints each kind of statement (CREATE TABLE, CREATE
VIEW, ...) split into the rollup machinery (the rollups' tables, views, recount
functions and their comments: db/rollups.py's registry) and the rest, as milliseconds
of the server's statement time a tenant, and drops the tenants it made. The times are
the backend's own (planning and execution), waits included: run it on a quiet server.
Written to docs/scale-out.md ("A creation's statements by kind").
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

import psycopg

KINDS = (
    ("CREATE TABLE", r"^\s*create table"),
    ("CREATE INDEX", r"^\s*create (unique )?index"),
    ("CREATE VIEW", r"^\s*create (or replace )?view"),
    ("CREATE FUNCTION", r"^\s*create (or replace )?function"),
    ("COMMENT", r"^\s*comment"),
    ("ALTER FUNCTION (the renames)", r"^\s*alter function"),
    ("GRANT", r"^\s*grant"),
    ("CREATE TRIGGER", r"^\s*create (constraint )?trigger"),
)
# The rollup machinery's objects by name: the folded tables, the rollup views, their
# helpers and recount functions (db/rollups.py).
ROLLUP = (
    r"(rollup|_folded|_recount|_fresh|_pending|_recounted|fact_changes|_facts\M|customer_visit_"
    r"|customer_cohort|customer_at_risk_days|customer_lapsed_days|customer_new_channel"
    r"|customer_link|customers_changed|changed_customers|tenant_zone)"
)

# A statement's head, which names the object it makes or changes (and for an index or a
# trigger, its table): up to the first "(", " AS " or " IS " (not the view's query, the
# function's body or the comment's text, which name other objects).
HEAD = "split_part(split_part(split_part(query, '(', 1), ' AS ', 1), ' IS ', 1)"


def breakdown(conn):
    """[(kind, part, statements a tenant, ms a tenant)] over this database's statements."""
    cases = " ".join(f"WHEN query ~* '{pattern}' THEN '{kind}'" for kind, pattern in KINDS)
    return conn.execute(
        f"WITH s AS (SELECT CASE {cases} ELSE 'other' END AS kind,"
        f" CASE WHEN {HEAD} ~* '{ROLLUP}' THEN 'rollups' ELSE 'the rest' END AS part,"
        " calls, total_plan_time + total_exec_time AS ms FROM pg_stat_statements"
        " WHERE toplevel AND dbid = (SELECT oid FROM pg_database"
        " WHERE datname = current_database()))"
        " SELECT kind, part, sum(calls), sum(ms) FROM s GROUP BY 1, 2 ORDER BY 4 DESC"
    ).fetchall()


def prepare(conn):
    loaded = conn.execute(
        "SELECT 'pg_stat_statements' = ANY(string_to_array("
        "replace(current_setting('shared_preload_libraries'), ' ', ''), ','))"
    ).fetchone()[0]
    if not loaded:
        sys.exit("pg_stat_statements is not in shared_preload_libraries on this server")
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    # Each creation adds about 40 statements of its own (those naming its interim function
    # names); past the limit the least used entries are evicted and the counts fall short.
    if int(conn.execute("SHOW pg_stat_statements.max").fetchone()[0]) < 10000:
        sys.exit("set pg_stat_statements.max to at least 10000 (each creation adds ~40)")
    # Forget this database's entries only.
    conn.execute(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database"
        " WHERE datname = current_database()), 0)"
    )


def flask(url, *args):
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def drop(url, schemas):
    os.environ["DATABASE_URL"] = url
    from analytics_app import create_app
    from analytics_app.extensions import db
    from analytics_app.tenants import tenant_admin

    with create_app().app_context():
        for schema in schemas:
            tenant_admin.drop_tenant(schema)
            db.session.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--tenants", type=int, default=60)
    opts = parser.parse_args()
    prefix = f"cs{int(time.time()) % 100000:05d}"
    schemas = [f"{prefix}_{i:04d}" for i in range(opts.tenants)]
    with psycopg.connect(opts.url, autocommit=True) as conn:
        count = conn.execute("SELECT count(*) FROM public.tenants").fetchone()[0]
        prepare(conn)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="") as rows:
        writer = csv.writer(rows)
        writer.writerow(["schema", "name", "plan"])
        writer.writerows([schema, schema, opts.plan] for schema in schemas)
        rows.flush()
        started = time.perf_counter()
        flask(opts.url, "tenants", "create-many", rows.name, "--jobs", "1")
        wall = (time.perf_counter() - started) / opts.tenants * 1000
    with psycopg.connect(opts.url, autocommit=True) as conn:
        lines = breakdown(conn)
    drop(opts.url, schemas)
    n = opts.tenants
    total = sum(ms for *_, ms in lines) / n
    print(
        f"{n} tenants created beside {count:,} ({wall:.1f} ms a creation, wall, the command"
        f" included); the server's statements {total:.1f} ms a tenant:"
    )
    print("| statements | part | a tenant | ms a tenant | share |")
    print("|---|---|---|---|---|")
    for kind, part, calls, ms in lines:
        print(f"| {kind} | {part} | {calls / n:.1f} | {ms / n:.2f} | {ms / n / total:.0%} |")
    for part in ("rollups", "the rest"):
        ms = sum(m for _, p, _, m in lines if p == part) / n
        print(f"| all | {part} | | {ms:.2f} | {ms / total:.0%} |")


if __name__ == "__main__":
    main()
