"""Migrations: idempotent, per-schema, and the tenant tables as the SPEC fixes them."""

import os
import subprocess

from sqlalchemy import text

from analytics_app.db import catalogue, definers, migrate, readers
from analytics_app.db.embedded import pg_binary
from analytics_app.extensions import db

# The revision that made ten tables' columns PLAIN: which tables, from the revision itself.
t0020 = migrate.revision_module("t0020")
t0022 = migrate.revision_module("t0022")
# The columns PLAIN at the head: t0020's, on the tables t0022 kept, and the merged rollups'.
PLAIN_AT_HEAD = sum(
    len(columns) for table, columns in t0020.PLAIN.items() if table not in t0022.OLD
) + t0022.TABLES.count(" SET STORAGE PLAIN")


def _catalog_snapshot(conn):
    """Everything a migration could change, as comparable rows."""
    return conn.execute(
        text("""
        SELECT n.nspname, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        UNION ALL
        SELECT n.nspname, p.proname, 'f', md5(p.prosrc), p.oid::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2, 3, 4, 5
    """)
    ).all()


def test_upgrade_twice_changes_nothing_the_second_time(app, make_tenant):
    make_tenant()
    lines = []
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lines.append)
        with db.engine.connect() as conn:
            before = _catalog_snapshot(conn)
        lines.clear()
        migrate.upgrade_all(db.engine, echo=lines.append)
        with db.engine.connect() as conn:
            after = _catalog_snapshot(conn)
    assert before == after
    assert lines[0] == "public: up to date"
    assert all(line.endswith("up to date") for line in lines)
    assert len(lines) >= 2


def test_flask_db_upgrade_command_reports_each_schema(runner, make_tenant):
    tenant = make_tenant()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "public: up to date" in result.output
    assert f":{tenant.schema}] up to date" in result.output


def test_new_tenant_is_at_the_latest_revision(app, make_tenant):
    tenant = make_tenant()
    with app.app_context(), db.engine.connect() as conn:
        assert migrate.current_revision(conn, tenant.schema) == migrate.head("tenant")
        assert migrate.current_revision(conn, "public") == migrate.head("public")


def test_appointments_table_has_the_spec_columns_and_constraints(make_tenant):
    tenant = make_tenant()
    columns = tenant.sql(
        """
        SELECT column_name, data_type, is_nullable, is_identity
        FROM information_schema.columns
        WHERE table_schema = %s AND table_name = 'appointments' ORDER BY ordinal_position
    """,
        (tenant.schema,),
    )
    assert columns == [
        ("id", "bigint", "NO", "YES"),
        ("service_id", "bigint", "NO", "NO"),
        ("resource_id", "bigint", "NO", "NO"),
        ("customer_id", "bigint", "YES", "NO"),
        ("start_time", "timestamp with time zone", "NO", "NO"),
        ("end_time", "timestamp with time zone", "NO", "NO"),
        ("status", "text", "NO", "NO"),
        ("created_at", "timestamp with time zone", "NO", "NO"),
        ("source", "text", "YES", "NO"),  # SPEC Part 4
    ]
    constraints = dict(
        tenant.sql("""
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'appointments'::regclass ORDER BY conname
    """)
    )
    assert constraints["appointments_end_after_start"] == "CHECK ((end_time > start_time))"
    assert "confirmed" in constraints["appointments_status_check"]
    assert "no_show" in constraints["appointments_status_check"]
    fkeys = sorted(v for v in constraints.values() if v.startswith("FOREIGN KEY"))
    assert fkeys == [
        "FOREIGN KEY (customer_id) REFERENCES customers(id)",
        "FOREIGN KEY (resource_id) REFERENCES resources(id)",
        "FOREIGN KEY (service_id) REFERENCES services(id)",
    ]


