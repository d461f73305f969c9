"""The catalogue of report objects: re-apply what changed only, add a report by one entry."""

import ast
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from analytics_app.db import catalogue, migrate
from analytics_app.db.definers import owner_role, unsafe_definer_functions
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from tests.db.test_dba import _as, _salon


def _oids(tenant):
    """{object name: (oid, row version)}: a re-created object has a new oid, one replaced
    in place (CREATE OR REPLACE) a new version of its catalog row."""
    return {
        name: (oid, version)
        for name, oid, version in tenant.sql(
            "SELECT c.relname, c.oid::int, r.xmin::text FROM pg_class c"
            " JOIN pg_rewrite r ON r.ev_class = c.oid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'v'"
            " UNION ALL SELECT p.proname, p.oid::int, p.xmin::text FROM pg_proc p"
            " WHERE p.pronamespace = current_schema()::regnamespace"
        )
    }


def _upgrade(runner, tenant, before):
    """`flask db upgrade`, checked; (its output, the objects after, the names changed)."""
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    after = _oids(tenant)
    return result.output, after, {name for name in before if after.get(name) != before[name]}


def _function(tenant, name):
    """(oid, owner, PUBLIC may execute, comment, how many) of the schema's function."""
    return tenant.sql(
        "SELECT min(p.oid)::int, min(pg_get_userbyid(p.proowner)),"
        " bool_or(has_function_privilege('public', p.oid, 'EXECUTE')),"
        " min(obj_description(p.oid, 'pg_proc')), count(*)"
        " FROM pg_proc p WHERE p.proname = %s AND p.pronamespace = current_schema()::regnamespace",
        (name,),
    )[0]


def _entry(file):
    return next(e for e in catalogue.CATALOGUE if e.file == file)


def _rollup_row_versions(tenant):
    tenant.fold()
    return tenant.sql(
        "SELECT xmin::text, day, status FROM appointment_rollup_folded WHERE grain = 0"
        " ORDER BY day, status, service_id, resource_id"
    )


def test_a_comment_edit_reapplies_that_object_only_without_a_rollup_rebuild(
    app, runner, make_tenant, sql_copy
):
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    before, rows_before = _oids(tenant), _rollup_row_versions(tenant)
    assert rows_before

    sql_copy.edit("revenue_report", "-- The body of", "-- Edited comment. The body of")
    sql_copy.edit("revenue_report", "COMMENT ON FUNCTION", "-- a note\nCOMMENT ON FUNCTION")
    output, after, changed = _upgrade(runner, tenant, before)
    assert any(line.endswith(f":{tenant.schema}] migrated") for line in output.splitlines())
    assert changed == {"revenue_report"}
    assert after["revenue_report"][0] == before["revenue_report"][0]  # replaced in place
    assert _rollup_row_versions(tenant) == rows_before  # not one rollup row rewritten
    assert "Edited comment" in (sql_copy.path / "revenue_report.sql").read_text()
    # The re-created function is still its owner role's, and private.
    assert tenant.scalar(
        "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'revenue_report'"
        " AND pronamespace = current_schema()::regnamespace"
    ) == owner_role(tenant.schema)
    assert not tenant.scalar(
        "SELECT has_function_privilege('public', p.oid, 'EXECUTE') FROM pg_proc p"
        " WHERE p.proname = 'revenue_report' AND p.pronamespace = current_schema()::regnamespace"
    )

    again = runner.invoke(args=["db", "upgrade"])
    assert f":{tenant.schema}] up to date" in again.output


def _grant_reader(runner, login_role, schema, name):
    reader, url = login_role(name)
    assert runner.invoke(args=["dba", "grant", reader, "--tenant", schema]).exit_code == 0
    return url


