"""One declaration per endpoint: its route, checks, arguments and OpenAPI operation.

    @operation(bp, "/analytics/revenue/", summary="...", args=RevenueArgsSchema,
               body=RevenueSchema, features=("advanced_analytics", "can_accept_payments"))
    def revenue(args): ...

registers the route (GET), wraps the view in authentication (401) then the feature
gate (403) then argument parsing (400 with the SPEC's {"errors": {...}} body), and
records the operation that api/openapi.py turns into the OpenAPI document. The
document is never written by hand, so it cannot drift from the routes.
"""

import re
from dataclasses import dataclass, field
from functools import wraps

from flask import jsonify, request
from marshmallow import ValidationError

from analytics_app.gating import requires_feature
from analytics_app.request import first_statement
from analytics_app.request.authentication import api_login_required

JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    path: str  # OpenAPI form: /api/export/{kind}/
    summary: str
    args: type | None  # marshmallow schema of the query string
    body: type | None  # marshmallow schema of the 200 JSON body
    media: tuple  # media types of the 200 answer
    features: tuple
    forbidden: type | None  # schema of the 403 body (the first feature's)
    secured: bool
    path_params: tuple = field(default=())  # ({"name": ..., "enum": [...]},)
    description: str = ""


OPERATIONS: list[Operation] = []
_FLASK_PARAM = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def operation(
    bp,
    rule,
    *,
    summary,
    args=None,
    body=None,
    media=(JSON,),
    features=(),
    forbidden=None,
    secured=True,
    path_params=(),
    description="",
    read_only_report=True,
    asks=(),
):
    """Declare a GET endpoint of `bp` (see the module docstring).

    read_only_report: the view runs report functions on the request's session, so the
    first statement makes the transaction read only under the statement timeout.
    asks: features the view looks at without requiring them (answered by the same
    first statement).
    """

    def decorator(view):
        wrapped = _with_query_args(view, args)
        wrapped = requires_feature(*features)(wrapped) if features else wrapped
        wrapped = api_login_required(wrapped) if secured else wrapped
        bp.add_url_rule(rule, view.__name__, wrapped, methods=["GET"])
        first_statement.register(f"{bp.name}.{view.__name__}", (*features, *asks), read_only_report)
        OPERATIONS.append(
            Operation(
                path=_FLASK_PARAM.sub(r"{\1}", (bp.url_prefix or "") + rule),
                summary=summary,
                args=args,
                body=body,
                media=tuple(media),
                features=tuple(features),
                forbidden=forbidden,
                secured=secured,
                path_params=tuple(path_params),
                description=description,
            )
        )
        return view

    return decorator


def _with_query_args(view, args):
    """The view, given its query string loaded by `args` (a 400 naming each bad field)."""
    if args is None:
        return view
    schema = args()  # stateless: one per endpoint

    @wraps(view)
    def endpoint(**kwargs):
        try:
            parsed = schema.load(request.args)
        except ValidationError as err:
            return jsonify({"errors": err.messages}), 400
        return view(parsed, **kwargs)

    return endpoint
