"""The feature gate: `@requires_feature("advanced_analytics")`.

The database answers (public.tenant_has_feature, under the request's
search path): the tenant's override column first, then its plan's
permissions. Nothing is cached, so a change of plan or override applies to
the next request.
"""

from dataclasses import dataclass
from functools import wraps

from flask import abort, jsonify, make_response
from sqlalchemy import text

from analytics_app.extensions import db
from analytics_app.request.context import request_context


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
        Feature(
            "can_export_data",
            "Data Export",
            {
                "detail": "Your current plan does not include Data Export. "
                "Please upgrade your subscription to access this feature."
            },
        ),
    )
}


def missing_features(names):
    """The features of `names` the request's tenant (by the search path) lacks. One query."""
    for name in names:
        if name not in FEATURES:
            raise KeyError(f"unknown feature {name!r}")
    answered = request_context().features  # by the request's first statement, if asked
    if all(name in answered for name in names):
        return [name for name in names if not answered[name]]
    has = db.session.execute(
        text(
            "SELECT f.name, public.tenant_has_feature(f.name)"
            " FROM unnest(CAST(:names AS text[])) AS f(name)"
        ),
        {"names": list(names)},
    ).all()
    granted = {name for name, ok in has if ok}
    return [name for name in names if name not in granted]


def tenant_has_feature(name):
    """True if the request's tenant (by the search path) has the feature."""
    return not missing_features([name])


def requires_feature(*names):
    """Abort with the first missing feature's 403 body. Apply under the auth check."""

    def decorator(view):
        @wraps(view)
        def gated(*args, **kwargs):
            missing = missing_features(names)
            if missing:
                abort(make_response(jsonify(FEATURES[missing[0]].denied_body), 403))
            return view(*args, **kwargs)

        return gated

    return decorator
