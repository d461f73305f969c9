"""Host -> tenant, and `current_tenant`.

The tenant is found from the raw Host header; every transaction of the request's
session then starts inside its schema (db/tenant_session.py does the entering,
transaction-locally, and is the only code that does).
"""

import re
from dataclasses import dataclass

from flask import g, has_request_context, request
from werkzeug.local import LocalProxy

from . import api_request
from .db import tenant_session
from .extensions import db

# Host names: letters, digits, "-" and, since the default domain is "<schema>.<base>"
# and schema names may hold underscores, "_" (browsers and curl accept it).
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)


# Blueprints that answer on any host: probes, and the OpenAPI document.
ANY_HOST = ("health.", "openapi.")


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
    currency: str | None = None  # pages only (the API's first statement does not read them)
    locale: str | None = None


def tenant_for_host(raw_host, endpoint=None):
    host = host_of(raw_host)
    if not HOST_NAME.fullmatch(host):  # not a host name we could have registered
        return None
    if endpoint in api_request.ENDPOINTS:
        # A declared API endpoint: tenant, key, gate and settings in one statement.
        row = api_request.begin(endpoint, host)
        return (
            TenantInfo(row.tenant_id, row.schema_name, row.tenant_name, row.timezone)
            if row
            else None
        )
    # One round trip: the lookup also enters the tenant's schema for this transaction.
    row = tenant_session.find_tenant(db.session, host)
    return TenantInfo(*row) if row else None


def _load_current_tenant():
    if "tenant" not in g:
        # The raw header: Werkzeug's request.host is "" for a name with "_", which the
        # default domains "<schema>.<base>" may have. It is only ever a bound parameter.
        g.tenant = tenant_for_host(request.headers.get("Host"), request.endpoint)
    return g.tenant


current_tenant = LocalProxy(_load_current_tenant)


def require_tenant():
    """before_request hook: every route needs a tenant; an unknown host is a 404."""
    if request.endpoint in (None, "static") or request.endpoint.startswith(ANY_HOST):
        return None
    tenant = _load_current_tenant()
    if tenant is None:
        raise UnknownTenant()
    return None


def _request_schema():
    """The schema of the request being served, once its tenant is known; else None."""
    tenant = g.get("tenant") if has_request_context() else None
    return tenant.schema_name if tenant is not None else None


def init_app(app):
    tenant_session.follow_tenant(db.session, _request_schema)
    app.before_request(require_tenant)
