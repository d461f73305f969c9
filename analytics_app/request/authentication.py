"""Who is calling: a session (browser) or an API key (`Authorization: Token|Bearer <key>`).

One LoginManager: user_loader for sessions, request_loader for keys, and an
unauthorized handler that answers the SPEC's JSON 401s under /api/ and sends
people to the login page elsewhere. Users and keys only count on their own
tenant's host.
"""

from functools import wraps

from flask import jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from analytics_app.extensions import db, login_manager
from analytics_app.request.context import request_context
from analytics_app.request.tenancy import current_tenant
from analytics_app.tenants import accounts
from analytics_app.tenants.models import User

NO_CREDENTIALS = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."


@login_manager.user_loader
def load_session_user(session_id):
    """The user of a session cookie "<id>:<session version>", if that version is current."""
    user_id, _, version = str(session_id).partition(":")
    if current_tenant is None or not (user_id.isdigit() and version.isdigit()):
        return None
    return db.session.execute(
        select(User).where(
            User.id == int(user_id),
            User.tenant_id == current_tenant.id,
            User.is_active.is_(True),
            User.session_version == int(version),
        )
    ).scalar_one_or_none()


@login_manager.request_loader
def load_token_user(req):
    context = request_context()
    if context.key_checked:  # answered by the request's first statement
        if context.caller is None and context.credentials_given:
            context.auth_error = INVALID_TOKEN
        return context.caller
    creds = accounts.credentials(req.headers.get("Authorization"))
    if not creds.given:
        return None  # no credentials of ours: "not provided"
    user = accounts.user_for_credentials(current_tenant.id, creds) if current_tenant else None
    if user is None:
        context.auth_error = INVALID_TOKEN
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        detail = request_context().auth_error or NO_CREDENTIALS
        response = jsonify({"detail": detail})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Token realm="api"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def api_login_required(view):
    """Like flask_login.login_required, for JSON endpoints (never skipped in tests)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
