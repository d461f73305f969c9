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
   relations and, through its one group `analytics_owners`, on two columns of
   public.tenants. Even a future path mistake
   would give a caller nothing the reports do not already show.

`unsafe_definer_functions()` lists every definer function in the database that
breaks rule 1 or has a superuser owner; `flask db upgrade` refuses to finish
while it finds any (tests cover it too).
"""

import contextlib
import hashlib
from pathlib import Path

from psycopg import sql

from analytics_app.db.catalogue import SIGNATURE

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


# Holds SELECT (schema_name, timezone, currency, locale) on public.tenants.
OWNERS_GROUP = "analytics_owners"

# The schema's tables, views and functions, found through pg_depend's index on the
# referenced object (each records a dependency on its schema), so the cost does not
# grow with the number of tenants: pg_class and pg_proc have no index on the schema
# alone, and GRANT ... ON ALL TABLES IN SCHEMA reads all of them.
SCHEMA_OBJECTS = f"""
SELECT d.classid = 'pg_proc'::regclass AS is_function,
       CASE WHEN d.classid = 'pg_proc'::regclass THEN {SIGNATURE}
            ELSE format('%%I.%%I', n.nspname, c.relname) END AS name,
       coalesce(p.prosecdef, false) AS definer,
       p.oid IS NOT NULL AND has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
       pg_get_userbyid(p.proowner) AS owned_by,
       c.oid IS NOT NULL AND has_table_privilege(%s, c.oid, 'SELECT') AS owner_reads
FROM pg_depend d
JOIN pg_namespace n ON n.oid = d.refobjid
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_namespace'::regclass
  AND d.refobjid = %s::regnamespace
  AND d.deptype = 'n'
  AND (p.oid IS NOT NULL OR c.relkind IN ('r', 'p', 'v', 'm', 'f'))
ORDER BY 1, 2
"""


def _create_owner(raw, owner):
    """The owner role: no login, no rights of its own (ensure_owner joins it to its group,
    whose columns it reads, at the end of the creation)."""
    ident = sql.Identifier
    raw.execute(
        sql.SQL(
            "CREATE ROLE {owner} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION"
        ).format(owner=ident(owner))
    )
    superuser = raw.execute(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()[0]
    if not superuser:  # a CREATEROLE migrator must be a member to hand objects over
        raw.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident(owner)))


def grant_relations(raw, schema, names):
    """The schema's owner role may read these relations of it (made after the schema)."""
    raw.execute(
        sql.SQL("GRANT SELECT ON {} TO {}").format(
            sql.SQL(", ").join(sql.Identifier(schema, name) for name in names),
            sql.Identifier(owner_role(schema)),
        )
    )


def ensure_owner(raw, schema, join=True):
    """The schema's owner role, made if need be, and (join) a member of its group; its
    name. Joining locks the group role until the transaction ends (PostgreSQL serialises
    grants of one role), so a creation joins last: two creations at once would otherwise
    take turns for the whole of their transactions."""
    owner = owner_role(schema)
    ident = sql.Identifier
    row = raw.execute(
        "SELECT r.oid IS NOT NULL, r.oid IS NOT NULL AND pg_has_role(r.oid, %s, 'USAGE')"
        " FROM (SELECT) one LEFT JOIN pg_roles r ON r.rolname = %s",
        (OWNERS_GROUP, owner),
    ).fetchone()
    exists, in_group = row
    if not exists:
        _create_owner(raw, owner)
    if join and not in_group:
        # An owner from before p0009/p0010 (which joins them all) may lack INHERIT.
        alter = "" if not exists else "ALTER ROLE {owner} INHERIT; "
        raw.execute(
            sql.SQL(alter + "GRANT {group} TO {owner}").format(
                owner=ident(owner), group=ident(OWNERS_GROUP)
            )
        )
    return owner


@contextlib.contextmanager
def owner_reads_what_is_made(raw, schema):
    """Inside, each table and view the current role makes in the new schema is readable
    by its owner role from its creation (a default privilege, removed on leaving): one
    GRANT naming them all afterwards rewrote every one of their catalog rows again
    (3.7 ms of a creation's 64 ms of statements: benchmarks/TENANT_GROWTH.md)."""
    statement = "ALTER DEFAULT PRIVILEGES IN SCHEMA {} {} SELECT ON TABLES {} {}"
    target = (sql.Identifier(schema), sql.Identifier(ensure_owner(raw, schema, join=False)))
    raw.execute(sql.SQL(statement).format(target[0], sql.SQL("GRANT"), sql.SQL("TO"), target[1]))
    yield
    raw.execute(sql.SQL(statement).format(target[0], sql.SQL("REVOKE"), sql.SQL("FROM"), target[1]))


