"""Figures as each business writes them: its currency and its locale, through Babel.

Reports give amounts as integers in the currency's minor unit (`*_cents`: cents, yen,
fils) and everything else as plain numbers and ISO dates; this module writes them for
people: "19 122,50 €" for fr_FR/EUR, "￥1,235" for ja_JP/JPY, "₹19,12,250.00" for
en_IN/INR, weekday and month names in the locale's language, the week starting on the
locale's first day. Babel carries CLDR's data; nothing here is a hand-written table.
Machine formats (the API's JSON, CSV) never pass through here.
"""

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from functools import cached_property

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from analytics_app.formats import languages

DEFAULT_CURRENCY = "USD"
DEFAULT_LOCALE = "en_US"
# ISO 4217 codes that name no money: "no currency" and the testing code.
NOT_MONEY = {"XXX", "XTS"}


class LocalisationError(ValueError):
    pass


def validate_currency(code):
    """An ISO 4217 code CLDR knows (upper-cased), else LocalisationError."""
    value = (code or "").strip().upper()
    if value in NOT_MONEY or value not in babel_numbers.list_currencies():
        raise LocalisationError(f"Unknown currency {code!r}; use an ISO 4217 code such as EUR.")
    return value


def validate_locale(name):
    """A CLDR locale ('fr_FR'; 'fr-FR' is accepted and written 'fr_FR'), else an error."""
    value = (name or "").strip().replace("-", "_")
    try:
        locale = Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        locale = None
    if locale is None or not value:
        raise LocalisationError(f"Unknown locale {name!r}; use a name such as fr_FR or en_IN.")
    return str(locale)


def minor_digits(currency):
    """Digits after the decimal point of the currency's minor unit: EUR 2, JPY 0, KWD 3."""
    return babel_numbers.get_currency_precision(currency)


# Weekdays as the reports number them (0 = Sunday ... 6 = Saturday); Babel numbers
# them 0 = Monday ... 6 = Sunday.
def _babel_day(report_day):
    return (report_day + 6) % 7


