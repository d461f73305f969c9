"""The language of the words people read: pages, emails, the PDF (SPEC Part 7).

English is the source; gettext catalogues in analytics_app/translations/ hold French,
German, Spanish, Portuguese (Brazil) and Japanese. The language is, in this order:

1. the one the user chose in their settings (`users.language`; `flask users
   set-language`), when there is a user;
2. the language of the tenant's locale when it is one of those (fr_CA: French; any
   Portuguese locale: Portuguese (Brazil), the catalogue nearest to it);
3. English.

Numbers, money, dates, weekday and month names keep following the tenant's locale
(formats/localisation.py): a user who reads German in a French salon sees German words
and "mardi 9 juin". JSON bodies, CSV headers, OpenAPI and logs stay English.
"""

from babel import Locale, UnknownLocaleError
from flask import g, has_request_context
from flask_babel import get_locale, get_translations

# The catalogues, by gettext name, with each language's name in itself (the settings).
LANGUAGES = {
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "ja": "日本語",
}
SOURCE = "en"


def N_(message):  # noqa: N802 (gettext's own name for it)
    """Marks a message for the catalogues where it is written; it is translated where it
    is shown (gettext(message)), so that logs and the CLI keep the English."""
    return message


def language_for(locale_name, chosen=None):
    """The language of the words for a tenant locale and a user's choice (or None)."""
    if chosen in LANGUAGES:
        return chosen
    try:
        language = Locale.parse(locale_name).language if locale_name else SOURCE
    except (UnknownLocaleError, ValueError, TypeError):
        return SOURCE
    if language == "pt":
        return "pt_BR"
    return language if language in LANGUAGES else SOURCE


def ngettext_as(singular, plural, n, **variables):
    """ngettext with `num` written by the caller (a number in the locale's way):
    Flask-Babel's own ngettext sets `num` to n itself. Extracted as ngettext
    (scripts/catalogues.py KEYWORDS)."""
    return get_translations().ungettext(singular, plural, n) % variables


def lang_tag(language):
    """BCP 47 for a lang attribute: pt_BR -> pt-BR."""
    return language.replace("_", "-")


def chosen_language():
    """The signed-in user's own choice, if the request has loaded its user already (an
    API key's user has none here). Never loads one: an error page for a database that is
    down must not ask the database who is asking."""
    user = g.get("_login_user") if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "language", None)


def request_language():
    """Flask-Babel's locale selector: the request's language (see the module's doc)."""
    from analytics_app.request.context import known_context

    context = known_context()
    tenant = context.tenant if context else None
    return language_for(tenant.locale if tenant else None, chosen_language())


def current_language():
    """The language gettext is using now (a request's, or one forced for an email)."""
    locale = get_locale()
    return str(locale) if locale is not None else SOURCE
