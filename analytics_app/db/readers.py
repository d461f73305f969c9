"""Read-only roles for DBAs and analysts.

`analytics_reader` (NOLOGIN) may read the report views and call the report
functions of every tenant schema; `analytics_reader_<schema>` the same in one
schema. What they may use is the catalogue's `readers` entries (db/catalogue.py).
Neither can read a table (base or rollup), write anything, or see public.users
or public.api_tokens. People get them by membership: `flask dba grant alice
[--tenant demo]`. Every function here takes a psycopg connection inside the
caller's transaction.
"""

from psycopg import sql

from analytics_app.db import catalogue
from analytics_app.db.definers import role_name
from analytics_app.db.schema_names import validate_schema_name

ALL_TENANTS = "analytics_reader"


class DbaError(ValueError):
    pass


def tenant_role(schema):
    return role_name(ALL_TENANTS, validate_schema_name(schema))


def _role_exists(raw, role):
    return raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()


def _grant_reading(raw, schema, roles, grants=None):
    """Grant the roles what readers may use in the schema, in one round trip."""
    ident = sql.Identifier
    grants = catalogue.reader_grants(raw, schema) if grants is None else grants
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident(schema), ident(role))
        for role in roles
    ] + [
        sql.SQL("GRANT " + privilege + " {} TO {}").format(target, ident(role))
        for role in roles
        for privilege, target in grants
    ]
    raw.execute(sql.SQL(";\n").join(statements))


def existing_roles(raw, schema):
    """The reader roles that exist and may read this schema: all tenants', its own."""
    return [
        role
        for (role,) in raw.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname",
            ([ALL_TENANTS, tenant_role(schema)],),
        )
    ]


def regrant_schema(raw, schema, only=None):
    """Re-grant the reader roles on the schema's (re)created objects (only: on these
    views, those of them readers may read). The private entries' objects are left out:
    the owner role made them with the readers' privileges already on them
    (definers.owner_makes_private_objects)."""
    roles = existing_roles(raw, schema)
    if roles and only is None:
        public = [e for e in catalogue.CATALOGUE if not e.private]
        _grant_reading(raw, schema, roles, catalogue.reader_grants(raw, schema, public))
    elif roles:
        views = set(catalogue.reader_views())
        grants = [("SELECT ON", sql.Identifier(schema, v)) for v in only if v in views]
        if grants:
            _grant_reading(raw, schema, roles, grants)


def ensure_role(raw, schemas, schema=None):
    """Create the reader role (all tenants, or one tenant's) if missing, with its grants."""
    role = tenant_role(schema) if schema else ALL_TENANTS
    if not _role_exists(raw, role):
        raw.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    for name in [schema] if schema else schemas:
        _grant_reading(raw, name, [role])
    return role


def grant(raw, member, schemas, schema=None):
    if not _role_exists(raw, member):
        raise DbaError(f"No role {member!r} in this database server.")
    role = ensure_role(raw, schemas, schema)
    raw.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(member)))
    return role


def revoke(raw, member, schema=None):
    role = tenant_role(schema) if schema else ALL_TENANTS
    if not _role_exists(raw, member) or not _role_exists(raw, role):
        raise DbaError(f"Nothing to revoke: no role {member!r} or {role!r}.")
    raw.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role), sql.Identifier(member)))
    return role