@dataclass(frozen=True)
class Formats:
    """One tenant's way of writing figures; methods are called from the templates."""

    locale_name: str = DEFAULT_LOCALE
    currency: str = DEFAULT_CURRENCY
    # The words' language (formats/languages.py); None: the locale's, else English.
    language: str | None = None

    @cached_property
    def locale(self):
        return Locale.parse(self.locale_name)

    @property
    def html_lang(self):
        """BCP 47 tag for lang attributes: fr-FR, en-IN."""
        return self.locale_name.replace("_", "-")

    @property
    def words(self):
        """The language of the words: the one given, else the locale's (languages.py)."""
        return self.language or languages.language_for(self.locale_name)

    @property
    def page_lang(self):
        """`<html lang>`: the words' language; English in the locale's English where it
        has one (en-IN, en-GB). docs/decisions.md "Languages"."""
        if self.words == "en":
            return self.html_lang if self.locale.language == "en" else "en"
        return languages.lang_tag(self.words)

    @property
    def parts_lang(self):
        """The lang of the parts written in the locale's words (weekday and month names),
        when that is not the words' language (a German reader in a French salon); None
        when it is."""
        return None if self.locale.language == self.words[:2] else self.html_lang

    @property
    def digits(self):
        return minor_digits(self.currency)

    def amount(self, minor_units):
        """Minor units as the currency's decimal amount (exact)."""
        return Decimal(int(minor_units)).scaleb(-self.digits)

    def money(self, minor_units):
        if minor_units is None:
            return "–"
        return self.money_amount(self.amount(minor_units))

    def money_amount(self, amount):
        """An amount already in the currency's units (a chart's axis value)."""
        text = babel_numbers.format_currency(amount, self.currency, locale=self.locale)
        # CLDR's currency spacing, which Babel does not apply: a symbol that is letters
        # (a code such as KWD, CHF) is kept apart from the digits by a no-break space.
        return CODE_AGAINST_DIGIT.sub("\xa0", text)

    def number(self, value):
        if value is None:
            return "–"
        return babel_numbers.format_decimal(value, locale=self.locale)

    def _pattern(self, kind, places):
        """The locale's own number or percent pattern (its grouping, its spacing and sign
        placement) with exactly `places` decimals."""
        formats = self.locale.decimal_formats if kind == "decimal" else self.locale.percent_formats
        positive = formats[None].pattern.split(";")[0]
        fraction = "." + "0" * places if places else ""
        return NUMBER_PART.sub(lambda m: m.group(1) + fraction, positive, count=1)

    def decimal(self, value, places=2):
        """A fixed number of decimals: 1234.5 -> '1,234.50', '1 234,50', '1,234.50'."""
        if value is None:
            return "–"
        return babel_numbers.format_decimal(
            Decimal(str(value)), format=self._pattern("decimal", places), locale=self.locale
        )

    def percent(self, value, places=2):
        """A figure already in percent: 12.5 -> '12.50%', '12,50 %' (the locale's way)."""
        if value is None:
            return "–"
        return babel_numbers.format_percent(
            Decimal(str(value)) / 100, format=self._pattern("percent", places), locale=self.locale
        )

    def trend(self, value):
        """A signed change in percent: '+12.50 %'; '–' when there is nothing to compare."""
        if value is None:
            return "–"
        text = self.percent(abs(value))
        if value > 0:
            return self.locale.number_symbols["latn"]["plusSign"] + text
        if value < 0:
            return self.locale.number_symbols["latn"]["minusSign"] + text
        return text

    def date(self, value, format="medium"):
        """An ISO date (or a date) in the locale's words: '29 nov. 2026', 'Nov 29, 2026'."""
        if value is None:
            return "–"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return babel_dates.format_date(value, format=format, locale=self.locale)

    def month_name(self, month, width="abbreviated"):
        """A month of the year (1-12) by name: 'janv.', 'Jan'; width 'wide' for 'janvier'."""
        return self.locale.months["stand-alone"][width][month]

    def short_date(self, value):
        """Day and month only, the locale's way: '11/29', '29/11', '29.11.'."""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return babel_dates.format_skeleton("Md", value, locale=self.locale)

    def month(self, value):
        """'novembre 2026', 'November 2026' (a date, or YYYY-MM-DD text)."""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return babel_dates.format_skeleton("yMMMM", value, locale=self.locale)

    def day_and_date(self, value):
        """'dim. 29 novembre', 'Sun, November 29'."""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return babel_dates.format_skeleton("MMMMEd", value, locale=self.locale)

    def weekday(self, report_day, width="wide"):
        """The name of a report weekday (0 = Sunday): 'dimanche'; width 'abbreviated'."""
        return self.locale.days["format"][width][_babel_day(report_day)]

    def weekday_named(self, english_name):
        """A weekday the SQL names in English ('Monday') in the locale's words."""
        if not english_name:
            return "–"
        return self.weekday(WEEKDAY_NAMES.index(english_name))

    @property
    def week(self):
        """Report weekday numbers (0 = Sunday) in the locale's order, its first day first."""
        first = (self.locale.first_week_day + 1) % 7
        return [(first + i) % 7 for i in range(7)]

    def hour(self, hour):
        """The start of an hour as the locale writes a time: '14:00', '2:00 PM'."""
        return babel_dates.format_time(time(hour, 0), format="short", locale=self.locale)


# The integer digits of a CLDR pattern (grouping included) and its fraction, if any.
NUMBER_PART = re.compile(r"([#,0]*0)(\.[0#]+)?")

CODE_AGAINST_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")

WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def for_tenant(tenant, language=None):
    """The Formats of a tenant (anything with .locale and .currency); language: the
    words' (default: the locale's, languages.language_for)."""
    return Formats(
        getattr(tenant, "locale", None) or DEFAULT_LOCALE,
        getattr(tenant, "currency", None) or DEFAULT_CURRENCY,
        language,
    )
