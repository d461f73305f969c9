"""GET/POST /settings: a user's own email reports (off, weekly, monthly)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from analytics_app.extensions import db
from analytics_app.gating import tenant_has_feature
from analytics_app.request.tenancy import current_tenant

bp = Blueprint("settings", __name__)

CHOICES = [
    SelectChoice("off", "No email reports"),
    SelectChoice("weekly", "Weekly: last Monday to Sunday, on Monday at 08:00"),
    SelectChoice("monthly", "Monthly: last calendar month, on the 1st at 08:00"),
]
SAVED = {"off": "no email reports", "weekly": "weekly reports", "monthly": "monthly reports"}


class ReportsForm(FlaskForm):
    report_frequency = RadioField("Email reports", choices=CHOICES)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = ReportsForm(data={"report_frequency": current_user.report_frequency})
    if form.validate_on_submit():
        current_user.report_frequency = form.report_frequency.data
        db.session.commit()
        flash(f"Saved: {SAVED[form.report_frequency.data]}.", "info")
        return redirect(url_for("settings.settings"))
    status = 400 if form.errors else 200
    return render_template(
        "settings.html",
        form=form,
        tenant=current_tenant,
        user=current_user,
        analytics=tenant_has_feature("advanced_analytics"),
    ), status