def test_a_changed_report_function_is_replaced_in_place(
    app, runner, make_tenant, api, sql_copy, login_role
):
    """Issue 27: a body edit is a CREATE OR REPLACE where the function stands: the same
    oid, so its owner, its grants (PUBLIC none, the tenant's readers EXECUTE) and its
    comment stay without a statement naming it; nothing else is touched."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    url = _grant_reader(runner, login_role, tenant.schema, "in_place_reader")
    all_time = api(tenant, "dashboard").get_json()["total_appointments_all_time"]
    assert all_time == 3
    before, function_before = _oids(tenant), _function(tenant, "dashboard_report")

    sql_copy.edit(
        "dashboard_report",
        "'total_appointments_all_time', t.all_time,",
        "'total_appointments_all_time', t.all_time + 1000,",
    )
    output, after, changed = _upgrade(runner, tenant, before)
    assert f":{tenant.schema}] migrated" in output
    assert changed == {"dashboard_report"}
    assert after["dashboard_report"][0] == before["dashboard_report"][0]  # replaced in place
    assert _function(tenant, "dashboard_report") == function_before
    assert function_before[1] == owner_role(tenant.schema) and function_before[2] is False
    assert function_before[3].startswith("JSON body of GET /api/analytics/analytics/dashboard/")
    assert api(tenant, "dashboard").get_json()["total_appointments_all_time"] == 1003
    # The reader's grant is the one it had.
    ((answer,),) = _as(url, tenant.schema, "SELECT dashboard_report()::text")
    assert json.loads(answer)["total_appointments_all_time"] == 1003

    # A changed COMMENT is applied (and only then named).
    sql_copy.edit("dashboard_report", "'JSON body of GET", "'Edited in place. JSON body of GET")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    oid, owner, public, comment, count = _function(tenant, "dashboard_report")
    assert (oid, owner, public, count) == (function_before[0], function_before[1], False, 1)
    assert comment == "Edited in place. " + function_before[3]
    assert f":{tenant.schema}] up to date" in runner.invoke(args=["db", "upgrade"]).output


def test_a_view_replaced_in_place_leaves_the_views_over_it_alone(
    app, runner, make_tenant, sql_copy, login_role
):
    """analytics_by_service reads analytics_daily (`after=`): dropped, analytics_daily
    would take it along; replaced in place, it keeps it, and only the changed file runs."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    url = _grant_reader(runner, login_role, tenant.schema, "view_reader")
    before = _oids(tenant)
    sql_copy.edit(
        "analytics_daily",
        "COMMENT ON VIEW analytics_daily IS\n    '",
        "COMMENT ON VIEW analytics_daily IS\n    'Edited. ",
    )
    _, after, changed = _upgrade(runner, tenant, before)
    assert changed == {"analytics_daily"}
    assert after["analytics_daily"][0] == before["analytics_daily"][0]
    assert tenant.scalar("SELECT obj_description('analytics_daily'::regclass)").startswith(
        "Edited. "
    )
    # The reader's grants on both views stand.
    ((rows, days),) = _as(
        url,
        tenant.schema,
        "SELECT (SELECT count(*) FROM analytics_by_service), (SELECT count(*) FROM analytics_daily)",
    )
    assert rows >= 1 and days >= 1


