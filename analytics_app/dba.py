"""Read-only roles for DBAs and analysts.

`analytics_reader` (NOLOGIN) may read the report views and call the report
functions of every tenant schema; `analytics_reader_<schema>` the same in one
schema. Neither can read a table (base or rollup), write anything, or see
public.users or public.api_tokens. People get them by membership:
`flask dba grant alice [--tenant demo]`.
"""

from psycopg import sql
from sqlalchemy import text

from .db_security import role_name
from .schema_names import validate_schema_name
from .sql_objects import READER_FUNCTIONS, READER_VIEWS

ALL_TENANTS = "analytics_reader"


class DbaError(ValueError):
    pass


def tenant_role(schema):
    return role_name(ALL_TENANTS, validate_schema_name(schema))


def _role_exists(connection, role):
    return connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()


def _grant_reading(raw, schema, role):
    ident = sql.Identifier
    raw.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident(schema), ident(role)))
    raw.execute(
        sql.SQL("GRANT SELECT ON {} TO {}").format(
            sql.SQL(", ").join(sql.Identifier(schema, v) for v in READER_VIEWS), ident(role)
        )
    )
    for signature in READER_FUNCTIONS:
        name, args = signature.split("(", 1)
        raw.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION {}.{}(" + args + " TO {}").format(
                ident(schema), ident(name), ident(role)
            )
        )


def regrant_schema(connection):
    """Re-grant the reader roles on the current schema's (re)created objects."""
    schema = connection.execute(text("SELECT current_schema()")).scalar()
    raw = connection.connection.driver_connection
    for role in (ALL_TENANTS, tenant_role(schema)):
        if _role_exists(connection, role):
            _grant_reading(raw, schema, role)


def ensure_roles(connection, schemas, schema=None):
    """Create the reader role (all tenants, or one tenant's) if missing, with its grants."""
    raw = connection.connection.driver_connection
    role = tenant_role(schema) if schema else ALL_TENANTS
    if not _role_exists(connection, role):
        raw.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    for name in [schema] if schema else schemas:
        _grant_reading(raw, name, role)
    return role


def grant(connection, member, schemas, schema=None):
    if not _role_exists(connection, member):
        raise DbaError(f"No role {member!r} in this database server.")
    role = ensure_roles(connection, schemas, schema)
    connection.connection.driver_connection.execute(
        sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(member))
    )
    return role


def revoke(connection, member, schema=None):
    role = tenant_role(schema) if schema else ALL_TENANTS
    if not _role_exists(connection, member) or not _role_exists(connection, role):
        raise DbaError(f"Nothing to revoke: no role {member!r} or {role!r}.")
    connection.connection.driver_connection.execute(
        sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role), sql.Identifier(member))
    )
    return role
