"""GET /healthz and /readyz: liveness and readiness probes; they answer on any host."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from .db import migrate
from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    connection = db.session.connection()
    connection.execute(text("SELECT 1"))
    current = migrate.current_revision(connection, "public")
    if current != migrate.head("public"):
        return jsonify({"status": "migrations pending", "public": current}), 503
    return jsonify({"status": "ready"})
