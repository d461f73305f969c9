"""Issue 16: what finding the tenant's row costs with thousands of tenants, per call.

    .venv/bin/python -m benchmarks.tenant_lookup

Reads the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata
(databases `one`: one tenant, `many`: thousands) and times, on one warm connection per
database, the lookup every report, gate and rollup trigger makes: the tenant's row of
public.tenants by the schema on the search path. `schema_name = current_schema()`
compares the text column with a `name` (collation "C"), which the column's index (default
collation) cannot serve; `current_schema()::text COLLATE "default"` can. Then the
functions as this checkout defines them (apply its migrations and SQL first: the
benchmark does not). Prepared statements are off. Prints a Markdown table of medians
(ms) over 200 calls.
"""

import statistics
import time

import psycopg
from sqlalchemy.engine import make_url

from analytics_app.db.embedded import start_embedded
from benchmarks.run import OUT

STATEMENTS = {
    "tenant row by current_schema() (whole table read)": "SELECT timezone FROM public.tenants"
    " WHERE schema_name = current_schema()",
    'tenant row by current_schema()::text COLLATE "default" (index)': "SELECT timezone FROM"
    ' public.tenants WHERE schema_name = current_schema()::text COLLATE "default"',
    "tenant_timezone()": "SELECT tenant_timezone()",
    "revenue_report(30)": "SELECT revenue_report(30, NULL, now(), NULL, NULL)::text",
    "appointments_report(30)": "SELECT appointments_report(30, NULL, NULL, NULL, now(),"
    " NULL, NULL)::text",
}


def _medians(url, calls=200):
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT set_config('search_path', 'probe, public', false)")
        out = {}
        for name, statement in STATEMENTS.items():
            samples = []
            for _ in range(calls + 10):
                started = time.perf_counter()
                conn.execute(statement).fetchone()
                samples.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(samples[10:])
        tenants = conn.execute("SELECT count(*) FROM public.tenants").fetchone()[0]
    return out, tenants


def main():
    many = start_embedded(OUT / "many-pgdata", cleanup_mode="stop")
    one = make_url(many).set(database="one").render_as_string(hide_password=False)
    (few, n_one), (lots, n_many) = _medians(one), _medians(many)
    print(f"| statement (median ms) | {n_one:,} tenant | {n_many:,} tenants | ratio |")
    print("|---|---|---|---|")
    for name in STATEMENTS:
        print(f"| {name} | {few[name]:.3f} | {lots[name]:.3f} | {lots[name] / few[name]:.1f}x |")


if __name__ == "__main__":
    main()
