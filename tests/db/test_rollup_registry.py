"""Every rollup is declared once (db/rollups.py); the SQL that folds, reads, recounts,
verifies, repairs and rebuilds it is generated from the declaration and committed."""

from analytics_app.db import catalogue, rollups
from tests.storm import connect


def test_the_committed_sql_is_what_the_registry_generates():
    for name, text in rollups.generated().items():
        committed = (catalogue.SQL_DIR / f"{name}.sql").read_text()
        assert committed == text, (
            f"analytics_app/sql/{name}.sql differs from the registry:"
            " run `python -m analytics_app.db.rollups`"
        )


def test_every_rollup_and_state_has_a_folded_table_and_is_verified(make_tenant):
    tenant = make_tenant()
    tables = {
        r[0]
        for r in tenant.sql(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            " AND relkind = 'r'"
        )
    }
    declared = [r.folded for r in rollups.ROLLUPS] + [s.folded for s in rollups.STATES]
    assert set(declared) <= tables
    # Each rollup's key: a unique index of its source's folded table, partial on its grain.
    keys = {
        r[0]: r[1]
        for r in tenant.sql(
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indisunique"
            " AND c.relnamespace = current_schema()::regnamespace"
        )
    }
    for r in rollups.ROLLUPS:
        assert keys[f"{r.table}_key"] == f"(grain = {r.grain})", r.table
    grains = [(r.source, r.grain) for r in rollups.ROLLUPS]
    assert len(set(grains)) == len(grains)  # a grain is never shared
    checked = [r[0] for r in tenant.sql("SELECT rollup FROM verify_rollups()")]
    assert checked == [r.table for r in rollups.ROLLUPS] + [s.table for s in rollups.STATES]


# A new grain: confirmed appointments per local month. One registry entry ...
MONTHLY = rollups.Rollup(
    "appointment_rollup_month",
    "appointment",
    (("month", "date", "date_trunc('month', day)::date"),),
    (("appointments", "bigint", "sign"), ("duration_seconds", "numeric", "sign * seconds")),
    where="status = 'confirmed'",
    comment="confirmed appointments per local month",
    grain=16,
)
# ... and one migration (a tenant revision would run exactly this): its key, a unique
# index partial on its grain; the source's folded table has its columns already.
MIGRATION = """
CREATE UNIQUE INDEX appointment_rollup_month_key ON appointment_rollup_folded (month)
    WHERE grain = 16
"""


def test_a_rollup_is_added_by_one_entry_and_one_migration(app, runner, make_tenant, sql_copy):
    tenant = make_tenant("Pacific/Auckland")
    with connect(tenant) as conn:
        conn.execute(
            "INSERT INTO services (id, name) VALUES (1, 'Cut');"
            " INSERT INTO resources (id, name) VALUES (1, 'A')"
        )
        # 31 Jan 23:30 local (Auckland, UTC+13) is 31 Jan 10:30 UTC; 1 Mar 00:30 local is
        # 29 Feb 11:30 UTC (2028 is a leap year).
        for start, status in [
            ("2028-01-31 10:30+00", "confirmed"),
            ("2028-02-29 11:30+00", "confirmed"),
            ("2028-02-10 09:00+00", "confirmed"),
            ("2028-02-11 09:00+00", "cancelled"),
        ]:
            conn.execute(
                "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
                " VALUES (1, 1, %s, %s::timestamptz + interval '40 minutes', %s)",
                (start, start, status),
            )
        conn.commit()
    tenant.fold()

    tenant.sql(MIGRATION)
    rollups.write(sql_copy.path, rollups.ROLLUPS + (MONTHLY,))
    result = runner.invoke(args=["db", "upgrade", "--tenant", tenant.schema])
    assert result.exit_code == 0, result.output

    months = (
        "SELECT month::text, sum(appointments)::int, sum(duration_seconds)::int"
        " FROM appointment_rollup_month GROUP BY 1 HAVING sum(appointments) <> 0 ORDER BY 1"
    )
    # Built from the existing rows by the upgrade's rebuild:
    assert tenant.sql(months) == [
        ("2028-01-01", 1, 2400),
        ("2028-02-01", 1, 2400),
        ("2028-03-01", 1, 2400),
    ]
    # Written to through the log, exact before the fold and after it:
    with connect(tenant) as conn:
        conn.execute("UPDATE appointments SET status = 'confirmed' WHERE status = 'cancelled'")
        conn.execute(
            "UPDATE appointments SET start_time = start_time + interval '1 hour',"
            " end_time = end_time + interval '1 hour'"
            " WHERE start_time = '2028-01-31 10:30+00'"
        )  # now 1 Feb 00:30 local
        conn.commit()
    expected = [("2028-02-01", 3, 7200), ("2028-03-01", 1, 2400)]
    assert tenant.sql(months) == expected
    assert tenant.fold() == 4
    assert tenant.sql(months) == expected
    assert tenant.sql(
        "SELECT month::text, appointments FROM appointment_rollup_folded"
        " WHERE grain = 16 AND appointments <> 0 ORDER BY 1"
    ) == [("2028-02-01", 3), ("2028-03-01", 1)]
    verified = {r[0]: r[2] for r in tenant.sql("SELECT * FROM verify_rollups()")}
    assert verified["appointment_rollup_month"] == 0
    assert set(verified.values()) == {0}
