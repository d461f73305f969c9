"""Errors: JSON for API clients, HTML for people; never a stack trace or SQL text."""

import logging

from flask import jsonify, render_template, request
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from analytics_app.extensions import db
from analytics_app.request.tenancy import UnknownTenant

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
    return render_template(
        "error.html", status=status, title=title or detail, detail=detail
    ), status


def _unknown_tenant(_err):
    return _error(404, "Unknown tenant.", "No business is served at this address")


def _http_error(err):
    if err.response is not None:  # abort(response) carries its own body
        return err.response
    # Keep the exception's own headers (Allow on a 405, Retry-After on a 429).
    headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
    if err.code == 429:
        body, status = _error(
            429, "Too many sign-in attempts; wait a minute and try again.", "Too many attempts"
        )
    else:
        body, status = _error(err.code, err.description, err.name)
    return body, status, headers


def _database_unavailable(err):
    """Server down, connection lost, pool exhausted, or over the statement timeout: 503."""
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the pool replaces it
        db.session.close()
    if isinstance(err, PoolTimeout):
        log.warning("no free database connection within the pool timeout")
        detail = "The service is busy; try again shortly."
    elif isinstance(getattr(err, "orig", None), QueryCanceled):
        log.warning("report cancelled by statement_timeout")
        detail = "The report took longer than the time limit; try a shorter period."
    else:
        log.warning("database unavailable: %s", type(getattr(err, "orig", err)).__name__)
        detail = "The database is unavailable; try again shortly."
    body, status = _error(503, detail)
    return body, status, {"Retry-After": "5"}


def _internal_error(err):
    try:
        db.session.rollback()
    except Exception:
        db.session.close()
    log.exception("unhandled error")
    return _error(500, "Internal server error.")


def init_app(app):
    app.register_error_handler(UnknownTenant, _unknown_tenant)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(DBAPIError, _internal_error)
    app.register_error_handler(Exception, _internal_error)