def test_tenant_tables_refuse_bad_rows(make_tenant):
    import psycopg
    import pytest

    tenant = make_tenant()
    tenant.sql(
        "INSERT INTO services (id, name) VALUES (1, 'Cut'); INSERT INTO resources (id, name) VALUES (1, 'Chair')"
    )
    bad = [
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
        " VALUES (1, 1, '2026-01-01 10:00Z', '2026-01-01 10:00Z', 'confirmed')",
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
        " VALUES (1, 1, '2026-01-01 10:00Z', '2026-01-01 11:00Z', 'done')",
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
        " VALUES (2, 1, '2026-01-01 10:00Z', '2026-01-01 11:00Z', 'confirmed')",
    ]
    for statement in bad:
        with pytest.raises(psycopg.errors.IntegrityError):
            tenant.sql(statement)
    with pytest.raises(psycopg.errors.CheckViolation):
        tenant.sql(
            "INSERT INTO appointments (id, service_id, resource_id, start_time, end_time)"
            " VALUES (9, 1, 1, '2026-01-01 10:00Z', '2026-01-01 11:00Z');"
            "INSERT INTO payments (appointment_id, amount_cents, status) VALUES (9, -1, 'succeeded')"
        )


def test_changed_report_sql_is_reapplied_once(app, make_tenant, sql_copy):
    tenant = make_tenant()
    sql_copy.edit("tenant_timezone", "'UTC')", "'UTC') -- edited")
    with app.app_context():
        with db.engine.begin() as conn:
            assert migrate.upgrade_tenant(conn, tenant.schema) is True
        with db.engine.begin() as conn:
            assert migrate.upgrade_tenant(conn, tenant.schema) is False
    assert "-- edited" in tenant.scalar(
        "SELECT prosrc FROM pg_proc WHERE oid = 'tenant_timezone'::regproc"
    )


def test_parallel_upgrade_reports_a_failing_tenant_and_a_rerun_resumes(app, runner, make_tenant):
    """`flask db upgrade --jobs 2`: each tenant in its own process and transaction; one
    that cannot migrate is reported and left as it was, the others are migrated, the
    command exits 1; a rerun after the fix finishes the job."""
    tenants = [make_tenant(timezone="Europe/Paris") for _ in range(4)]
    with app.app_context(), db.engine.begin() as conn:
        for tenant in tenants[:3]:
            migrate.downgrade_tenant(conn, tenant.schema, "t0008")
    tenants[1].sql("CREATE TABLE resource_hours (in_the_way integer)")  # t0009 creates it
    args = ["db", "upgrade", "--jobs", "2"]
    for tenant in tenants:
        args += ["--tenant", tenant.schema]

    def revisions():
        with app.app_context(), db.engine.connect() as conn:
            return [migrate.current_revision(conn, t.schema) for t in tenants]

    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert f":{tenants[1].schema}] FAILED DuplicateTable" in result.output
    assert "1 tenant(s) not migrated" in result.output
    for tenant in (tenants[0], tenants[2]):
        assert f":{tenant.schema}] migrated" in result.output
    assert f":{tenants[3].schema}] up to date" in result.output
    head = migrate.head("tenant")
    assert revisions() == [head, "t0008", head, head]
    assert tenants[0].scalar("SELECT (appointments_report(7) ->> 'total')::int") == 0

    tenants[1].sql("DROP TABLE resource_hours")
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert f":{tenants[1].schema}] migrated" in result.output
    assert result.output.count("up to date") == 4  # public and the three done before
    assert revisions() == [head] * 4
    assert tenants[1].scalar("SELECT (team_report(7) -> 'resources')::text") == "[]"

    result = runner.invoke(args=["db", "upgrade", "--tenant", "no_such_tenant"])
    assert result.exit_code == 1 and "No tenant with schema 'no_such_tenant'" in result.output


