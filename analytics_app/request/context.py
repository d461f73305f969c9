"""What a request knows about itself, in one typed object: `request_context()`.

- tenant: the host's tenant (TenantInfo: id, schema, name, time zone, currency,
  locale; one shape whichever path found it), or None for an unknown host;
- caller: the API key's user, when the request's first statement checked the key;
- credentials_given: an Authorization header of ours came (a wrong key is then a
  401 "Invalid token.", no header "not provided");
- features: the features the endpoint declared, as the first statement answered them;
- transaction_ready: the first statement made the transaction read only with the
  report's statement timeout, so the report needs no settings of its own;
- key_touched: the key's last_used_at was written and is committed at the end;
- auth_error: the 401 detail the unauthorized handler answers.

tenancy.py builds it (through first_statement for declared API endpoints); the
authentication, the gate and the report calls read it. It lives on `g` for one request.
"""

from dataclasses import dataclass, field

from flask import g, has_request_context
from flask_login import UserMixin


@dataclass(frozen=True)
class TenantInfo:
    """A plain snapshot of the request's tenant (never a lazy-loading ORM object)."""

    id: int
    schema_name: str
    name: str
    timezone: str
    currency: str
    locale: str


class ApiUser(UserMixin):
    """The key's user for this request: a plain object (no ORM on the hot path)."""

    def __init__(self, user_id, tenant_id, session_version):
        self.id, self.tenant_id, self.session_version = user_id, tenant_id, session_version

    def get_id(self):
        return f"{self.id}:{self.session_version}"


@dataclass
class RequestContext:
    tenant: TenantInfo | None
    key_checked: bool = False  # the first statement checked the key (caller is its answer)
    caller: ApiUser | None = None
    credentials_given: bool = False
    features: dict[str, bool] = field(default_factory=dict)
    transaction_ready: bool = False
    key_touched: bool = False
    auth_error: str | None = None


def request_context(build=None):
    """The request's context; built by build() the first time it is asked for."""
    if "request_context" not in g:
        g.request_context = build() if build else RequestContext(None)
    return g.request_context


def known_context():
    """The context if the request has one already (hooks, logging), else None."""
    return g.get("request_context") if has_request_context() else None
