"""SECURITY DEFINER functions cannot be turned against their owner (issue 10, item 1).

A reader role may create temporary objects. PostgreSQL searches pg_temp for
relations *first* unless the path names it last, so a function pinned to
`"<schema>", public` resolves an unqualified `analytics_daily` to the caller's
temporary view of that name, whose query then runs as the function's owner.
These tests are that attack, as a real login role granted the reader role.
"""

import json

import psycopg
import pytest
from psycopg import sql

from analytics_app.db.definers import unsafe_definer_functions
from tests.db.test_dba import _salon

SPY = """
CREATE FUNCTION pg_temp.spy() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'spy ran as %', current_user;
    BEGIN
        PERFORM count(*) FROM public.users;
        RAISE NOTICE 'spy read public.users';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END $$
"""


def _definers(conn, schema):
    return conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = %s::regnamespace AND p.prosecdef",
        (schema,),
    ).fetchall()


def _shadow_every_relation(conn, schema):
    """A temp view in front of each relation of the schema and of public, same columns."""
    names = conn.execute(
        "SELECT DISTINCT c.relname FROM pg_class c"
        " WHERE c.relnamespace IN (%s::regnamespace, 'public'::regnamespace)"
        " AND c.relkind IN ('r', 'v', 'm', 'p')",
        (schema,),
    ).fetchall()
    for (name,) in names:
        conn.execute(
            sql.SQL(
                "CREATE TEMP VIEW {} WITH (security_invoker = true) AS"
                " SELECT * FROM {} WHERE pg_temp.spy()"
            ).format(sql.Identifier(name), sql.Identifier(schema, name))
            if conn.execute(
                "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))", (schema, name)
            ).fetchone()[0]
            else sql.SQL(
                "CREATE TEMP VIEW {} WITH (security_invoker = true) AS"
                " SELECT * FROM public.{} WHERE pg_temp.spy()"
            ).format(sql.Identifier(name), sql.Identifier(name))
        )
    return len(names)


def test_reader_cannot_run_code_as_the_owner_of_any_definer_function(
    runner, api, make_tenant, login_role, dsn
):
    ledger = _salon(make_tenant)
    schema = ledger.tenant.schema
    mallory, url = login_role("mallory")
    assert runner.invoke(args=["dba", "grant", mallory, "--tenant", schema]).exit_code == 0

    with psycopg.connect(dsn) as admin:
        definers = [row[0] for row in _definers(admin, schema)]
    assert definers, "the report functions are SECURITY DEFINER"
    expected = {
        "dashboard_report": api(ledger.tenant, "dashboard").get_json(),
        "appointments_report": api(ledger.tenant, "appointments").get_json(),
        "revenue_report": api(ledger.tenant, "revenue").get_json(),
        "customers_report": api(ledger.tenant, "customers").get_json(),
    }

    with psycopg.connect(url, autocommit=True) as conn:
        notices = []
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary))
        conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        conn.execute(SPY)
        assert _shadow_every_relation(conn, schema) > 10
        for signature in definers:  # every one of them takes defaults for all arguments
            name = signature.split("(", 1)[0].split(".")[-1]
            # In FROM, so set-returning ones (resource_available_seconds) run too.
            answer = conn.execute(
                sql.SQL("SELECT json_agg(f)::text FROM {}() AS f").format(
                    sql.Identifier(schema, name)
                )
            ).fetchone()[0]
            if name in expected:
                assert json.loads(answer) == [expected[name]], name
        assert notices == [], f"code ran inside a definer function: {notices}"
        # And the privilege the attack was after is still out of reach.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM public.users")


def test_every_definer_function_has_a_safe_path_and_an_unprivileged_owner(make_tenant, dsn):
    tenant = make_tenant()
    with psycopg.connect(dsn) as conn:
        assert _definers(conn, tenant.schema)
        assert unsafe_definer_functions(conn) == []
        owners = conn.execute(
            "SELECT DISTINCT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcanlogin"
            " FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner"
            " WHERE p.pronamespace = %s::regnamespace AND p.prosecdef",
            (tenant.schema,),
        ).fetchall()
    assert len(owners) == 1
    (name, superuser, createrole, login) = owners[0]
    assert not superuser and not createrole and not login
    assert tenant.schema in name


def test_the_check_finds_a_new_definer_function_without_a_safe_path(make_tenant, dsn):
    tenant = make_tenant()
    with psycopg.connect(dsn) as conn:
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}.careless() RETURNS int LANGUAGE sql SECURITY DEFINER"
                " SET search_path = {}, public AS 'SELECT 1'"
            ).format(sql.Identifier(tenant.schema), sql.Identifier(tenant.schema))
        )
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}.pathless() RETURNS int LANGUAGE sql SECURITY DEFINER"
                " AS 'SELECT 1'"
            ).format(sql.Identifier(tenant.schema))
        )
        found = {row["function"]: row["problem"] for row in unsafe_definer_functions(conn)}
        conn.rollback()
    assert set(found) == {f"{tenant.schema}.careless()", f"{tenant.schema}.pathless()"}
    assert "pg_temp" in found[f"{tenant.schema}.careless()"]


def test_db_upgrade_refuses_to_finish_with_an_unsafe_definer_function(runner, make_tenant, dsn):
    tenant = make_tenant()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE FUNCTION {}.careless() RETURNS int LANGUAGE sql SECURITY DEFINER"
                " SET search_path = {}, public AS 'SELECT 1'"
            ).format(sql.Identifier(tenant.schema), sql.Identifier(tenant.schema))
        )
        try:
            result = runner.invoke(args=["db", "upgrade"])
        finally:
            conn.execute(
                sql.SQL("DROP FUNCTION {}.careless()").format(sql.Identifier(tenant.schema))
            )
    assert result.exit_code != 0
    assert f"{tenant.schema}.careless()" in str(result.exception)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