def test_a_view_new_to_its_file_is_made_in_place_and_granted_as_at_creation(
    app, runner, make_tenant, sql_copy, login_role
):
    """A release that adds a view to a file (rollup_inputs.sql's came so) makes it where
    the others stand: nothing else is dropped, the owner role may read it as it reads
    every relation of a new schema, and the tenant's readers may read it only when its
    file is a readers' one (analytics_daily) and not otherwise (rollup_views)."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    url = _grant_reader(runner, login_role, tenant.schema, "new_view_reader")
    before = _oids(tenant)
    for stem, name, anchor in (
        ("analytics_daily", "zz_days_shown", "COMMENT ON VIEW analytics_daily IS"),
        ("rollup_views", "zz_days_kept", "COMMENT ON VIEW appointment_rollup_daily IS"),
    ):
        sql_copy.edit(
            stem,
            anchor,
            f"CREATE VIEW {name} AS SELECT count(*) AS days FROM analytics_daily;\n"
            f"COMMENT ON VIEW {name} IS 'test';\n"
            f"COMMENT ON COLUMN {name}.days IS 'test';\n{anchor}",
        )
    try:
        _check_new_views_made_in_place(runner, tenant, before, url)
    finally:  # the upgrade made them in every tenant of the test database: not for later
        with psycopg.connect(tenant.dsn, autocommit=True) as conn:
            for (view,) in conn.execute(
                "SELECT format('%I.%I', relnamespace::regnamespace, relname) FROM pg_class"
                " WHERE relname IN ('zz_days_shown', 'zz_days_kept') AND relkind = 'v'"
            ).fetchall():
                conn.execute(f"DROP VIEW {view}")


def _check_new_views_made_in_place(runner, tenant, before, url):
    _, after, changed = _upgrade(runner, tenant, before)
    assert "analytics_daily" in changed  # its file's one statement, replaced in place
    assert after["analytics_daily"][0] == before["analytics_daily"][0]  # not dropped
    # rollup_views.sql's other statements are as they were applied: not run again.
    assert not changed & {name for kind, name in _entry("rollup_views").objects}
    assert not changed & {"analytics_by_service", "dashboard_report", "tenant_timezone"}
    owner = owner_role(tenant.schema)
    assert tenant.sql(
        "SELECT has_table_privilege(%s, 'zz_days_shown', 'SELECT'),"
        " has_table_privilege(%s, 'zz_days_kept', 'SELECT')",
        (owner, owner),
    ) == [(True, True)]
    ((shown,),) = _as(url, tenant.schema, "SELECT days FROM zz_days_shown")
    assert shown == tenant.scalar("SELECT count(*) FROM analytics_daily") and shown >= 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(url, tenant.schema, "SELECT days FROM zz_days_kept")
    assert f":{tenant.schema}] up to date" in runner.invoke(args=["db", "upgrade"]).output


def test_a_changed_signature_is_dropped_and_created(
    app, runner, make_tenant, api, sql_copy, login_role
):
    """A new argument cannot be a CREATE OR REPLACE (it would leave the old function beside
    the new one): the function is dropped and created, and gets its owner and grants."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    url = _grant_reader(runner, login_role, tenant.schema, "signature_reader")
    oid_before = _function(tenant, "dashboard_report")[0]
    sql_copy.edit(
        "dashboard_report",
        "dashboard_report(p_now timestamptz DEFAULT now())",
        "dashboard_report(p_now timestamptz DEFAULT now(), p_extra integer DEFAULT 0)",
    )
    sql_copy.edit(
        "dashboard_report",
        "'total_appointments_all_time', t.all_time,",
        "'total_appointments_all_time', t.all_time + p_extra,",
    )
    sql_copy.edit(
        "dashboard_report",
        "COMMENT ON FUNCTION dashboard_report(timestamptz)",
        "COMMENT ON FUNCTION dashboard_report(timestamptz, integer)",
    )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output

    oid, owner, public, comment, count = _function(tenant, "dashboard_report")
    assert oid != oid_before and count == 1  # no overload left behind
    assert owner == owner_role(tenant.schema) and public is False
    assert comment.startswith("JSON body of GET /api/analytics/analytics/dashboard/")
    assert api(tenant, "dashboard").get_json()["total_appointments_all_time"] == 3
    ((answer,),) = _as(url, tenant.schema, "SELECT dashboard_report(now(), 10)::text")
    assert json.loads(answer)["total_appointments_all_time"] == 13
    with psycopg.connect(tenant.dsn) as conn:
        assert unsafe_definer_functions(conn) == []


