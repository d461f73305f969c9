"""Issue 16: what a function name shared by every tenant schema costs per call.

    .venv/bin/python -m benchmarks.name_lookup

Reads the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata
(databases `one`: one tenant, `many`: thousands) and times, on one warm connection per
database, statements that differ only in how the function they call is found: a name
that every tenant schema has (`tenant_timezone`, unqualified and schema-qualified),
the same body in functions whose names exist once, and the report functions. Prepared
statements are off, so each call is parsed and planned as a request's is. Prints a
Markdown table of medians (ms) over 200 calls.
"""

import statistics
import time

import psycopg
from sqlalchemy.engine import make_url

from analytics_app.db.embedded import start_embedded
from benchmarks.run import OUT

BODY = "SELECT coalesce((SELECT timezone FROM public.tenants WHERE schema_name = 'probe'), 'UTC')"
SETUP = f"""
CREATE FUNCTION pg_temp.plain_tz() RETURNS text LANGUAGE sql STABLE AS $$ {BODY} $$;
CREATE FUNCTION pg_temp.definer_tz() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = probe, public, pg_temp AS $$ {BODY} $$;
"""
STATEMENTS = {
    "the body, inline": BODY,
    "a uniquely named function": "SELECT pg_temp.plain_tz()",
    "a uniquely named definer function, path pinned": "SELECT pg_temp.definer_tz()",
    "tenant_timezone() (a name in every tenant schema)": "SELECT tenant_timezone()",
    "probe.tenant_timezone() (the same, qualified)": "SELECT probe.tenant_timezone()",
    "revenue_report(30)": "SELECT revenue_report(30, NULL, now(), NULL, NULL)::text",
    "appointments_report(30)": "SELECT appointments_report(30, NULL, NULL, NULL, now(),"
    " NULL, NULL)::text",
}


def _medians(url, calls=200):
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT set_config('search_path', 'probe, public', false)")
        conn.execute(SETUP)
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
