"""The JSON API under /api/analytics/."""

from flask import Blueprint, jsonify, url_for

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/analytics")
csrf.exempt(bp)  # GET only, authenticated per request by key or session


@bp.get("/")
def index():
    return jsonify(
        {
            "dashboard": url_for("api.dashboard", _external=True),
            "appointments": url_for("api.appointments", _external=True),
            "revenue": url_for("api.revenue", _external=True),
        }
    )