def _schema_dump(dsn, schema):
    """pg_dump's DDL of one schema (privileges and owners included), its name neutral."""
    done = subprocess.run(
        [pg_binary("pg_dump"), "--dbname", dsn, "--schema", schema, "--schema-only"],
        capture_output=True,
        text=True,
        check=True,
    )
    # \restrict / \unrestrict carry a random key (pg_dump >= 17.6).
    lines = [line for line in done.stdout.splitlines() if not line.startswith("\\")]
    return "\n".join(lines).replace(schema, "SCHEMA")


def _made_by_script_and_by_revisions(app, dsn):
    """pg_dump of a new schema made by the head script and of one made revision by
    revision, and each one's bookkeeping (its revision, its objects' checksums)."""
    pid = os.getpid()
    by_script, by_steps = f"zzscript{pid}", f"zzsteps{pid}"
    with app.app_context():
        with db.engine.begin() as conn:
            assert migrate.upgrade_tenant(conn, by_script) is True
            assert migrate.upgrade_tenant(conn, by_steps, fresh_by_script=False) is True
        try:
            dumps = [_schema_dump(dsn, s) for s in (by_script, by_steps)]
            with db.engine.connect() as conn:
                # The creation's default privilege (definers.owner_reads_what_is_made) is gone.
                assert not conn.execute(
                    text(
                        "SELECT defaclnamespace::regnamespace::text FROM pg_default_acl"
                        " WHERE defaclnamespace::regnamespace::text IN (:a, :b)"
                    ),
                    {"a": by_script, "b": by_steps},
                ).all()
                books = [
                    conn.execute(
                        text(
                            f"SELECT (SELECT version_num FROM {s}.alembic_version),"
                            f" (SELECT array_agg(object || ':' || checksum ORDER BY object)"
                            f"  FROM {s}.analytics_objects_state),"
                            # pg_dump does not show TOAST tables: their tables, counted
                            "  (SELECT array_agg(relname::text ORDER BY relname) FROM pg_class"
                            f"   WHERE relnamespace = '{s}'::regnamespace AND reltoastrelid <> 0)"
                        )
                    ).one()
                    for s in (by_script, by_steps)
                ]
        finally:
            with db.engine.begin() as conn:
                for schema in (by_script, by_steps):
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                    owner = definers.owner_role(schema)
                    conn.execute(text(f"DROP OWNED BY {owner}; DROP ROLE {owner}"))
    return dumps, books


def test_a_new_schema_made_by_the_head_script_equals_one_made_revision_by_revision(app, dsn):
    """The fast path for a new tenant (the committed baseline, then any revision after
    it, in one script) and the revisions run one by one give the same tables, indexes,
    triggers, functions, views, owners, privileges, comments and bookkeeping."""
    assert migrate.BASELINE.exists()
    assert migrate.head_script().startswith(migrate.BASELINE.read_text())
    dumps, books = _made_by_script_and_by_revisions(app, dsn)
    assert "CREATE TABLE SCHEMA.appointments" in dumps[0]
    assert "OWNER TO analytics_owner_SCHEMA" in dumps[0]
    assert dumps[0] == dumps[1]
    assert books[0][:2] == books[1][:2]
    assert books[0][0] == migrate.head("tenant")
    # A row per file, and one per file of several statements (catalogue.statements_row).
    kept = [catalogue.statements_row(e) for e in catalogue.CATALOGUE]
    assert len(books[0][1]) == len(catalogue.CATALOGUE) + len(list(filter(None, kept)))
    # The tables whose columns t0020 made PLAIN (and t0022 kept) were created without a
    # TOAST table; revision by revision they were created with one, which stays.
    plain = set(t0020.PLAIN) - set(t0022.OLD)
    assert set(books[1][2]) - set(books[0][2]) == plain
    assert set(books[0][2]) == set(books[1][2]) - plain
    assert "payments" in books[0][2] and "appointment_changes" in books[0][2]  # free text


