"""An alert in the reader's words: its title and its sentence, from its fields.

The stored `message` (the API's and the webhook's) is `sentence()` in the tenant's
language (alerts/check.py); pages and emails write the same facts with gettext in each
reader's language and the tenant's formats (formats/languages.py). sql/alerts.sql's own
English sentence is what the CLI prints and what a DBA calling check_alerts() stores.
"""

from decimal import Decimal

from flask_babel import gettext as _


def title(alert, fmt):
    """'More cancellations and no-shows than usual on Tue, Jun 9'."""
    day = fmt.day_and_date(_field(alert, "subject"))
    rule = _field(alert, "rule")
    if rule == "no_show_spike":
        return _("More cancellations and no-shows than usual on %(date)s", date=day)
    if rule == "quiet_days_ahead":
        return _("%(date)s is quiet so far", date=day)
    return _("Revenue dropped in the week from %(date)s", date=day)


def money(fmt, minor_units):
    """Minor units that may carry a fraction (a mean of weeks) in the tenant's currency."""
    return fmt.money_amount(Decimal(str(minor_units)).scaleb(-fmt.digits))


def sentence(alert, fmt):
    """The alert's facts in one sentence, in the reader's language."""
    rule = _field(alert, "rule")
    day = fmt.date(_field(alert, "subject"))
    if rule == "no_show_spike":
        return _(
            "%(value)s of the appointments of %(date)s were cancelled or missed, against"
            " %(baseline)s on the same weekday over the previous 8 weeks.",
            value=fmt.percent(_field(alert, "value")),
            date=day,
            baseline=fmt.percent(_field(alert, "baseline")),
        )
    if rule == "quiet_days_ahead":
        return _(
            "%(date)s is %(value)s booked: under half of the working hours.",
            date=day,
            value=fmt.percent(_field(alert, "value")),
        )
    return _(
        "Revenue of the week from %(date)s was %(value)s, under %(share)s of the mean of the"
        " 4 weeks before (%(baseline)s).",
        date=day,
        value=money(fmt, _field(alert, "value")),
        share=fmt.percent(70, 0),
        baseline=money(fmt, _field(alert, "baseline")),
    )


def _field(alert, name):
    return alert[name] if isinstance(alert, dict) else getattr(alert, name)
