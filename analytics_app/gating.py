"""The feature gate: `@requires_feature("advanced_analytics")`.

The database answers (public.tenant_has_feature, under the request's
search_path): the tenant's override column first, then its plan's
permissions. Nothing is cached, so a change of plan or override applies to
the next request.
"""

from dataclasses import dataclass
from functools import wraps

from flask import abort, jsonify, make_response
from sqlalchemy import text

from .extensions import db


@dataclass(frozen=True)
class Feature:
    name: str  # the tenants column and the plan permissions key
    display_name: str
    denied_body: dict


ANALYTICS_DENIED = {
    "detail": "Your current plan does not include Advanced Analytics. "
    "Please upgrade your subscription to access this feature."
}

FEATURES = {
    f.name: f
    for f in (
        Feature("advanced_analytics", "Advanced Analytics", ANALYTICS_DENIED),
        Feature(
            "can_accept_payments",
            "Payment processing",
            {
                "error": "Payment analytics not available",
                "detail": "Your plan does not include payment processing.",
            },
        ),
    )
}


def tenant_has_feature(name):
    """True if the request's tenant (by search_path) has the feature."""
    if name not in FEATURES:
        raise KeyError(f"unknown feature {name!r}")
    return bool(
        db.session.execute(
            text("SELECT public.tenant_has_feature(:name)"), {"name": name}
        ).scalar()
    )


def requires_feature(*names):
    """Abort with the first missing feature's 403 body. Apply under the auth check."""

    def decorator(view):
        @wraps(view)
        def gated(*args, **kwargs):
            for name in names:
                if not tenant_has_feature(name):
                    abort(make_response(jsonify(FEATURES[name].denied_body), 403))
            return view(*args, **kwargs)

        return gated

    return decorator
