"""An API request's first round trip: tenant, key, gate and settings in one statement.

`public.begin_api_request()` (analytics_app/sql/public/begin_api_request.sql) finds the tenant by host, enters its
schema for the transaction, checks the API key, answers the feature gate under the
tenant's search path (public.tenant_has_feature, as for every other check) and
applies the report's transaction settings (read only, statement timeout). The report
function is the second and last statement. The answers make the request's context
(request/context.py), which tenancy, authentication, the gate and the report calls read.

Nothing is cached across requests: a revoked key, a plan change, an override or a
new time zone applies on the next request. Pages (sessions) keep the general path.
"""

from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy import text

from analytics_app.db.tenant_session import remember_tenant
from analytics_app.extensions import db
from analytics_app.request.context import ApiUser, RequestContext, TenantInfo
from analytics_app.tenants import accounts

BEGIN_SQL = text(
    "SELECT * FROM public.begin_api_request("
    ":host, :prefix, :sha256, CAST(:features AS text[]), :read_only, :timeout)"
)


@dataclass(frozen=True)
class Declared:
    features: tuple
    read_only_report: bool  # the view runs report functions: read only, under the timeout


ENDPOINTS: dict[str, Declared] = {}


def register(endpoint, features, read_only_report):
    ENDPOINTS[endpoint] = Declared(tuple(features), read_only_report)


def begin(endpoint, host):
    """Run the first statement for a declared endpoint; return the request's context."""
    declared = ENDPOINTS[endpoint]
    creds = accounts.credentials(request.headers.get("Authorization"))
    row = db.session.execute(
        BEGIN_SQL,
        {
            "host": host,
            "prefix": creds.prefix,
            "sha256": creds.sha256,
            "features": list(declared.features),
            "read_only": declared.read_only_report,
            "timeout": current_app.config["STATEMENT_TIMEOUT_MS"]
            if declared.read_only_report
            else None,
        },
    ).one_or_none()
    if row is None:
        return RequestContext(None)
    remember_tenant(db.session, row.schema_name)
    tenant = TenantInfo(
        row.tenant_id, row.schema_name, row.tenant_name, row.timezone, row.currency, row.locale
    )
    return RequestContext(
        tenant,
        key_checked=True,
        caller=ApiUser(row.user_id, row.tenant_id, row.session_version) if row.user_id else None,
        credentials_given=creds.given,
        features={name: name in row.granted for name in declared.features},
        transaction_ready=declared.read_only_report,
        key_touched=row.key_touched,
    )


def keep_key_touch(_exc=None):
    """Commit the key's last_used_at (at most once a minute per key) at the request's end."""
    context = g.get("request_context")
    if context is not None and context.key_touched:
        context.key_touched = False
        try:
            db.session.commit()
        except Exception:  # the request failed after all; the next one writes it
            db.session.rollback()


def init_app(app):
    app.teardown_request(keep_key_touch)
