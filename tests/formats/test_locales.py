"""A currency and a locale per tenant: amounts, numbers, dates and weekday names as the
business writes them (Babel's CLDR data), the API's bodies unchanged but for `currency`,
and axe-core finding nothing on the pages at desktop and phone widths."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import reference
from tests.browser import PASSWORD, axe_violations, log_in
from tests.reference import Ledger


def localise(runner, tenant, currency, locale):
    for command, value in (("set-currency", currency), ("set-locale", locale)):
        result = runner.invoke(args=["tenants", command, tenant.schema, value])
        assert result.exit_code == 0, result.output


def owner(runner, tenant):
    result = runner.invoke(
        args=["users", "create", "--tenant", tenant.schema, "--email", "owner@salon.example"]
        + ["--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output


def shop(make_tenant, runner, zone, currency, locale, payments):
    """A tenant with three confirmed appointments (two on last week's Wednesday, one on its
    Friday, local time) and succeeded payments of these minor-unit amounts, paid today."""
    tenant = make_tenant(timezone=zone, base="localhost")
    localise(runner, tenant, currency, locale)
    owner(runner, tenant)
    ledger = Ledger(tenant, currency=currency)
    ledger.service(1, "Coupe", price=4500)
    ledger.resource(1, "Fauteuil")
    now = datetime.now(UTC)
    today = now.astimezone(ledger.zone).date()
    wednesday = today - timedelta(days=(today.weekday() - 2) % 7 + 7)
    visits = [
        ledger.book(ledger.local(wednesday, 10)),
        ledger.book(ledger.local(wednesday, 15)),
        ledger.book(ledger.local(wednesday + timedelta(days=2), 11)),
    ]
    # Five minutes ago, or at local midnight when today is younger than that: paid today
    # either way (five minutes ago was yesterday in the first five minutes of a day).
    paid = max(now - timedelta(minutes=5), ledger.local(today))
    for i, amount in enumerate(payments):
        ledger.pay(visits[i % len(visits)], amount, paid_at=paid)
    return ledger


def metric(html, name):
    """The text of a dashboard figure (data-metric) in a page's HTML, tags removed."""
    found = re.search(rf'data-metric="{name}">(.*?)</dd>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_french_euro_tenant_reads_its_figures_the_french_way(
    make_tenant, runner, live, page, api
):
    ledger = shop(make_tenant, runner, "Europe/Paris", "EUR", "fr_FR", [1_000_000, 912_250])
    tenant = ledger.tenant
    log_in(page, live, tenant)

    def shown(name):
        return page.locator(f'[data-metric="{name}"]').first.text_content().strip()

    # « 19 122,50 € »: a narrow no-break space between thousands, a comma, then the sign.
    assert shown("total_revenue_cents") == "19\u202f122,50\xa0€"
    assert shown("average_transaction_value_cents") == "9\u202f561,25\xa0€"
    assert shown("refunded_cents") == "0,00\xa0€"
    assert shown("transaction_count") == "2"
    # The weekday's name is in the page's language: no lang of its own.
    busiest = page.locator('[data-metric="peak_booking_day"]')
    assert busiest.text_content() == "mercredi" and busiest.locator("span").count() == 0
    # The week starts on Monday, as in France; full names for assistive technology.
    rows = page.locator("table.heatmap tbody th abbr")
    assert rows.all_text_contents() == ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
    assert rows.first.get_attribute("title") == "lundi"
    assert page.locator("table.heatmap tbody th").first.get_attribute("data-weekday") == "1"
    wednesday_row = page.locator('table.heatmap tbody th[data-weekday="3"]').locator("xpath=..")
    assert wednesday_row.locator('td[data-cell="3-10"]').text_content() == "1"
    # The words are French (docs/decisions.md "Languages").
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#summary-title").text_content() == "Ce mois-ci en un coup d’œil"

    # The API: the same body as before, plus the currency; amounts in cents.
    now = datetime.now(UTC)
    body = api(tenant, "revenue").get_json()
    assert body == reference.revenue(ledger, now)
    assert body["currency"] == "EUR" and body["total_revenue_cents"] == 1_912_250
    assert api(tenant, "appointments").get_json() == reference.appointments(ledger, now)


def test_yen_have_no_minor_unit_and_their_average_is_in_whole_yen(
    make_tenant, runner, browser, api
):
    ledger = shop(make_tenant, runner, "Asia/Tokyo", "JPY", "ja_JP", [1000, 1001, 1001])
    tenant = ledger.tenant
    body = api(tenant, "revenue").get_json()
    # *_cents hold minor units: yen. 3,002 / 3 = 1,000.67, rounded half up to 1,001.
    assert body["currency"] == "JPY"
    assert body["total_revenue_cents"] == 3002
    assert body["average_transaction_value_cents"] == 1001
    assert body == reference.revenue(ledger, datetime.now(UTC))
    session = browser(tenant)
    assert session.login("owner@salon.example", PASSWORD).status_code == 302
    html = session.get("/").get_data(as_text=True)
    assert metric(html, "total_revenue_cents") == "￥3,002"
    assert metric(html, "average_transaction_value_cents") == "￥1,001"
    assert metric(html, "no_show_value_cents") == "￥0"  # no ".00" anywhere
    csv = api(tenant, "revenue", format="csv").get_data(as_text=True).splitlines()
    assert csv[0] == "date,revenue_cents,transaction_count,currency"
    assert csv[-1].endswith(",3002,3,JPY")  # machine formats stay plain


