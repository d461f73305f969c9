"""GET/POST /login and POST /logout, on the tenant's own host."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from analytics_app.extensions import db, limiter
from analytics_app.formats.languages import N_
from analytics_app.request.tenancy import current_tenant
from analytics_app.tenants import accounts

bp = Blueprint("auth", __name__)
BAD_LOGIN = N_("Wrong email or password.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


def safe_next(target):
    """Only a path on this host: no scheme, no other host, no '//' or '\\' tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):  # no header splitting
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _account_key():
    """Attempts on one account: the same key whether or not the email exists."""
    return f"{current_tenant.id}|{(request.form.get('email') or '').strip().lower()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_CLIENT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_account_key
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate_password(
            current_tenant.id, form.email.data, form.password.data
        )
        if user is not None:
            session.clear()  # a new session: nothing set before the login carries over
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("pages.dashboard"))
        flash(gettext(BAD_LOGIN), "error")
        return render_template("login.html", form=form, tenant=current_tenant), 401
    return render_template("login.html", form=form, tenant=current_tenant)


@bp.post("/logout")
def logout():
    """Log out everywhere: every session of this user ends, copied cookies included."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
