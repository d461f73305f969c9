"""Host -> tenant, and `current_tenant`.

The tenant is found from the raw Host header; every transaction of the request's
session then starts inside its schema (db/tenant_session.py does the entering,
transaction-locally, and is the only code that does).
"""

import re

from flask import request
from werkzeug.local import LocalProxy

from analytics_app.db import tenant_session
from analytics_app.extensions import db
from analytics_app.request import first_statement
from analytics_app.request.context import RequestContext, TenantInfo, known_context, request_context

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


def context_for_host(raw_host, endpoint=None):
    """The request's context, its tenant found from the host (None: unknown host)."""
    host = host_of(raw_host)
    if not HOST_NAME.fullmatch(host):  # not a host name we could have registered
        return RequestContext(None)
    if endpoint in first_statement.ENDPOINTS:
        # A declared API endpoint: tenant, key, gate and settings in one statement.
        return first_statement.begin(endpoint, host)
    # One round trip: the lookup also enters the tenant's schema for this transaction.
    row = tenant_session.find_tenant(db.session, host)
    return RequestContext(TenantInfo(*row) if row else None)


def _load_current_tenant():
    # The raw header: Werkzeug's request.host is "" for a name with "_", which the
    # default domains "<schema>.<base>" may have. It is only ever a bound parameter.
    return request_context(
        lambda: context_for_host(request.headers.get("Host"), request.endpoint)
    ).tenant


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
    context = known_context()
    return context.tenant.schema_name if context and context.tenant else None


def init_app(app):
    tenant_session.follow_tenant(db.session, _request_schema)
    app.before_request(require_tenant)
