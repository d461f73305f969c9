"""Host -> tenant, `current_tenant`, and the transaction-local search_path.

Nothing else touches the search path. Every transaction the request's session
begins gets `set_config('search_path', '"<schema>", public', true)`: local to
that transaction, so a connection returned to the pool carries no tenant's
path, whatever happened in the request (django-tenants #545/#651 show what a
session-level SET does behind a pool).
"""

import re
from dataclasses import dataclass

from flask import g, has_request_context, request
from sqlalchemy import event, text
from werkzeug.local import LocalProxy

from .extensions import db
from .schema_names import quote_schema

# Host names: letters, digits, "-" and, since the default domain is "<schema>.<base>"
# and schema names may hold underscores, "_" (browsers and curl accept it).
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)


class UnknownTenant(Exception):
    """The request's host names no tenant."""


PORT = re.compile(r"^[0-9]{1,5}$")


def split_host(raw_host):
    """('demo.localhost', '5000') from 'Demo.LocalHost:5000'; None if the port is not digits.

    'demo.localhost:@evil.example' is None: anything after the last ':' must be a port.
    """
    host = (raw_host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal, e.g. [::1]:5000
        name, _, rest = host.partition("]")
        name, port = name + "]", rest[1:] if rest.startswith(":") else None
        if rest and port is None:
            return None
    else:
        name, colon, port = host.partition(":")
        port = port if colon else None
    if port is not None and not PORT.fullmatch(port):
        return None
    return name, port


def host_of(raw_host):
    """Lower-cased host name without the port: 'Demo.LocalHost:5000' -> 'demo.localhost'."""
    parts = split_host(raw_host)
    return parts[0] if parts else ""


@dataclass(frozen=True)
class TenantInfo:
    """A plain snapshot of the request's tenant (never a lazy-loading ORM object)."""

    id: int
    schema_name: str
    name: str
    timezone: str


def tenant_for_host(raw_host):
    host = host_of(raw_host)
    if not HOST_NAME.fullmatch(host):  # not a host name we could have registered
        return None
    # One round trip: the same statement points this transaction at the tenant's
    # schema (schema names are checked by a CHECK constraint; %I quotes them).
    row = db.session.execute(
        text(
            "SELECT t.id, t.schema_name, t.name, t.timezone,"
            " set_config('search_path', format('%I, public', t.schema_name), true)"
            " FROM public.domains d JOIN public.tenants t ON t.id = d.tenant_id"
            " WHERE d.domain = :host"
        ),
        {"host": host},
    ).one_or_none()
    return TenantInfo(*row[:4]) if row else None


def _load_current_tenant():
    if "tenant" not in g:
        # The raw header: Werkzeug's request.host is "" for a name with "_", which the
        # default domains "<schema>.<base>" may have. It is only ever a bound parameter.
        g.tenant = tenant_for_host(request.headers.get("Host"))
    return g.tenant


current_tenant = LocalProxy(_load_current_tenant)


def require_tenant():
    """before_request hook: every route needs a tenant; an unknown host is a 404."""
    if request.endpoint in (None, "static") or request.endpoint.startswith("health."):
        return None
    tenant = _load_current_tenant()
    if tenant is None:
        raise UnknownTenant()
    return None


def search_path_for(schema):
    return f"{quote_schema(schema)}, public" if schema else "public"


def _set_search_path(executor, schema):
    executor.execute(
        text("SELECT set_config('search_path', :path, true)"), {"path": search_path_for(schema)}
    )


def _apply_search_path(session, transaction, connection):
    """Every transaction of a request with a known tenant starts on its schema.

    Before the tenant is known (the host lookup's own transaction), and outside
    requests, the connection keeps the server's default path: nothing but
    transaction-local settings are ever made, so no tenant's path can linger.
    """
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is not None:
        _set_search_path(connection, tenant.schema_name)


def init_app(app):
    event.listen(db.session, "after_begin", _apply_search_path)
    app.before_request(require_tenant)