def test_rupees_are_grouped_in_lakhs_and_dinars_have_three_decimals(make_tenant, runner, browser):
    rupees = shop(make_tenant, runner, "Asia/Kolkata", "INR", "en_IN", [1_234_567_890])
    session = browser(rupees.tenant)
    session.login("owner@salon.example", PASSWORD)
    html = session.get("/").get_data(as_text=True)
    assert metric(html, "total_revenue_cents") == "₹1,23,45,678.90"
    assert '<html lang="en-IN">' in html  # English, the Indian way

    dinars = shop(make_tenant, runner, "Asia/Kuwait", "KWD", "en_US", [1234, 1000])
    session = browser(dinars.tenant)
    session.login("owner@salon.example", PASSWORD)
    html = session.get("/").get_data(as_text=True)
    assert metric(html, "total_revenue_cents") == "KWD\xa02.234"  # 2,234 fils
    assert metric(html, "average_transaction_value_cents") == "KWD\xa01.117"


def test_bad_currency_and_locale_are_refused_by_name(make_tenant, runner):
    tenant = make_tenant()
    result = runner.invoke(args=["tenants", "set-currency", tenant.schema, "EURO"])
    assert result.exit_code == 1
    assert "Unknown currency 'EURO'; use an ISO 4217 code such as EUR." in result.output
    result = runner.invoke(args=["tenants", "set-locale", tenant.schema, "xx_YY"])
    assert result.exit_code == 1
    assert "Unknown locale 'xx_YY'; use a name such as fr_FR or en_IN." in result.output
    # Lower case and BCP 47 spellings are taken and written the CLDR way.
    assert (
        "currency EUR"
        in runner.invoke(args=["tenants", "set-currency", tenant.schema, "eur"]).output
    )
    assert (
        "locale fr_FR"
        in runner.invoke(args=["tenants", "set-locale", tenant.schema, "fr-FR"]).output
    )
    made = runner.invoke(
        args=["tenants", "create", f"{tenant.schema}x", "--name", "X", "--plan", "all"]
        + ["--currency", "JPY", "--locale", "ja_JP"]
    )
    assert made.exit_code == 0 and "currency JPY, locale ja_JP" in made.output


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_violation_on_login_dashboard_and_settings(
    make_tenant, runner, live, chromium, width
):
    plain = shop(make_tenant, runner, "America/New_York", "USD", "en_US", [12_345])
    french = shop(make_tenant, runner, "Europe/Paris", "EUR", "fr_FR", [1_912_250])
    for ledger in (plain, french):
        # bypass_csp: our Content-Security-Policy refuses inline scripts, axe's included.
        context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        try:
            page.goto(live.url(ledger.tenant.host, "/login"))
            assert axe_violations(page) == [], ("login", ledger.tenant.schema)
            log_in(page, live, ledger.tenant)
            assert axe_violations(page) == [], ("dashboard", ledger.tenant.schema)
            page.goto(live.url(ledger.tenant.host, "/settings"))
            assert axe_violations(page) == [], ("settings", ledger.tenant.schema)
        finally:
            context.close()


def test_a_french_tenants_email_report_is_written_the_french_way(make_tenant, runner, tmp_path):
    """`flask reports preview` for the week of 2–8 March 2026 (Paris): the subject, the
    amounts, the busiest day and hour in French formats, the figures the API's."""
    tenant = make_tenant(timezone="Europe/Paris")
    localise(runner, tenant, "EUR", "fr_FR")
    owner(runner, tenant)
    ledger = Ledger(tenant, currency="EUR")
    ledger.service(1, "Coupe", price=4500)
    ledger.resource(1, "Fauteuil")
    visit = ledger.book(ledger.local(datetime(2026, 3, 4).date(), 10, 30))
    ledger.book(ledger.local(datetime(2026, 3, 6).date(), 9), status="no_show")
    ledger.pay(visit, 1_912_250, paid_at=visit.end)
    eml = tmp_path / "report.eml"
    result = runner.invoke(
        args=["reports", "preview", "--tenant", tenant.schema, "--email", "owner@salon.example"]
        + ["--now", "2026-03-09T08:00:00Z", "--eml", str(eml)]
    )
    assert result.exit_code == 0, result.output
    from email import policy
    from email.parser import BytesParser

    from tests.email_reports.test_email_reports import html_figures

    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert message["Subject"] == (
        f"Tenant {tenant.schema}\xa0: votre rapport hebdomadaire, 2–8 mars 2026"
    )
    shown = html_figures(message)
    assert shown["revenue"] == "19 122,50 €"  # spaces folded by html_figures
    assert shown["no_show_value"] == "45,00 €"
    assert shown["no_show_rate"] == "50,00 %"
    assert shown["busiest_day"] == "mer. 4 mars (1)"
    assert shown["busiest_hour"] == "09:00 – 10:00 (1)"  # a tie of 1 and 1: the earlier hour
    text = message.get_body(("plain",)).get_content()
    assert "Chiffre d’affaires\xa0: 19\u202f122,50\xa0€ (–)" in text