def test_a_release_runs_only_the_statements_it_changed(app, runner, make_tenant, sql_copy):
    """A file's statements are replaced one by one: an edit to one function of
    customer_visits.sql replaces that one (each statement run looks up the functions its
    body names among every tenant's: docs/scale-out.md). A schema made before the
    statements were on record gets them recorded by `flask db upgrade`, with nothing run;
    a file marked changed by hand is applied whole."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    entry = _entry("customer_visits")
    functions = {name for _kind, name in entry.objects}
    assert len(functions) == 7
    kept = "customer_visits" + catalogue.STATEMENTS
    recorded = tenant.scalar(
        "SELECT checksum FROM analytics_objects_state WHERE object = %s", (kept,)
    )
    assert recorded == catalogue.statements_row(entry)[1]
    assert len(recorded.split()) == 1 + 7  # the file's checksum, then each statement's

    # As a schema made before: the next upgrade records its statements, runs nothing.
    tenant.sql("DELETE FROM analytics_objects_state WHERE object LIKE '%:statements'")
    with app.app_context():
        assert migrate.up_to_date(db.engine, [tenant.schema]) == set()
    before, rows_before = _oids(tenant), _rollup_row_versions(tenant)
    output, after, changed = _upgrade(runner, tenant, before)
    assert f":{tenant.schema}] up to date" in output and changed == set()
    assert (
        tenant.scalar("SELECT checksum FROM analytics_objects_state WHERE object = %s", (kept,))
        == recorded
    )
    with app.app_context():
        assert migrate.up_to_date(db.engine, [tenant.schema]) == {tenant.schema}

    # One function edited: that one replaced in place, the rollups rebuilt (same figures).
    sql_copy.edit(
        "customer_visits",
        "    WHERE cardinality(p_ids) > 1000 AND a.status = 'confirmed' AND isfinite(a.start_time)",
        "    WHERE cardinality(p_ids) > 1000 AND a.status = 'confirmed' -- edited\n"
        "      AND isfinite(a.start_time)",
    )
    output, after, changed = _upgrade(runner, tenant, before)
    assert f":{tenant.schema}] migrated" in output
    assert changed == {"customer_visit_days_fresh"}
    assert after["customer_visit_days_fresh"][0] == before["customer_visit_days_fresh"][0]
    rows_after = _rollup_row_versions(tenant)
    assert [r[1:] for r in rows_after] == [r[1:] for r in rows_before]
    assert [r[0] for r in rows_after] != [r[0] for r in rows_before]  # rebuilt

    # Marked changed by hand (as the benchmarks mark a release): the whole file runs.
    before = after
    tenant.sql(
        "UPDATE analytics_objects_state SET checksum = 'changed' WHERE object = 'customer_visits'"
    )
    _, after, changed = _upgrade(runner, tenant, before)
    assert changed == functions


def _edit_a_rollup_statement(sql_copy):
    """Edit one statement of rollup_recount.sql (appointment_rollup_weekday_hour_recount's)."""
    sql_copy.edit(
        "rollup_recount",
        "    FROM appointment_facts WHERE status = 'confirmed'\n    GROUP BY 1, 2\n",
        "    FROM appointment_facts WHERE status = 'confirmed'\n    GROUP BY 1, 2 -- edited\n",
    )


def test_a_rollup_definition_edit_rebuilds_the_rollups(app, make_tenant, sql_copy):
    """A statement of a rollup file edited: that statement replaced and the rollups
    rebuilt. Only the file's comments edited: applied (the file's checksum recorded), no
    statement run, nothing rebuilt."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    rows_before, before = _rollup_row_versions(tenant), _oids(tenant)
    sql_copy.edit("rollup_recount", "-- Generated", "-- edited: Generated")
    with app.app_context(), db.engine.begin() as conn:
        assert migrate.upgrade_tenant(conn, tenant.schema) is True
    assert _rollup_row_versions(tenant) == rows_before
    assert _oids(tenant) == before

    _edit_a_rollup_statement(sql_copy)
    with app.app_context(), db.engine.begin() as conn:
        assert migrate.upgrade_tenant(conn, tenant.schema) is True
    rows_after, after = _rollup_row_versions(tenant), _oids(tenant)
    assert [r[1:] for r in rows_after] == [r[1:] for r in rows_before]
    assert [r[0] for r in rows_after] != [r[0] for r in rows_before]
    assert {name for name in before if after[name] != before[name]} == {
        "appointment_rollup_weekday_hour_recount"
    }
    assert (
        after["appointment_rollup_weekday_hour_recount"][0]
        == before["appointment_rollup_weekday_hour_recount"][0]
    )  # replaced in place
    assert "-- edited" in tenant.scalar(
        "SELECT prosrc FROM pg_proc WHERE proname = 'appointment_rollup_weekday_hour_recount'"
        " AND pronamespace = current_schema()::regnamespace"
    )


def test_an_upgrade_rebuilds_with_the_functions_body_not_a_call_by_name(app, make_tenant, sql_copy):
    """The upgrade runs rebuild_rollups()'s body as a block (migrate.rebuild_block): a call
    by name reads every tenant's function of that name once any function has changed
    (docs/scale-out.md). The block is the function's body to the character, the edited
    body when the file is edited, and the function itself is not called."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    (source,) = tenant.sql(
        "SELECT prosrc FROM pg_proc WHERE proname = 'rebuild_rollups'"
        " AND pronamespace = current_schema()::regnamespace"
    )[0]
    assert migrate.rebuild_block() == "DO $fn$" + source + "$fn$"
    rows_before = _rollup_row_versions(tenant)
    sql_copy.edit(
        "rebuild_rollups",
        "    DELETE FROM customer_changes;\n",
        "    DELETE FROM customer_changes;\n"
        "    PERFORM set_config('test.rebuilt_by', 'the edited body', true);\n",
    )
    with app.app_context(), db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.execute("SET LOCAL track_functions = 'pl'")
        assert migrate.upgrade_tenant(conn, tenant.schema) is True
        assert raw.execute("SELECT current_setting('test.rebuilt_by', true)").fetchone() == (
            "the edited body",
        )
        assert raw.execute(
            "SELECT count(*) FROM pg_stat_xact_user_functions WHERE funcname = 'rebuild_rollups'"
        ).fetchone() == (0,)
    rows_after = _rollup_row_versions(tenant)
    assert [r[1:] for r in rows_after] == [r[1:] for r in rows_before]
    assert [r[0] for r in rows_after] != [r[0] for r in rows_before]  # rebuilt
    (edited,) = tenant.sql(
        "SELECT prosrc FROM pg_proc WHERE proname = 'rebuild_rollups'"
        " AND pronamespace = current_schema()::regnamespace"
    )[0]
    assert "the edited body" in edited and migrate.rebuild_block() == "DO $fn$" + edited + "$fn$"


