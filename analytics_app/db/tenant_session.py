"""The one place that points a transaction at a tenant's schema.

Everything that works inside a tenant — requests, reports, exports, migrations,
the CLI and the demo — enters its schema through `enter_schema()`, which sets,
in one statement and only for the current transaction (`set_config(..., true)`):

- search_path: `"<schema>", public` (and `, pg_temp` when creating objects, so that
  functions pinning this path with `SET search_path FROM CURRENT` put pg_temp last);
- optionally transaction_read_only, statement_timeout,
  idle_in_transaction_session_timeout, application_name and TimeZone.

Transaction-local settings vanish at commit or rollback, so no pooled connection
can carry one tenant's path into another request (django-tenants #545/#651 show
what a session-level SET does behind a pool or PgBouncer). Nothing else in the
application touches the search path.
"""

import psycopg
from sqlalchemy import event, text

from .schema_names import quote_schema

# Finds a request's tenant by host and, in the same statement, points the transaction
# at its schema: one round trip. Schema names are CHECKed in public.tenants; %I quotes.
FIND_TENANT_SQL = text(
    "SELECT t.id, t.schema_name, t.name, t.timezone, t.currency, t.locale,"
    " set_config('search_path', format('%I, public', t.schema_name), true)"
    " FROM public.domains d JOIN public.tenants t ON t.id = d.tenant_id"
    " WHERE d.domain = :host"
)


def search_path_for(schema, pin_temp_last=False):
    """'"demo", public' for a tenant schema ('public' for none)."""
    path = f"{quote_schema(schema)}, public" if schema else "public"
    return path + ", pg_temp" if pin_temp_last else path


def settings_for(
    schema,
    *,
    pin_temp_last=False,
    read_only=False,
    timeout_ms=None,
    idle_ms=None,
    application_name=None,
):
    """The (setting, value) pairs enter_schema() applies, in order."""
    pairs = [("search_path", search_path_for(schema, pin_temp_last))]
    if read_only:
        pairs.append(("transaction_read_only", "on"))
    if timeout_ms is not None:
        pairs.append(("statement_timeout", str(int(timeout_ms))))
    if idle_ms is not None:
        pairs.append(("idle_in_transaction_session_timeout", str(int(idle_ms))))
    if application_name is not None:
        pairs.append(("application_name", application_name))
    return pairs


def enter_schema(executor, schema, *, tenant_time_zone=False, **options):
    """Point the current transaction at `schema` (see settings_for for the options).

    executor: a SQLAlchemy Session or Connection, or a psycopg connection. With
    tenant_time_zone=True the session TimeZone becomes the tenant's, so timestamps
    are written with its offset (exports).
    """
    pairs = settings_for(schema, **options)
    if isinstance(executor, psycopg.Connection):
        _enter_psycopg(executor, pairs, tenant_time_zone)
        return
    calls = ", ".join(f"set_config(:k{i}, :v{i}, true)" for i in range(len(pairs)))
    params = {
        f"{kind}{i}": value
        for i, pair in enumerate(pairs)
        for kind, value in zip("kv", pair, strict=False)
    }
    executor.execute(text(f"SELECT {calls}"), params)
    if tenant_time_zone:
        executor.execute(text("SELECT set_config('TimeZone', tenant_timezone(), true)"))


def _enter_psycopg(conn, pairs, tenant_time_zone):
    calls = ", ".join("set_config(%s, %s, true)" for _ in pairs)
    conn.execute(f"SELECT {calls}", [x for pair in pairs for x in pair])
    if tenant_time_zone:
        conn.execute("SELECT set_config('TimeZone', tenant_timezone(), true)")


def find_tenant(session, host):
    """(id, schema_name, name, timezone, currency, locale) of the tenant serving `host`,
    entering its schema."""
    row = session.execute(FIND_TENANT_SQL, {"host": host}).one_or_none()
    return tuple(row[:6]) if row else None


def follow_tenant(session, current_schema):
    """Re-enter the request's tenant schema at the start of every transaction of `session`.

    current_schema() returns the schema of the request being served, or None (no
    request, or its tenant not known yet: the connection then keeps the server's
    default path; nothing but transaction-local settings is ever made).
    """

    def after_begin(_session, _transaction, connection):
        schema = current_schema()
        if schema is not None:
            enter_schema(connection, schema)

    event.listen(session, "after_begin", after_begin)
