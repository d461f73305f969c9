"""Errors: JSON for API clients, HTML for people; never a stack trace or SQL text."""

import logging

from flask import jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .tenancy import UnknownTenant

log = logging.getLogger(__name__)


def wants_json():
    """JSON under /api/ and for clients that don't prefer HTML (curl sends */*)."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept["text/html"] <= accept["application/json"]


def _error(status, detail, title=None):
    if wants_json():
        return jsonify({"detail": detail}), status
    return render_template("error.html", status=status, title=title or detail, detail=detail), status


def _unknown_tenant(_err):
    return _error(404, "Unknown tenant.", "No business is served at this address")


def _http_error(err):
    if err.response is not None:  # abort(response) carries its own body
        return err.response
    return _error(err.code, err.description, err.name)


def _database_unavailable(err):
    db.session.rollback()
    log.warning("database unavailable: %s", type(err).__name__)
    response = _error(503, "The database is unavailable; try again shortly.")
    return response[0], 503, {"Retry-After": "5"}


def _internal_error(err):
    db.session.rollback()
    log.exception("unhandled error")
    return _error(500, "Internal server error.")


def init_app(app):
    app.register_error_handler(UnknownTenant, _unknown_tenant)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DBAPIError, _internal_error)
    app.register_error_handler(Exception, _internal_error)
