"""Run the Alembic migrations: `public` once, then every tenant schema.

Two Alembic script folders live in migrations/: `public` (shared tables, version
table public.alembic_version) and `tenant` (tables of one tenant, version table
"<schema>".alembic_version). Tenant revisions name no schema; each runs in one
transaction whose search_path is `"<schema>", public`, set transaction-locally,
so a failed tenant leaves nothing behind and no pooled connection keeps a path.

After the versioned revisions, the report views and functions of
analytics_app/sql/ are (re)applied: see sql_objects.py.
"""

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from . import db_security, sql_objects
from .schema_names import quote_schema

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# A server process that has run DDL in many schemas keeps a growing catalog cache,
# and each further schema costs it more (measured: 53 ms a tenant at first, 79 ms
# after 100 on one connection, flat with a fresh one): migrate on a fresh
# connection every RECYCLE_EVERY tenants.
RECYCLE_EVERY = 50


def _config(kind, connection, schema=None):
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS / kind))
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


@functools.cache
def head(kind):
    return ScriptDirectory.from_config(_config(kind, None)).get_current_head()


def current_revision(connection, schema):
    ctx = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return ctx.get_current_revision()


def set_local_search_path(connection, schema):
    """Point this transaction (only) at the schema, then public, then pg_temp.

    Functions made here pin this path with `SET search_path FROM CURRENT`; naming
    pg_temp last stops a caller's temporary objects from shadowing the schema's
    (see db_security.py).
    """
    connection.execute(
        text("SELECT set_config('search_path', :path, true)"),
        {"path": f"{quote_schema(schema)}, public, pg_temp"},
    )


def upgrade_public(connection):
    """Bring the shared schema to the latest revision; return True if anything ran."""
    before = current_revision(connection, "public")
    if before != head("public"):
        command.upgrade(_config("public", connection), "head")
    return before != head("public")


def upgrade_tenant(connection, schema):
    """Bring one tenant schema to the latest revision and report objects.

    The caller owns the transaction. Returns True if anything changed.
    """
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_schema(schema)}"))
    set_local_search_path(connection, schema)
    before = current_revision(connection, schema)
    if before != head("tenant"):
        command.upgrade(_config("tenant", connection, schema), "head")
    changed_objects = sql_objects.apply(connection)
    return before != head("tenant") or changed_objects


def tenant_schemas(connection):
    rows = connection.execute(text("SELECT schema_name FROM public.tenants ORDER BY id"))
    return [row[0] for row in rows]


def upgrade_all(engine, echo=print):
    """`flask db upgrade`: public first, then each tenant, with [i/n:schema] progress."""
    with engine.begin() as conn:
        changed = upgrade_public(conn)
        echo(f"public: {'migrated' if changed else 'up to date'}")
        schemas = tenant_schemas(conn)
    for i, schema in enumerate(schemas, 1):
        with engine.begin() as conn:
            changed = upgrade_tenant(conn, schema)
        echo(f"[{i}/{len(schemas)}:{schema}] {'migrated' if changed else 'up to date'}")
        if i % RECYCLE_EVERY == 0:
            engine.dispose()
    with engine.connect() as conn:
        unsafe = db_security.unsafe_definer_functions(conn.connection.driver_connection)
    if unsafe:
        raise UnsafeDefinerFunctions(unsafe)


class UnsafeDefinerFunctions(RuntimeError):
    """SECURITY DEFINER functions that a caller's pg_temp objects could hijack."""

    def __init__(self, found):
        lines = "\n".join(f"  {f['function']}: {f['problem']}" for f in found)
        super().__init__(
            "Unsafe SECURITY DEFINER functions (pin search_path with pg_temp last and give"
            f" them a non-superuser owner):\n{lines}"
        )
        self.found = found
