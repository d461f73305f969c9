"""The one place that points a transaction at a tenant's schema.

Everything that works inside a tenant — requests, reports, exports, migrations,
the CLI and the demo — enters its schema through `enter_schema()`, which sets,
in one statement and only for the current transaction (`set_config(..., true)`):

- search_path: `"<schema>", public` (and `, pg_temp` when creating objects, so that
  functions pinning this path with `SET search_path FROM CURRENT` put pg_temp last),
  written by public.enter_tenant() (analytics_app/sql/public/enter_tenant.sql), which
  the API's first statement calls too;
- optionally transaction_read_only, statement_timeout,
  idle_in_transaction_session_timeout, application_name and TimeZone.

Transaction-local settings vanish at commit or rollback, so no pooled connection
can carry one tenant's path into another request (django-tenants #545/#651 show
what a session-level SET does behind a pool or PgBouncer). Nothing else in the
application touches the search path (the public catalogue sets `public, pg_temp` while
it creates the shared functions).
"""

import psycopg
from sqlalchemy import event, exc, text
from sqlalchemy.pool import Pool

# Finds a request's tenant by host and, in the same statement, points the transaction
# at its schema: one round trip.
FIND_TENANT_SQL = text(
    "SELECT t.id, t.schema_name, t.name, t.timezone, t.currency, t.locale,"
    " public.enter_tenant(t.schema_name)"
    " FROM public.domains d JOIN public.tenants t ON t.id = d.tenant_id"
    " WHERE d.domain = :host"
)


def settings_for(
    *,
    read_only=False,
    timeout_ms=None,
    idle_ms=None,
    application_name=None,
):
    """The (setting, value) pairs enter_schema() applies after the search path, in order."""
    pairs = []
    if read_only:
        pairs.append(("transaction_read_only", "on"))
    if timeout_ms is not None:
        pairs.append(("statement_timeout", str(int(timeout_ms))))
    if idle_ms is not None:
        pairs.append(("idle_in_transaction_session_timeout", str(int(idle_ms))))
    if application_name is not None:
        pairs.append(("application_name", application_name))
    return pairs


# PostgreSQL keeps, per connection, the plans of the functions it ran (PL/pgSQL, and SQL
# functions since 18): one set per tenant schema, as each schema has its own functions.
# The outlook's kept plan is about 2.7 MB (docs/decisions.md, "The outlook ..."). A pooled
# connection that has served this many tenants is closed when it is next taken from the
# pool, so no server process grows with the number of tenants (PgBouncer: server_lifetime).
TENANTS_PER_CONNECTION = 100


def remember_tenant(executor, schema, limit=None):
    """Count `schema` among the tenants the pooled connection under `executor` (a SQLAlchemy
    Session or Connection) has served; past `limit` (TENANTS_PER_CONNECTION) the pool
    replaces it at its next checkout."""
    info = executor.connection().info if hasattr(executor, "get_bind") else executor.info
    seen = info.setdefault("tenants_served", set())
    seen.add(schema)
    if len(seen) > (TENANTS_PER_CONNECTION if limit is None else limit):
        info["retire"] = True


@event.listens_for(Pool, "checkout")
def _retire_after_many_tenants(_dbapi_connection, record, _proxy):
    if record.info.get("retire"):
        # SQLAlchemy closes this connection and opens a new one in its place.
        raise exc.DisconnectionError("served its share of tenants")


def enter_schema(executor, schema, *, tenant_time_zone=False, pin_temp_last=False, **options):
    """Point the current transaction at `schema` (see settings_for for the options).

    executor: a SQLAlchemy Session or Connection, or a psycopg connection. The search
    path is public.enter_tenant()'s (analytics_app/sql/public/enter_tenant.sql; None:
    public alone). With tenant_time_zone=True the session TimeZone becomes the
    tenant's, so timestamps are written with its offset (exports).
    """
    pairs = settings_for(**options)
    if isinstance(executor, psycopg.Connection):
        calls = ["public.enter_tenant(%s, %s)"] + ["set_config(%s, %s, true)"] * len(pairs)
        values = [schema, pin_temp_last, *(x for pair in pairs for x in pair)]
        executor.execute(f"SELECT {', '.join(calls)}", values)
        if tenant_time_zone:
            executor.execute("SELECT set_config('TimeZone', tenant_timezone(), true)")
        return
    remember_tenant(executor, schema)
    calls = ["public.enter_tenant(:schema, :pin)"]
    params = {"schema": schema, "pin": pin_temp_last}
    for i, (setting, value) in enumerate(pairs):
        calls.append(f"set_config(:k{i}, :v{i}, true)")
        params.update({f"k{i}": setting, f"v{i}": value})
    executor.execute(text(f"SELECT {', '.join(calls)}"), params)
    if tenant_time_zone:
        executor.execute(text("SELECT set_config('TimeZone', tenant_timezone(), true)"))


def find_tenant(session, host):
    """(id, schema_name, name, timezone, currency, locale) of the tenant serving `host`,
    entering its schema."""
    row = session.execute(FIND_TENANT_SQL, {"host": host}).one_or_none()
    if row is None:
        return None
    remember_tenant(session, row.schema_name)
    return tuple(row[:6])


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