def test_reports_stay_exact_while_a_rollup_definition_upgrade_runs(app, make_tenant, sql_copy):
    """A tenant's upgrade replaces its rollup functions and rebuilds its rollups in one
    transaction: until it commits, another session reads the old rollups (not emptied,
    not locked: the rebuild deletes, it does not truncate), after it the new ones."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    ledger.book(datetime.now(UTC) + timedelta(hours=30))  # waiting in the log
    confirmed = 4

    def figures(conn):
        conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(tenant.schema)))
        (body,) = conn.execute("SELECT dashboard_report()").fetchone()
        (days,) = conn.execute(
            "SELECT sum(appointments) FROM appointment_rollup_daily WHERE status = 'confirmed'"
        ).fetchone()
        return body["total_appointments_all_time"], days

    _edit_a_rollup_statement(sql_copy)
    with psycopg.connect(tenant.dsn, autocommit=True) as reader:
        reader.execute("SET lock_timeout = '5s'")
        assert figures(reader) == (confirmed, confirmed)
        (before,) = reader.execute("SELECT count(*) FROM appointment_changes").fetchone()
        assert before >= 1
        with app.app_context(), db.engine.begin() as conn:
            assert migrate.upgrade_tenant(conn, tenant.schema) is True
            raw = conn.connection.driver_connection
            (log,) = raw.execute("SELECT count(*) FROM appointment_changes").fetchone()
            assert log == 0  # rebuilt inside the upgrade's transaction ...
            assert figures(reader) == (confirmed, confirmed)  # ... the old rollups meanwhile
            (waiting,) = reader.execute("SELECT count(*) FROM appointment_changes").fetchone()
            assert waiting == before
        assert figures(reader) == (confirmed, confirmed)
        (waiting,) = reader.execute("SELECT count(*) FROM appointment_changes").fetchone()
        assert waiting == 0


def _waiting_on_a_lock(conn, pid, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        (waiting,) = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,)
        ).fetchone()
        if waiting:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("report", ["dashboard", "at_risk", "platform"])
def test_a_report_waiting_on_a_release_that_swaps_its_table_reads_the_new_table_whole(
    app, make_tenant, report
):
    """A release that replaces a rollup table (t0022 moved twenty-five into three): a
    report called while the tenant's upgrade holds its views waits, then answers from
    the new table with every row in it. A STABLE report used its caller's snapshot,
    taken before the wait, in which the new table's rows were not committed yet: it
    answered 0 appointments and no customer (docs/decisions.md, "A report takes its
    snapshot after its locks"). The dashboard reads the table through views, the
    at-risk list its per-customer grains directly, the operator's totals every tenant's
    views in turn."""
    ledger = _salon(make_tenant)
    tenant = ledger.tenant
    ledger.customer(1)
    for days in (70, 110):  # came 40 days apart, last 70 days ago: at risk
        a = ledger.book(datetime.now(UTC) - timedelta(days=days), customer=1)
        ledger.pay(a, 2000, paid_at=a.end)
    assert tenant.fold() > 0
    call = {
        "dashboard": "SELECT dashboard_report()",
        "at_risk": "SELECT at_risk_report()",
        "platform": "SELECT confirmed_appointments FROM public.platform_tenant_totals()"
        f" WHERE schema_name = '{tenant.schema}'",
    }
    (expected,) = tenant.sql(call[report])[0]
    table = {
        "dashboard": "appointment_rollup_folded",
        "at_risk": "customer_link_rollup_folded",
        "platform": "appointment_rollup_folded",
    }
    swap = sql.SQL(
        "DELETE FROM analytics_objects_state WHERE split_part(object, ':', 1) = ANY({files});"
        "ALTER TABLE {t} RENAME TO {was};"
        "CREATE TABLE {t} (LIKE {was} INCLUDING ALL);"
        "INSERT INTO {t} SELECT * FROM {was};"
        "GRANT SELECT ON {t} TO {owner};"
        "DROP TABLE {was} CASCADE"
    ).format(
        files=sql.Literal(list(migrate.revision_module("t0022").OVER_THE_ROLLUPS)),
        t=sql.Identifier(table[report]),
        was=sql.Identifier(table[report] + "_was"),
        owner=sql.Identifier(owner_role(tenant.schema)),
    )
    answers = []
    with psycopg.connect(tenant.dsn, autocommit=True) as reader:  # READ COMMITTED
        reader.execute(
            sql.SQL("SET search_path TO {}, public").format(sql.Identifier(tenant.schema))
        )
        (pid,) = reader.execute("SELECT pg_backend_pid()").fetchone()
        thread = threading.Thread(
            target=lambda: answers.append(reader.execute(call[report]).fetchone()[0])
        )
        with app.app_context(), db.engine.begin() as conn:
            enter_schema(conn, tenant.schema, pin_temp_last=True)
            conn.connection.driver_connection.execute(swap)
            assert migrate.apply_objects(conn, tenant.schema)  # the views CASCADE dropped
            thread.start()
            with psycopg.connect(tenant.dsn, autocommit=True) as watcher:
                assert _waiting_on_a_lock(watcher, pid)
        thread.join(30)
    assert answers == [expected]
    if report == "dashboard":
        assert expected["total_appointments_all_time"] == 5
    elif report == "at_risk":
        assert [c["customer_id"] for c in expected["customers"]] == [1]
    else:
        assert expected == 5


def test_readers_never_fail_while_an_upgrade_replaces_the_views_they_read(app, make_tenant):
    """Two sessions read reports (each a REPEATABLE READ transaction over several rollup
    views) while the tenant's rollup facts and views are replaced and its rollups rebuilt,
    again and again: the upgrade steps back rather than wait on a reader, so no reader
    ever meets a deadlock (an upgrade that waited did, in benchmarks/rollup_change.py).
    Readers looping without pause can outlast all of an upgrade's tries (LOCK_TRIES, about
    50 s: it then fails, changing nothing, and the operator runs it again, as a CI run on
    a busy machine once showed): such an upgrade is run again here, at most twice."""
    tenant = _salon(make_tenant).tenant
    stop, failures, reads = threading.Event(), [], []

    def reader():
        with psycopg.connect(tenant.dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("SET search_path TO {}, public").format(sql.Identifier(tenant.schema))
            )
            while not stop.is_set():
                try:
                    with conn.transaction():
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        conn.execute("SELECT appointments_report(30)").fetchone()
                        conn.execute("SELECT dashboard_report()").fetchone()
                    reads.append(1)
                except psycopg.Error as err:
                    failures.append(repr(err))
                time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(12):
            tenant.sql(
                "UPDATE analytics_objects_state SET checksum = 'changed'"
                " WHERE object IN ('rollup_facts', 'rollup_views')"
            )
            for attempt in range(3):
                try:
                    with app.app_context(), db.engine.begin() as conn:
                        assert migrate.upgrade_tenant(conn, tenant.schema) is True
                    break
                except psycopg.errors.LockNotAvailable:  # the upgrade runs on the raw driver
                    if attempt == 2:
                        raise
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert failures == []
    assert len(reads) > 12


BUSIEST_WEEKDAY = """
-- A throwaway report: the local weekday with the most confirmed appointments.
CREATE FUNCTION busiest_weekday_report() RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT json_build_object('weekday', weekday, 'appointments', n)
    FROM (SELECT weekday, sum(appointments)::int AS n FROM analytics_peak_times
          GROUP BY weekday_number, weekday ORDER BY 2 DESC, weekday_number LIMIT 1) w
