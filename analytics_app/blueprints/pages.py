"""The dashboard pages people see in a browser."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..tenancy import current_tenant

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def dashboard():
    return render_template("dashboard.html", tenant=current_tenant, user=current_user)
