"""The JSON API under /api/analytics/: authenticate, gate, validate, one SQL call."""

from flask import Blueprint, Response, jsonify, request, url_for
from marshmallow import ValidationError

from .. import reports
from ..authentication import api_login_required
from ..extensions import csrf
from ..gating import requires_feature

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
    # Built on the host name the client sent (it matched a tenant's domain, so it is
    # a clean name), which Werkzeug's request.host drops when it holds a "_".
    base = f"{request.scheme}://{request.headers.get('Host', '').strip().lower()}"
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
