"""Errors: JSON for API clients (English), HTML for people (in their language); never a
stack trace or SQL text."""

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from analytics_app.extensions import db
from analytics_app.formats.languages import N_
from analytics_app.request.tenancy import UnknownTenant

log = logging.getLogger(__name__)

# The titles and details of the HTTP errors people meet, as Werkzeug writes them, for the
# catalogues: the page shows them translated (an unknown detail stays as it is).
WERKZEUG_WORDS = (
    N_("Bad Request"),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_("Forbidden"),
    N_(
        "You don't have the permission to access the requested resource. It is either"
        " read-protected or not readable by the server."
    ),
    N_("Not Found"),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually"
        " please check your spelling and try again."
    ),
    N_("Method Not Allowed"),
    N_("The method is not allowed for the requested URL."),
    N_("Request Entity Too Large"),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("Service Unavailable"),
    N_("Internal Server Error"),
)


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
        "error.html", status=status, title=gettext(title or detail), detail=gettext(detail)
    ), status


def _unknown_tenant(_err):
    return _error(404, N_("Unknown tenant."), N_("No business is served at this address"))


def _http_error(err):
    if err.response is not None:  # abort(response) carries its own body
        return err.response
    # Keep the exception's own headers (Allow on a 405, Retry-After on a 429).
    headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
    if err.code == 429:
        body, status = _error(
            429,
            N_("Too many sign-in attempts; wait a minute and try again."),
            N_("Too many attempts"),
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
        detail = N_("The service is busy; try again shortly.")
    elif isinstance(getattr(err, "orig", None), QueryCanceled):
        log.warning("report cancelled by statement_timeout")
        detail = N_("The report took longer than the time limit; try a shorter period.")
    else:
        log.warning("database unavailable: %s", type(getattr(err, "orig", err)).__name__)
        detail = N_("The database is unavailable; try again shortly.")
    body, status = _error(503, detail)
    return body, status, {"Retry-After": "5"}


def _internal_error(err):
    try:
        db.session.rollback()
    except Exception:
        db.session.close()
    log.exception("unhandled error")
    return _error(500, N_("Internal server error."))


def init_app(app):
    app.register_error_handler(UnknownTenant, _unknown_tenant)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(DBAPIError, _internal_error)
    app.register_error_handler(Exception, _internal_error)