# The owner role makes the schema's private objects (the report functions, definers or
# not, and what their files hold) itself, so that each function is born with its owner
# and its grants: CREATE FUNCTION writes its pg_proc row once, where ALTER ... OWNER TO
# and REVOKE ... FROM PUBLIC afterwards rewrote it twice more, dead versions for the
# catalogs' autovacuum (issue 27: with the interim names below, 43 % less autovacuum work
# over 10,000 creations; the creation time did not move, benchmarks/MANY_TENANTS.md). The role
# may create in the schema only meanwhile; its functions are never PUBLIC's (a default
# privilege of the role, everywhere: it creates in its own schema only); the reader
# roles there are (a default privilege in the schema) get EXECUTE and SELECT on them.
# (By the role's OID, one probe of pg_default_acl's unique index: through the pg_roles
# view, planning alone took 2.9 ms on a fresh connection at 10,000 tenants; 0.3 ms so.)
_OWNERS_DEFAULT = (
    "SELECT EXISTS (SELECT FROM pg_default_acl WHERE defaclrole = quote_ident(%s)::regrole"
    " AND defaclnamespace = 0 AND defaclobjtype = 'f')"
)


@contextlib.contextmanager
def owner_makes_private_objects(raw, schema, reader_roles=()):
    """Inside, the schema's owner role may create there, and what it creates is its own,
    not executable by PUBLIC, and usable by reader_roles (those that exist:
    readers.existing_roles); yields its name (catalogue._create runs the private
    entries' files as it)."""
    owner = ensure_owner(raw, schema, join=False)
    ident = sql.Identifier
    statements = [
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(ident(schema), ident(owner))
    ]
    if not raw.execute(_OWNERS_DEFAULT, (owner,)).fetchone()[0]:
        statements.append(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"
            ).format(ident(owner))
        )
    to = sql.SQL(", ").join(map(ident, reader_roles))

    def readers(grant, to_from):
        return [
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} {} " + what + " {} {}"
            ).format(ident(owner), ident(schema), sql.SQL(grant), sql.SQL(to_from), to)
            for what in ("EXECUTE ON FUNCTIONS", "SELECT ON TABLES")
            if reader_roles
        ]

    raw.execute(sql.SQL(";\n").join(statements + readers("GRANT", "TO")))
    yield owner
    # The schema keeps no default privilege naming a reader role (dropping the role would
    # have to find it): a later creation in the schema sets them again.
    statements = [sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(ident(schema), ident(owner))]
    raw.execute(sql.SQL(";\n").join(statements + readers("REVOKE", "FROM")))


def secure_definer_functions(raw, schema):
    """Give the schema's definer functions their unprivileged owner (in the caller's
    transaction), and the owner what they read: the schema's tables and functions (after
    owner_makes_private_objects: only what an older creation left otherwise)."""
    owner = ensure_owner(raw, schema)
    ident = sql.Identifier
    objects = raw.execute(SCHEMA_OBJECTS, (owner, schema)).fetchall()
    relations = [
        sql.SQL(name) for is_function, name, *_, owner_reads in objects
        if not is_function and not owner_reads
    ]  # fmt: skip
    # The owner may run its own (definer) functions and what PUBLIC may; a private
    # function it does not own is granted. (Naming functions costs a look-up each that
    # reads every tenant's function of that name, so none is named needlessly.)
    functions = [
        sql.SQL(name)
        for is_function, name, definer, public_execute, owned_by, _ in objects
        if is_function and not definer and not public_execute and owned_by != owner
    ]
    # The names are quoted and schema-qualified already. (USAGE on the schema it got when
    # the objects were made: owner_makes_private_objects.)
    statements = []
    if relations:
        statements.append(
            sql.SQL("GRANT SELECT ON {} TO {}").format(sql.SQL(", ").join(relations), ident(owner))
        )
    if functions:
        statements.append(
            sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(
                sql.SQL(", ").join(functions), ident(owner)
            )
        )
    statements += [
        sql.SQL("ALTER FUNCTION " + name + " OWNER TO {}").format(ident(owner))
        for is_function, name, definer, _, owned_by, _ in objects
        if is_function and definer and owned_by != owner
    ]
    if statements:
        raw.execute(sql.SQL(";\n").join(statements))
    return owner