def test_postgresql_15_gets_the_storage_by_alter_table_and_the_same_schema(app, dsn, monkeypatch):
    """PostgreSQL 15 takes no STORAGE in CREATE TABLE: its form of the head script gives
    it by ALTER TABLE after each table (run here on the suite's server) and makes the
    same schema, TOAST tables included, as the revisions one by one."""
    script = migrate.script_for_server(150014)
    plain = PLAIN_AT_HEAD
    assert migrate.script_for_server(160000).count(" STORAGE PLAIN") == plain  # in the columns
    assert script.count(" STORAGE PLAIN") == script.count("SET STORAGE PLAIN;") == plain

    monkeypatch.setattr(migrate, "head_script_for", lambda raw: migrate.script_for_server(150014))
    dumps, books = _made_by_script_and_by_revisions(app, dsn)
    assert dumps[0] == dumps[1]
    assert books[0] == books[1]


def test_a_baseline_behind_the_head_is_followed_by_the_revisions_after_it(
    app, dsn, tmp_path, monkeypatch
):
    """`flask db squash` written at an older revision (as the committed baseline is once a
    revision is added): a new schema runs it, then the later revisions, and equals one
    made revision by revision."""
    older = tmp_path / "baseline.sql"
    assert migrate.squash(dsn, older, revision="t0017") == "t0017"
    text_ = older.read_text()
    assert "-- revision: t0017" in text_ and "appointment_rollup_month_hour" not in text_
    assert "squashed_" not in text_ and "SET search_path" not in text_
    monkeypatch.setattr(migrate, "BASELINE", older)
    migrate.head_script.cache_clear()
    try:
        script = migrate.head_script()
        assert script.startswith(text_)
        assert "CREATE TABLE appointment_rollup_month_hour" in script  # t0019, run after it
        dumps, books = _made_by_script_and_by_revisions(app, dsn)
    finally:
        migrate.head_script.cache_clear()
    assert dumps[0] == dumps[1]
    assert books[0][:2] == books[1][:2] and books[0][0] == migrate.head("tenant")


def test_up_to_date_finds_the_tenants_with_nothing_to_do_in_few_statements(
    app, make_tenant, monkeypatch
):
    """`flask db upgrade` skips the current tenants after one statement per chunk of
    schemas; a tenant behind on its revision or on one object's file is left to the
    tenant-by-tenant path, and so is every tenant of a chunk that cannot be read."""
    current, old_file, old_revision, broken = (make_tenant() for _ in range(4))
    old_file.sql(
        "UPDATE analytics_objects_state SET checksum = 'old' WHERE object = 'outlook_report'"
    )
    old_revision.sql("UPDATE alembic_version SET version_num = 't0017'")
    broken.sql("ALTER TABLE analytics_objects_state RENAME TO aside")
    schemas = [t.schema for t in (current, old_file, old_revision, broken)]
    monkeypatch.setattr(migrate, "CHECK_CHUNK", 2)  # [current, old_file], [old_revision, broken]
    try:
        with app.app_context():
            assert migrate.up_to_date(db.engine, schemas) == {current.schema}
            monkeypatch.setattr(migrate, "CHECK_CHUNK", 500)
            assert migrate.up_to_date(db.engine, schemas[:3]) == {current.schema}
            lines = []
            migrate.upgrade_all(db.engine, echo=lines.append, only=schemas[:2])
            assert migrate.up_to_date(db.engine, schemas[:2]) == set(schemas[:2])
    finally:  # the suite's other upgrades pass over every tenant: leave these sound
        old_revision.sql("UPDATE alembic_version SET version_num = %s", (migrate.head("tenant"),))
        broken.sql("ALTER TABLE aside RENAME TO analytics_objects_state")
    # the current one is reported first, without a transaction of its own
    assert lines[1:3] == [f"[1/2:{current.schema}] up to date", f"[2/2:{old_file.schema}] migrated"]
    assert lines[3].startswith("progress: 1/1 tenants migrated or checked, ")
    assert lines[3].endswith("/s, about 0 s left")


