"""The email: a plain-text part, an HTML part with its chart as an inline PNG, and the
headers of a bulk message that can be unsubscribed from in one click (RFC 8058)."""

import base64
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlencode

from babel import dates as babel_dates
from flask import current_app, render_template
from flask_babel import gettext as _

from analytics_app.blueprints.pages.unsubscribe import make_token
from analytics_app.email_reports import chart
from analytics_app.formats import languages, localisation

CHART_CID = "appointments-chart"
# The host an email's links go to: the tenant's (aliased t) primary domain, else its first.
TENANT_HOST_SQL = (
    "(SELECT dm.domain FROM public.domains dm WHERE dm.tenant_id = t.id"
    " ORDER BY dm.is_primary DESC, dm.domain LIMIT 1)"
)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    tenant_id: int
    tenant_name: str
    host: str  # the tenant's primary domain
    timezone: str
    currency: str = localisation.DEFAULT_CURRENCY
    locale: str = localisation.DEFAULT_LOCALE
    language: str | None = None  # the user's choice; None: the locale's

    @property
    def words(self):
        """The language the message is written in (formats/languages.py)."""
        return languages.language_for(self.locale, self.language)

    @property
    def formats(self):
        return localisation.Formats(self.locale, self.currency, self.words)


def base_url(host):
    return current_app.config["PUBLIC_URL"].format(host=host).rstrip("/")


def period_title(fmt, frequency, start, end):
    """The period in the locale's words: 'November 2026', 'Nov 16 – 22, 2026',
    '16–22 nov. 2026' (CLDR's interval formats)."""
    if frequency == "monthly":
        return fmt.month(start)
    return babel_dates.format_interval(start, end, "yMMMd", locale=fmt.locale)


def hour_span(fmt, hour):
    """'14:00–15:00' or '2:00 PM – 3:00 PM', as the locale writes a time."""
    return f"{fmt.hour(hour)} – {fmt.hour((hour + 1) % 24)}"


def phrases(frequency, recipient, title):
    """The report's sentences that name its period, whole, for each frequency (so that
    each language words "week" and "month" its own way)."""
    names = {"business": recipient.tenant_name, "title": title, "email": recipient.email}
    if frequency == "monthly":
        return {
            "subject": _("%(business)s: your monthly report, %(title)s", **names),
            "heading": _("Your monthly report: %(title)s", **names),
            "compare": _("Percentages after a figure compare it with the month before."),
            "compare_text": _("Percentages in brackets compare with the month before."),
            "none": _("No appointments this month."),
            "open": _("Open the dashboard for this month"),
            "why": _("Sent to %(email)s because monthly reports are on.", **names),
        }
    return {
        "subject": _("%(business)s: your weekly report, %(title)s", **names),
        "heading": _("Your weekly report: %(title)s", **names),
        "compare": _("Percentages after a figure compare it with the week before."),
        "compare_text": _("Percentages in brackets compare with the week before."),
        "none": _("No appointments this week."),
        "open": _("Open the dashboard for this week"),
        "why": _("Sent to %(email)s because weekly reports are on.", **names),
    }


def context(recipient, frequency, figures):
    fmt = recipient.formats
    window = figures["window"]
    start, end = date.fromisoformat(window["start_date"]), date.fromisoformat(window["end_date"])
    site = base_url(recipient.host)
    token = make_token(recipient.tenant_id, recipient.user_id, frequency)
    appointments = figures["appointments"]
    title = period_title(fmt, frequency, start, end)
    words = phrases(frequency, recipient, title)
    return {
        "recipient": recipient,
        "frequency": frequency,
        "phrases": words,
        "subject": words["subject"],
        "title": title,
        "window": window,
        "figures": figures,
        "appointments": appointments,
        "revenue": figures["revenue"],
        "customers": figures["customers"],
        "dashboard_url": f"{site}/?{urlencode({'start': start, 'end': end})}",
        "settings_url": f"{site}/settings",
        "at_risk_url": f"{site}/#at-risk",
        "unsubscribe_url": f"{site}/reports/unsubscribe/{token}",
        "chart_alt": _("Appointments per day:")
        + " "
        + ", ".join(
            f"{fmt.short_date(d['date'])}: {fmt.number(d['count'])}"
            for d in appointments["daily_breakdown"]
        ),
        "fmt": fmt,
        "number": fmt.number,
        "percent": fmt.percent,
        "trend": fmt.trend,
        "money": fmt.money,
        "hour_span": lambda hour: hour_span(fmt, hour),
        "day_name": fmt.day_and_date,
    }


def chart_png(figures):
    days = figures["appointments"]["daily_breakdown"]
    busiest = figures["busiest_day"]
    highlight = next(
        (i for i, d in enumerate(days) if busiest and d["date"] == busiest["date"]), None
    )
    return chart.bar_chart([d["count"] for d in days], highlight=highlight)


def render_html(recipient, frequency, figures, inline_chart=False):
    """The HTML part; inline_chart=True puts the chart in a data: URI (for previews)."""
    src = f"cid:{CHART_CID}"
    if inline_chart:
        src = "data:image/png;base64," + base64.b64encode(chart_png(figures)).decode()
    return render_template(
        "email/report.html", chart_src=src, **context(recipient, frequency, figures)
    )


def build(recipient, frequency, figures, message_id):
    ctx = context(recipient, frequency, figures)
    message = EmailMessage()
    message["Subject"] = ctx["subject"]
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{ctx['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("email/report.txt", **ctx))
    message.add_alternative(
        render_template("email/report.html", chart_src=f"cid:{CHART_CID}", **ctx),
        subtype="html",
    )
    html_part = message.get_payload()[1]
    html_part.add_related(
        chart_png(figures),
        maintype="image",
        subtype="png",
        cid=f"<{CHART_CID}>",
        filename="appointments.png",
        disposition="inline",
    )
    return message
