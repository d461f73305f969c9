"""One-click unsubscribe from email reports or alert emails, without logging in.

The link carries a token signed with SECRET_KEY (itsdangerous), for one purpose (its
salt: it is no session, key or password reset) and one user, tenant and subject (a
report frequency, or "alerts" for the alert emails of SPEC Part 6):
`GET /reports/unsubscribe/<token>` shows a page with a confirm button (link scanners
that follow every URL in a message change nothing), `POST` to the same URL
unsubscribes, and so does the RFC 8058 one-click POST a mail client sends from the
`List-Unsubscribe` header. A token that was tampered with, is older than
TOKEN_MAX_AGE_DAYS or names a user of another tenant is a 400 that changes nothing.
The POST needs no CSRF token: the signed token is the proof, and all it can do is
turn one user's reports (or alert emails) off.
"""

from flask import Blueprint, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import text

from analytics_app.extensions import csrf, db
from analytics_app.formats import languages
from analytics_app.request.tenancy import current_tenant

SALT = "tenant-analytics.email-report.unsubscribe"
TOKEN_MAX_AGE_DAYS = 90
ALERTS = "alerts"  # the subject of an alert email's token (any other: a report frequency)
ALERTS_OFF = text("UPDATE public.users SET alert_emails = false WHERE id = :user")
REPORTS_OFF = text(
    "UPDATE public.users SET report_frequency = 'off'"
    " WHERE id = :user AND report_frequency = :frequency"
)

bp = Blueprint("unsubscribe", __name__)


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(tenant_id, user_id, frequency):
    return _serializer().dumps({"t": tenant_id, "u": user_id, "f": frequency})


class BadToken(Exception):
    pass


def read_token(token):
    """(tenant_id, user_id, frequency) of a valid token; BadToken otherwise."""
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE_DAYS * 86400)
    except SignatureExpired:
        raise BadToken(_("This unsubscribe link has expired.")) from None
    except BadSignature:
        raise BadToken(_("This unsubscribe link is not valid.")) from None
    if not isinstance(data, dict) or set(data) != {"t", "u", "f"}:
        raise BadToken(_("This unsubscribe link is not valid."))
    return data["t"], data["u"], data["f"]


def _user_of(token):
    """(user row, frequency) for a token used on its own tenant's host, else BadToken."""
    tenant_id, user_id, frequency = read_token(token)
    if tenant_id != current_tenant.id:
        raise BadToken(_("This unsubscribe link is not valid."))
    row = db.session.execute(
        text(
            "SELECT id, email, report_frequency, alert_emails, language FROM public.users"
            " WHERE id = :user AND tenant_id = :tenant"
        ),
        {"user": user_id, "tenant": tenant_id},
    ).one_or_none()
    if row is None:
        raise BadToken(_("This unsubscribe link is not valid."))
    return row, frequency  # the page is in the user's language, as their email was


def _refused(err):
    return render_template("unsubscribe.html", tenant=current_tenant, error=str(err)), 400


def _texts(frequency, email):
    """The page's sentences for the emails a token is about (whole sentences, so that
    each language can order its words)."""
    names = {"email": email, "business": current_tenant.name}
    if frequency == ALERTS:
        texts = (
            _("Stop alert emails from %(business)s to %(email)s?", **names),
            _("%(email)s will not get alert emails from %(business)s any more.", **names),
            _("%(email)s does not get alert emails from %(business)s.", **names),
        )
    elif frequency == "monthly":
        texts = (
            _("Stop monthly reports from %(business)s to %(email)s?", **names),
            _("%(email)s will not get monthly reports from %(business)s any more.", **names),
            _("%(email)s does not get monthly reports from %(business)s.", **names),
        )
    else:
        texts = (
            _("Stop weekly reports from %(business)s to %(email)s?", **names),
            _("%(email)s will not get weekly reports from %(business)s any more.", **names),
            _("%(email)s does not get weekly reports from %(business)s.", **names),
        )
    return dict(zip(("question_text", "done_text", "already_text"), texts, strict=True))


def _subscribed(user, frequency):
    return user.alert_emails if frequency == ALERTS else user.report_frequency == frequency


@bp.get("/reports/unsubscribe/<token>")
def confirm(token):
    try:
        user, frequency = _user_of(token)
    except BadToken as err:
        return _refused(err)
    with force_locale(languages.language_for(current_tenant.locale, user.language)):
        return render_template(
            "unsubscribe.html",
            tenant=current_tenant,
            subscribed=_subscribed(user, frequency),
            **_texts(frequency, user.email),
        )


@bp.post("/reports/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token):
    try:
        user, frequency = _user_of(token)
    except BadToken as err:
        return _refused(err)
    if frequency == ALERTS:
        db.session.execute(ALERTS_OFF, {"user": user.id})
    else:
        db.session.execute(REPORTS_OFF, {"user": user.id, "frequency": frequency})
    db.session.commit()
    with force_locale(languages.language_for(current_tenant.locale, user.language)):
        return render_template(
            "unsubscribe.html", tenant=current_tenant, done=True, **_texts(frequency, user.email)
        )
