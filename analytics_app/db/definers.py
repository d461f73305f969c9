"""SECURITY DEFINER functions: a safe search path and an unprivileged owner.

A definer function runs with its owner's rights. PostgreSQL looks up relations
in the caller's temporary schema (pg_temp) *first* unless the path names it
last, and every role may create temporary objects, so a definer function pinned
to `"<schema>", public` would read a caller's `pg_temp.analytics_daily` view and
run the caller's code as the owner. Two defences, each enough on its own:

1. Every object of analytics_app/sql/ is created under `"<schema>", public,
   pg_temp` (migrate enters the schema with pin_temp_last=True), and `SET
   ... FROM CURRENT` pins exactly that: pg_temp last, where it shadows
   nothing.
2. The definer functions of a tenant belong to `analytics_owner_<schema>`: no
   login, not a superuser, no CREATEROLE, and only SELECT on its own schema's
   relations and on two columns of public.tenants. Even a future path mistake
   would give a caller nothing the reports do not already show.

`unsafe_definer_functions()` lists every definer function in the database that
breaks rule 1 or has a superuser owner; `flask db upgrade` refuses to finish
while it finds any (tests cover it too).
"""

import hashlib
from pathlib import Path

from psycopg import sql

OWNER_PREFIX = "analytics_owner"

UNSAFE_QUERY = (Path(__file__).parent / "unsafe_definer_functions.sql").read_text()


def role_name(prefix, schema):
    """`<prefix>_<schema>`, kept under PostgreSQL's 63 bytes without two schemas colliding."""
    name = f"{prefix}_{schema}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(schema.encode()).hexdigest()[:8]
    return f"{name[:54]}_{digest}"


def owner_role(schema):
    return role_name(OWNER_PREFIX, schema)


def unsafe_definer_functions(raw):
    """[{function, problem}] for each definer function that is not safe (psycopg connection)."""
    with raw.cursor() as cur:
        cur.execute(UNSAFE_QUERY)
        return [{"function": f, "problem": p} for f, p in cur.fetchall()]


def secure_definer_functions(raw, schema):
    """Give the schema's definer functions their unprivileged owner (in the caller's transaction)."""
    owner = owner_role(schema)
    ident = sql.Identifier
    exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()
    if not exists:
        raw.execute(
            sql.SQL(
                "CREATE ROLE {} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION"
            ).format(ident(owner))
        )
        superuser = raw.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
        if not superuser:  # a CREATEROLE migrator must be a member to hand objects over
            raw.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident(owner)))
    for statement in (
        "GRANT USAGE ON SCHEMA {schema} TO {owner}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {owner}",
        "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {owner}",
    ):
        raw.execute(sql.SQL(statement).format(schema=ident(schema), owner=ident(owner)))
    granted = raw.execute(
        "SELECT has_column_privilege(%s, 'public.tenants', 'timezone', 'SELECT')"
        " AND has_column_privilege(%s, 'public.tenants', 'schema_name', 'SELECT')",
        (owner, owner),
    ).fetchone()[0]
    if not granted:
        # This rewrites public.tenants' column privileges: tenants migrating at once
        # (flask db upgrade --jobs) take turns here rather than fail with "tuple
        # concurrently updated" (the lock lasts to the end of this tenant's transaction).
        raw.execute("SELECT pg_advisory_xact_lock(hashtextextended('public.tenants grants', 0))")
        raw.execute(
            sql.SQL("GRANT SELECT (schema_name, timezone) ON public.tenants TO {}").format(
                ident(owner)
            )
        )
    definers = raw.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = %s::regnamespace AND p.prosecdef",
        (schema,),
    ).fetchall()
    for (signature,) in definers:
        # regprocedure text is already a quoted, schema-qualified signature.
        raw.execute(sql.SQL("ALTER FUNCTION " + signature + " OWNER TO {}").format(ident(owner)))
    return owner