$$;
COMMENT ON FUNCTION busiest_weekday_report() IS 'The busiest local weekday.';
"""


def test_a_report_is_added_by_one_file_and_one_entry(
    app, runner, make_tenant, sql_copy, login_role
):
    ledger = _salon(make_tenant)
    schema = ledger.tenant.schema
    sql_copy.add(
        catalogue.Entry("busiest_weekday_report", readers=True, private=True), BUSIEST_WEEKDAY
    )
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0

    reader, url = login_role("weekday_reader")
    assert runner.invoke(args=["dba", "grant", reader, "--tenant", schema]).exit_code == 0
    outsider, outsider_url = login_role("weekday_outsider")
    with psycopg.connect(url) as conn:
        conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        answer = conn.execute("SELECT busiest_weekday_report()::text").fetchone()[0]
    weekdays = {}
    for appointment in ledger.appointments:
        if appointment.status == "confirmed":
            day = appointment.start.astimezone(ledger.zone).strftime("%A")
            weekdays[day] = weekdays.get(day, 0) + 1
    assert json.loads(answer)["appointments"] == max(weekdays.values())
    with psycopg.connect(outsider_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql.SQL("SELECT {}.busiest_weekday_report()").format(sql.Identifier(schema)))
    with psycopg.connect(ledger.tenant.dsn) as conn:
        assert unsafe_definer_functions(conn) == []


def test_tenant_downgrades_work_and_upgrade_brings_everything_back(app, make_tenant):
    ledger = _salon(make_tenant)
    schema = ledger.tenant.schema
    with app.app_context():
        with db.engine.begin() as conn:
            migrate.downgrade_tenant(conn, schema, "base")
        with db.engine.connect() as conn:
            assert migrate.current_revision(conn, schema) is None
        with db.engine.begin() as conn:
            assert migrate.upgrade_tenant(conn, schema) is True
    assert ledger.tenant.scalar("SELECT count(*) FROM analytics_daily") == 0
    assert ledger.tenant.scalar("SELECT count(*) FROM appointments") == 0


def test_public_downgrades_are_refused_clearly(runner):
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code != 0
    assert "--tenant" in result.output


def _imports(path, package):
    """Modules of `package` that the module at `path` imports (anywhere in it)."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] + [target]
            found.update(n for n in names if n.startswith(package))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(package))
    return module, found


