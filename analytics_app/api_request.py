"""An API request's first round trip: tenant, key, gate and settings in one statement.

`public.begin_api_request()` (migration p0008) finds the tenant by host, enters its
schema for the transaction, checks the API key, answers the feature gate under the
tenant's search path (public.tenant_has_feature, as for every other check) and
applies the report's transaction settings (read only, statement timeout). The report
function is the second and last statement. The answers are kept on `g` for the
layers that used to ask the database themselves: tenancy (g.tenant), authentication
(the key's user), gating (the granted features) and reports (settings applied).

Nothing is cached across requests: a revoked key, a plan change, an override or a
new time zone applies on the next request. Pages (sessions) keep the general path.
"""

from dataclasses import dataclass

from flask import current_app, g, request
from flask_login import UserMixin
from sqlalchemy import text

from . import accounts
from .extensions import db

BEGIN_SQL = text(
    "SELECT * FROM public.begin_api_request("
    ":host, :prefix, :sha256, CAST(:features AS text[]), :read_only, :timeout)"
)
SCHEMES = ("token", "bearer")


@dataclass(frozen=True)
class Declared:
    features: tuple
    report: bool  # the view runs one report function: read only, under the timeout


ENDPOINTS: dict[str, Declared] = {}


def register(endpoint, features, report):
    ENDPOINTS[endpoint] = Declared(tuple(features), report)


class ApiUser(UserMixin):
    """The key's user for this request: a plain object (no ORM on the hot path)."""

    def __init__(self, user_id, tenant_id, session_version):
        self.id, self.tenant_id, self.session_version = user_id, tenant_id, session_version

    def get_id(self):
        return f"{self.id}:{self.session_version}"


@dataclass(frozen=True)
class Credentials:
    given: bool  # an Authorization header of ours (Token or Bearer)
    prefix: str | None = None  # None: malformed, so not valid
    sha256: str | None = None


def credentials(header):
    scheme, _, key = (header or "").strip().partition(" ")
    if scheme.lower() not in SCHEMES:
        return Credentials(given=False)
    parts = accounts.split_key(key.strip())
    if parts is None:
        return Credentials(given=True)
    prefix, secret = parts
    return Credentials(True, prefix, accounts.key_hash(secret))


def begin(endpoint, host):
    """Run the first statement for a declared endpoint; return its row (None: no tenant)."""
    declared = ENDPOINTS[endpoint]
    creds = credentials(request.headers.get("Authorization"))
    row = db.session.execute(
        BEGIN_SQL,
        {
            "host": host,
            "prefix": creds.prefix,
            "sha256": creds.sha256,
            "features": list(declared.features),
            "read_only": declared.report,
            "timeout": current_app.config["STATEMENT_TIMEOUT_MS"] if declared.report else None,
        },
    ).one_or_none()
    if row is None:
        return None
    g.api_credentials_given = creds.given
    g.api_user = ApiUser(row.user_id, row.tenant_id, row.session_version) if row.user_id else None
    g.features_answered = {name: name in row.granted for name in declared.features}
    g.report_transaction_ready = declared.report
    g.key_touched = row.key_touched
    return row


def keep_key_touch(_exc=None):
    """Commit the key's last_used_at (at most once a minute per key) at the request's end."""
    if g.pop("key_touched", False):
        try:
            db.session.commit()
        except Exception:  # the request failed after all; the next one writes it
            db.session.rollback()


def init_app(app):
    app.teardown_request(keep_key_touch)