def test_progress_says_done_rate_and_time_left():
    lines, now = [], [100.0]
    progress = migrate.Progress(10, lines.append, clock=lambda: now[0])
    for _ in range(4):  # 4 tenants in 2 s: 2/s, 6 left: 3 s
        now[0] += 0.5
        progress.step()
    assert lines == []  # under PROGRESS_EVERY_S since the start
    now[0] += 4.0  # a slow one: 5 in 6 s
    progress.step()
    assert lines == ["progress: 5/10 tenants migrated or checked, 0.8/s, about 6 s left"]
    for _ in range(5):
        now[0] += 600 / 5  # slower still: 10 in 606 s
        progress.step()
    assert lines[-1] == "progress: 10/10 tenants migrated or checked, 0.0/s, about 0 s left"


def test_a_new_tenant_writes_each_function_row_once_but_to_rename_it(app):
    """Issue 27: a creation writes each function's pg_proc row once, born with its owner
    and grants (a reader role that exists gets EXECUTE from the start), and rewrites it
    only to give it its name after its interim one: every further version is a dead row
    that autovacuum must clean, 10,000 times over (docs/scale-out.md)."""
    schema = f"zzonce{os.getpid()}"
    with app.app_context(), db.engine.connect() as conn:
        transaction = conn.begin()
        try:
            raw = conn.connection.driver_connection
            readers.ensure_role(raw, [])  # the all-tenants reader role, before the tenant
            # This transaction's pg_proc writes (the view may hold earlier ones of the
            # session not reported yet: hence the difference).
            written = text(
                "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_sys_tables"
                " WHERE relid = 'pg_catalog.pg_proc'::regclass"
            )
            before = conn.execute(written).one()
            assert migrate.upgrade_tenant(conn, schema) is True
            after = conn.execute(written).one()
            inserted, updated = after[0] - before[0], after[1] - before[1]
            functions = conn.execute(
                text(
                    "SELECT p.proname, pg_get_userbyid(p.proowner),"
                    " has_function_privilege('public', p.oid, 'EXECUTE'),"
                    " has_function_privilege(:reader, p.oid, 'EXECUTE')"
                    " FROM pg_proc p WHERE p.pronamespace = CAST(:s AS regnamespace)"
                ),
                {"s": schema, "reader": readers.ALL_TENANTS},
            ).all()
            renamed = set(catalogue.interim_names(schema))
            made = [
                name for e in catalogue.CATALOGUE for kind, name in e.objects if kind == "FUNCTION"
            ]
            assert sorted(name for name, *_ in functions) == sorted(made)  # 65 today
            assert inserted == len(functions)
            private, granted = (
                {
                    name
                    for entry in catalogue.CATALOGUE
                    if entry.private == is_private and (is_private or entry.readers)
                    for kind, name in entry.objects
                    if kind == "FUNCTION"
                }
                for is_private in (True, False)
            )
            assert granted == {"rfc3339"}  # the readers' function that PUBLIC may run too
            # One rewrite for each renamed function, and one for the reader's GRANT on
            # rfc3339 (a function only the owner role makes gets it when made).
            assert updated == sum(name in renamed for name, *_ in functions) + len(granted)
            assert 30 < len(renamed) < 40
            owner = definers.owner_role(schema)
            for name, owned_by, public_may, reader_may in functions:
                assert (owned_by == owner) == (name in private), name
                assert public_may == (name not in private), name
                assert reader_may, name
            # The owner role may no longer create in its schema.
            assert conn.execute(
                text(
                    "SELECT has_schema_privilege(:o, :s, 'USAGE'), has_schema_privilege(:o, :s, 'CREATE')"
                ),
                {"o": owner, "s": schema},
            ).one() == (True, False)
            # No default privilege of the creation is left in the schema.
            assert not conn.execute(
                text(
                    "SELECT 1 FROM pg_default_acl WHERE defaclnamespace = CAST(:s AS regnamespace)"
                ),
                {"s": schema},
            ).all()
        finally:
            transaction.rollback()
