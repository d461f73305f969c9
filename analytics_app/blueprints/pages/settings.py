"""GET/POST /settings: a user's own emails (reports: off, weekly, monthly; alert emails
on or off) and, for the tenant's owner, its webhook endpoints (add, remove, the last 20
deliveries of each)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from analytics_app.extensions import db
from analytics_app.formats import languages
from analytics_app.gating import tenant_has_feature
from analytics_app.request.tenancy import current_tenant
from analytics_app.tenants import accounts
from analytics_app.webhooks import endpoints
from analytics_app.webhooks.delivery import Refused

bp = Blueprint("settings", __name__)

CHOICES = [
    SelectChoice("off", _l("No email reports")),
    SelectChoice("weekly", _l("Weekly: last Monday to Sunday, on Monday at 08:00")),
    SelectChoice("monthly", _l("Monthly: last calendar month, on the 1st at 08:00")),
]
EVENT_CHOICES = [
    SelectChoice("alert.triggered", _l("alert.triggered: each alert, as it is recorded")),
    SelectChoice("ping", _l("ping: test deliveries")),
]


def _language_choices():
    """The business's language first (no choice), then each catalogue in its own name."""
    default = languages.language_for(current_tenant.locale)
    own = _("The business's language (%(language)s)", language=languages.LANGUAGES[default])
    return [SelectChoice("", own)] + [
        SelectChoice(code, name, render_kw={"lang": languages.lang_tag(code)})
        for code, name in languages.LANGUAGES.items()
    ]


class ReportsForm(FlaskForm):
    report_frequency = RadioField(_l("Email reports"), choices=CHOICES)
    alert_emails = BooleanField(_l("Email me each alert as it is recorded"))
    language = SelectField(_l("Language of the pages and emails"), validate_choice=True)


class EndpointForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"),
        choices=EVENT_CHOICES,
        default=["alert.triggered"],
        validators=[DataRequired(message=_l("Choose at least one event."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _page(form, endpoint_form=None, secret=None, status=200):
    owner = accounts.is_owner(current_user)
    return render_template(
        "settings.html",
        form=form,
        endpoint_form=endpoint_form or EndpointForm(formdata=None),
        endpoints=endpoints.listed(db.session, current_tenant.schema_name) if owner else None,
        secret=secret,
        delivery_states={
            "pending": _("pending"),
            "delivered": _("delivered"),
            "failed": _("failed"),
        },
        tenant=current_tenant,
        user=current_user,
        analytics=tenant_has_feature("advanced_analytics"),
    ), status


def _reports_form():
    form = ReportsForm(
        data={
            "report_frequency": current_user.report_frequency,
            "alert_emails": current_user.alert_emails,
            "language": current_user.language or "",
        }
    )
    form.language.choices = _language_choices()
    return form


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = _reports_form()
    if form.validate_on_submit():
        current_user.report_frequency = form.report_frequency.data
        current_user.alert_emails = form.alert_emails.data
        current_user.language = form.language.data or None
        db.session.commit()
        refresh()  # the message below in the language just chosen
        flash(_("Your settings are saved."), "info")
        return redirect(url_for("settings.settings"))
    return _page(form, status=400 if form.errors else 200)


def _owner_only():
    if not accounts.is_owner(current_user):
        abort(403, description=_("Only the business's owner manages its webhook endpoints."))


@bp.post("/settings/webhooks")
@login_required
def add_endpoint():
    """Add an endpoint; the page that answers shows its signing secret, once (never in a
    redirect's flash: that would put it in the session cookie)."""
    _owner_only()
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint_id, secret = endpoints.add(
                db.session, current_tenant.schema_name, form.url.data.strip(), form.events.data
            )
        except Refused as err:
            db.session.rollback()
            form.url.errors.append(err.translated())
        else:
            flash(_("Endpoint %(id)s added. Copy its signing secret now.", id=endpoint_id), "info")
            return _page(_reports_form(), secret={"id": endpoint_id, "value": secret})
    return _page(_reports_form(), endpoint_form=form, status=400)


@bp.post("/settings/webhooks/<int:endpoint_id>/remove")
@login_required
def remove_endpoint(endpoint_id):
    _owner_only()
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form has expired; reload the page and try again."))
    if not endpoints.remove(db.session, current_tenant.schema_name, endpoint_id):
        abort(404, description=_("No endpoint %(id)s.", id=endpoint_id))
    flash(_("Endpoint %(id)s removed.", id=endpoint_id), "info")
    return redirect(url_for("settings.settings"))
