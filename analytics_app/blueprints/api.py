"""The JSON API under /api/analytics/: authenticate, gate, validate, one SQL call."""

from flask import Blueprint, Response, jsonify, request, url_for
from marshmallow import ValidationError

from .. import reports
from ..authentication import api_login_required
from ..extensions import csrf
from ..gating import requires_feature
from ..tenancy import split_host

bp = Blueprint("api", __name__, url_prefix="/api/analytics")
csrf.exempt(bp)  # GET only; keys or the session authenticate each request


def _args(schema_class):
    """The query string, validated; a 400 naming each bad parameter otherwise."""
    try:
        return schema_class().load(request.args), None
    except ValidationError as err:
        return None, (jsonify({"errors": err.messages}), 400)


def _report(schema_class, run):
    args, error = _args(schema_class)
    if error:
        return error
    body = run(args)
    if args.get("format") == "csv":
        return Response(reports.as_csv(body), mimetype="text/csv")
    return jsonify(body)


@bp.get("/")
def index():
    # Built from the validated host (it matched a tenant's domain) and a digits-only
    # port; Werkzeug's request.host drops names holding a "_", so it is not used.
    name, port = split_host(request.headers.get("Host"))
    base = f"{request.scheme}://{name}" + (f":{port}" if port else "")
    return jsonify(
        {name: base + url_for(f"api.{name}") for name in ("dashboard", "appointments", "revenue")}
    )


@bp.get("/analytics/dashboard/")
@api_login_required
@requires_feature("advanced_analytics")
def dashboard():
    return _report(reports.DashboardArgsSchema, reports.dashboard)


@bp.get("/analytics/appointments/")
@api_login_required
@requires_feature("advanced_analytics")
def appointments():
    return _report(reports.AppointmentsArgsSchema, reports.appointments)


@bp.get("/analytics/revenue/")
@api_login_required
@requires_feature("advanced_analytics", "can_accept_payments")
def revenue():
    return _report(reports.RevenueArgsSchema, reports.revenue)