ROOT = Path(__file__).resolve().parents[2]


def test_no_import_cycles():
    """Module-level and function-level imports alike: each concern depends one way."""
    files = sorted((ROOT / "analytics_app").rglob("*.py"))
    graph = {}
    for path in files:
        module, found = _imports(path, "analytics_app")
        graph[module] = found
    modules = set(graph)
    graph = {m: {t for t in targets if t in modules and t != m} for m, targets in graph.items()}
    # A package's __init__ may import its own modules to register them (init_app).
    for m in graph:
        graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}

    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def _public_functions(dsn):
    with psycopg.connect(dsn) as conn:
        return dict(
            conn.execute(
                "SELECT p.proname, (p.oid::int, p.xmin::text) FROM pg_proc p"
                " WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY (%s)",
                ([n for e in catalogue.PUBLIC_CATALOGUE for _, n in e.objects],),
            ).fetchall()
        )


def test_a_public_function_edit_is_one_file_and_db_upgrade(
    app, runner, make_tenant, api, dsn, sql_copy, monkeypatch
):
    """The feature rule and the API's first statement are files like the report objects:
    an edit replaces that file's edited functions and nothing else, with no migration."""
    tenant = make_tenant(plan="none")
    assert api(tenant, "dashboard").status_code == 403
    before = _public_functions(dsn)
    assert set(before) == {n for e in catalogue.PUBLIC_CATALOGUE for _, n in e.objects}

    try:
        # The rule changed in its one file: every tenant has advanced_analytics.
        sql_copy.edit(
            "public/tenant_feature",
            "(p.permissions ->> p_feature)::boolean,\n               false)",
            "(p.permissions ->> p_feature)::boolean,\n               p_feature = 'advanced_analytics')",
        )
        sql_copy.edit(
            "public/begin_api_request", "-- The gate, answered", "-- Edited. The gate, answered"
        )
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0] == "public: migrated"
        after = _public_functions(dsn)
        changed = {name for name in before if after[name] != before[name]}
        # tenant_feature.sql's other function (tenant_has_feature) is as it was: not run.
        assert changed == {"tenant_feature", "begin_api_request"}
        assert api(tenant, "dashboard").status_code == 200  # the gate reads the new rule
        assert runner.invoke(args=["db", "upgrade"]).output.splitlines()[0] == "public: up to date"

    finally:
        monkeypatch.undo()  # the files as they are in the repository, applied again
        assert runner.invoke(args=["db", "upgrade"]).output.splitlines()[0] == "public: migrated"
    assert api(tenant, "dashboard").status_code == 403
