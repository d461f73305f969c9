"""What Citus schema-based sharding asks of a tenant schema (docs/scale-out.md), checked on
a tenant made the way the operator makes one, so a change that would break the mapping
fails here first."""

import re

import psycopg


def _rows(dsn, query, params):
    with psycopg.connect(dsn) as conn:
        return conn.execute(query, params).fetchall()


def test_foreign_keys_stay_inside_the_tenant_schema(make_tenant, dsn):
    """A distributed schema's tables may reference their own schema's tables (and
    reference tables); nothing outside may reference them."""
    tenant = make_tenant()
    crossing = _rows(
        dsn,
        "SELECT c.conname, sn.nspname, tn.nspname FROM pg_constraint c"
        " JOIN pg_class s ON s.oid = c.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace"
        " JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
        " WHERE c.contype = 'f' AND %(s)s IN (sn.nspname, tn.nspname)"
        " AND sn.nspname <> tn.nspname",
        {"s": tenant.schema},
    )
    assert crossing == []
    inside = _rows(
        dsn,
        "SELECT count(*) FROM pg_constraint c JOIN pg_class s ON s.oid = c.conrelid"
        " WHERE c.contype = 'f' AND s.relnamespace = %s::regnamespace",
        (tenant.schema,),
    )[0][0]
    assert inside >= 4  # appointments -> services, resources, customers; payments -> ...


def test_triggers_and_objects_depend_on_their_own_schema_and_public_tenants_only(make_tenant, dsn):
    """Triggers on a distributed schema's tables run where its shards live: their
    functions are the schema's own. Views and functions of the schema depend on no other
    schema's relations; the one public table the schema's code reads is public.tenants
    (the time zone: a reference table under Citus, see docs/scale-out.md). A new
    cross-schema dependency fails this test until the mapping is thought through."""
    tenant = make_tenant()
    elsewhere = _rows(
        dsn,
        "SELECT t.tgname, p.oid::regprocedure::text FROM pg_trigger t"
        " JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal"
        " AND p.pronamespace <> c.relnamespace",
        (tenant.schema,),
    )
    assert elsewhere == []
    # Views: the relations their rules read (pg_depend) are all in the schema.
    foreign_relations = _rows(
        dsn,
        "SELECT DISTINCT rn.nspname || '.' || r.relname FROM pg_depend d"
        " JOIN pg_rewrite w ON w.oid = d.objid AND d.classid = 'pg_rewrite'::regclass"
        " JOIN pg_class v ON v.oid = w.ev_class"
        " JOIN pg_class r ON r.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass"
        " JOIN pg_namespace rn ON rn.oid = r.relnamespace"
        " WHERE v.relnamespace = %s::regnamespace AND r.relnamespace <> v.relnamespace",
        (tenant.schema,),
    )
    assert foreign_relations == []
    # Function bodies are not tracked by pg_depend, so read them: they use unqualified
    # names under their pinned search path, and name public.tenants in two places (the
    # tenant's time zone and currency), both reference-table reads.
    bodies = _rows(
        dsn,
        "SELECT p.proname, p.prosrc FROM pg_proc p WHERE p.pronamespace = %s::regnamespace",
        (tenant.schema,),
    )
    assert len(bodies) > 20
    public = {
        (name, found.lower())
        for name, source in bodies
        for found in re.findall(r"\bpublic\.[A-Za-z_][A-Za-z0-9_]*", source)
    }
    assert public == {("tenant_timezone", "public.tenants"), ("tenant_currency", "public.tenants")}
