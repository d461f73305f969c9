"""Issue 27: what calling a tenant function by its name costs beside 10,000 tenants.

    .venv/bin/python -m benchmarks.name_lookup [--tenants 3] [--rounds 5]

Reuses the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata.
PostgreSQL looks a function's name up among every function of that name in the database
(one per tenant) and builds that list again, each body detoasted, after any change to
`pg_proc` anywhere (docs/scale-out.md). Two measurements:

1. An upgrade's rebuild, side by side on the same tenants: in a transaction rolled back,
   `rebuild_rollups.sql` replaced in place as a release does, then the rollups rebuilt by
   calling `rebuild_rollups()`, or by running its body as a block
   (`migrate.rebuild_block()`, what `flask db upgrade` runs).
2. A call by name on a warm connection, and again after another session changed
   `pg_proc` (a temporary function): `fold_rollups()` with nothing to fold and
   `dashboard_report()`.
"""

import argparse
import statistics
import time

import psycopg
from sqlalchemy.engine import make_url

from analytics_app.db import catalogue, migrate
from analytics_app.db.embedded import start_embedded
from benchmarks.run import OUT


def _ms(started):
    return (time.perf_counter() - started) * 1000


def rebuild(url, schema, how):
    """ms of the rebuild right after rebuild_rollups.sql was replaced in place."""
    entry = next(e for e in catalogue.CATALOGUE if e.file == "rebuild_rollups")
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("BEGIN")
        raw.execute("SELECT set_config('search_path', %s, true)", (f'"{schema}", public, pg_temp',))
        assert catalogue._in_place(raw, schema, [entry]) is not None
        started = time.perf_counter()
        raw.execute(migrate.rebuild_block() if how == "block" else "SELECT rebuild_rollups()")
        took = _ms(started)
        raw.execute("ROLLBACK")
    return took


def calls(url, schema):
    """{what: ms} of one round of calls by name on a fresh connection (the other session's
    changes commit at once: the change is broadcast at commit)."""
    out = {}
    with (
        psycopg.connect(url, autocommit=True) as conn,
        psycopg.connect(url, autocommit=True) as other,
    ):
        conn.execute(f'SET search_path TO "{schema}", public')

        def fold():
            started = time.perf_counter()
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.execute("SELECT fold_rollups()").fetchone()
            return _ms(started)

        def dashboard():
            started = time.perf_counter()
            conn.execute("SELECT dashboard_report()").fetchone()
            return _ms(started)

        out["fold_rollups(), first call on the connection"] = fold()
        out["fold_rollups(), warm"] = fold()
        dashboard()
        out["dashboard_report(), warm"] = dashboard()
        other.execute("CREATE FUNCTION pg_temp.changed_1() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        out["fold_rollups(), after a change to pg_proc"] = fold()
        other.execute("CREATE FUNCTION pg_temp.changed_2() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        out["dashboard_report(), after a change to pg_proc"] = dashboard()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    url = make_url(start_embedded(OUT / "many-pgdata", cleanup_mode="stop"))
    url = url.render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        (count,) = conn.execute("SELECT count(*) FROM public.tenants").fetchone()
        schemas = [
            r[0]
            for r in conn.execute(
                "SELECT schema_name FROM public.tenants WHERE schema_name <> 'probe'"
                " ORDER BY id DESC LIMIT %s",
                (opts.tenants,),
            )
        ]
    print(f"{count:,} tenants; rebuild right after rebuild_rollups.sql was replaced, ms:")
    for schema in schemas:
        called = rebuild(url, schema, "call")
        block = rebuild(url, schema, "block")
        print(f"  {schema}: SELECT rebuild_rollups() {called:.1f}, its body as a block {block:.1f}")
    rounds = [calls(url, schemas[0]) for _ in range(opts.rounds)]
    print(f"calls by name in {schemas[0]}, medians of {opts.rounds} fresh connections, ms:")
    for what in rounds[0]:
        values = [r[what] for r in rounds]
        print(
            f"  {what}: {statistics.median(values):.1f} ({', '.join(f'{v:.1f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
