"""The pages in the business's language (SPEC Part 7), in Debian's Chromium: French and
Japanese headings, labels and `<html lang>`, no English word from the catalogue left,
the figures still the API's, axe-core finding nothing at 1280 and 375 px; German pages
with nine-digit amounts that overflow no box; a user's own language in a French salon."""

import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from analytics_app.formats.localisation import Formats
from tests import reference
from tests.browser import PASSWORD, axe_violations, log_in
from tests.formats.test_locales import shop

ROOT = reference.__file__.rsplit("/tests/", 1)[0]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

# language: (locale, currency, the dashboard's first heading, settings' heading, login's)
SALONS = {
    "fr": ("fr_FR", "EUR", "Ce mois-ci en un coup d’œil", "Rapports par e-mail", "Se connecter à"),
    "ja": ("ja_JP", "JPY", "今月の概要", "メールレポート", "にログイン"),
}


def english_labels(language):
    """The catalogue's English messages that read differently in `language`, without
    placeholders: none of them may be left on a page in that language."""
    path = f"{ROOT}/analytics_app/translations/{language}/LC_MESSAGES/messages.po"
    with open(path, "rb") as f:
        cat = read_po(f, locale=language)
    return sorted(
        m.id
        for m in cat
        if isinstance(m.id, str)
        and m.id
        and m.string != m.id
        and not PLACEHOLDER.search(m.id)
        and len(m.id) > 3
    )


def left_in_english(text, language):
    return [
        label for label in english_labels(language) if re.search(rf"\b{re.escape(label)}\b", text)
    ]


def visible_text(page):
    """What a person reads: the body's text, and the alt, title, aria-label of its elements."""
    return page.evaluate(
        "() => document.body.innerText + ' ' + [...document.querySelectorAll("
        "'[alt],[title],[aria-label],[placeholder]')].map(e => [e.getAttribute('alt'),"
        " e.getAttribute('title'), e.getAttribute('aria-label'), e.getAttribute('placeholder')]"
        ".filter(Boolean).join(' ')).join(' ')"
    )


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("language", sorted(SALONS))
def test_the_pages_in_french_and_japanese(
    make_tenant, runner, live, chromium, api, language, width
):
    locale, currency, summary, settings_heading, sign_in = SALONS[language]
    ledger = shop(make_tenant, runner, "Europe/Paris", currency, locale, [1_912_250, 45_000])
    tenant = ledger.tenant
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(live.url(tenant.host, "/login"))
        assert page.locator("html").get_attribute("lang") == language
        assert sign_in in page.locator("h1").text_content()
        assert left_in_english(visible_text(page), language) == []
        assert axe_violations(page) == [], "login"

        log_in(page, live, tenant)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("#summary-title").text_content() == summary
        text = visible_text(page)
        assert left_in_english(text, language) == [], "dashboard"
        if language == "ja":  # nothing in Latin letters but names, codes and the zone
            names = {
                "Tenant",
                "Analytics",
                tenant.schema,
                "owner",
                "salon",
                "example",
                "Coupe",
                "Fauteuil",
                "Europe",
                "Paris",
                "PDF",
                "CSV",
                "flask",
                "resources",
                "hours",
                "Instagram",
                "UTC",
                "Ctrl",  # a key's name
            }
            words = set(re.findall(r"[A-Za-z]{3,}", text)) - names
            assert words == set(), words
        # The figures are still the API's, written the locale's way.
        fmt = Formats(locale, currency)
        revenue = api(tenant, "revenue").get_json()
        assert revenue == reference.revenue(ledger, datetime.now(UTC))
        shown = page.locator('[data-metric="total_revenue_cents"]').text_content().strip()
        assert shown == fmt.money(revenue["total_revenue_cents"])
        appointments = api(tenant, "appointments").get_json()
        assert page.locator('[data-metric="total"]').text_content().strip() == fmt.number(
            appointments["total"]
        )
        assert axe_violations(page) == [], "dashboard"

        page.goto(live.url(tenant.host, "/settings"))
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("#reports-title").text_content() == settings_heading
        assert left_in_english(visible_text(page), language) == [], "settings"
        assert axe_violations(page) == [], "settings"
    finally:
        context.close()


OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'none' || style.display === 'contents')
        return false;
    if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) return false;
    return el.scrollWidth > el.clientWidth + 1;
}).map(el => `${el.tagName}.${el.className} ${el.dataset.metric || ''}`
             + ` ${el.scrollWidth}>${el.clientWidth}: ${el.textContent.trim().slice(0, 40)}`)"""


@pytest.mark.parametrize("width", [1280, 375])
def test_german_labels_and_nine_digit_amounts_overflow_no_box(
    make_tenant, runner, live, chromium, width
):
    # 123.456.789,00 € and more: nine digits before the decimals.
    amounts = [123_456_789_00, 987_654_321_00, 555_555_555_55]
    ledger = shop(make_tenant, runner, "Europe/Berlin", "EUR", "de_DE", amounts)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live, ledger.tenant)
        assert page.locator("html").get_attribute("lang") == "de"
        shown = page.locator('[data-metric="total_revenue_cents"]').text_content().strip()
        assert shown == "1.666.666.665,55\xa0€"
        assert page.evaluate(OVERFLOWING) == []
        # Tables side by side keep their natural row height: a row is as tall as its
        # tallest cell's content and the cell padding, not stretched to a neighbour.
        slack = page.evaluate(
            """() => [...document.querySelectorAll('.rankings table tbody tr')].map(tr => {
                const content = Math.max(...[...tr.cells].map(td => {
                    const range = document.createRange();
                    range.selectNodeContents(td);
                    return range.getBoundingClientRect().height;
                }));
                return tr.getBoundingClientRect().height - content;
            })"""
        )
        assert slack and max(slack) < 24, slack
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def set_language(runner, tenant, email, language):
    args = ["users", "set-language", "--tenant", tenant.schema, "--email", email, language]
    return runner.invoke(args=args)


def test_a_user_who_chose_german_reads_german_in_a_french_salon(make_tenant, runner, browser):
    ledger = shop(make_tenant, runner, "Europe/Paris", "EUR", "fr_FR", [1_912_250])
    tenant = ledger.tenant
    result = set_language(runner, tenant, "owner@salon.example", "de")
    assert result.exit_code == 0 and "Language for owner@salon.example" in result.output
    b = browser(tenant)
    b.login("owner@salon.example", PASSWORD)
    page = b.get("/").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert 'id="summary-title">Dieser Monat auf einen Blick</h2>' in page
    # Numbers, money and weekday names stay the French salon's, and say so.
    assert "19\u202f122,50\xa0€" in page
    assert re.search(
        r'<span lang="fr-FR">(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)</span>', page
    )
    # Back to the salon's language from the settings page.
    settings = b.get("/settings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', settings).group(1)
    saved = b.client.post(
        "/settings",
        base_url=b.base_url,
        data={"csrf_token": token, "report_frequency": "weekly", "language": ""},
    )
    assert saved.status_code == 302
    again = b.get("/settings").get_data(as_text=True)
    assert '<html lang="fr">' in again and "Vos paramètres sont enregistrés." in again
    refused = set_language(runner, tenant, "owner@salon.example", "klingon")
    assert refused.exit_code == 2
