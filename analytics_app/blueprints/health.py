"""Liveness and readiness probes and the OpenAPI document; they answer on any host."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from .. import migrate, openapi
from ..extensions import db

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


@bp.get("/api/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
