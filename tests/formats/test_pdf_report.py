"""GET /api/analytics/reports/summary.pdf (SPEC Part 4): the text of the PDF, read by
Debian's pdftotext, holds the API's figures for the same period; gated like the reports
it contains; the dashboard's "Download PDF" link asks for the period on screen."""

import re
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.formats.test_locales import localise
from tests.local import require_program
from tests.reference import Ledger

PATH = "/api/analytics/reports/summary.pdf"


@pytest.fixture(autouse=True)
def pdf_tools():
    """pdftotext reads the PDFs back, and the report is set in DejaVu Sans (its fallback,
    Helvetica, writes no €): skipped locally without them, failed in CI (REQUIRE_PDF=1)."""
    from analytics_app.formats import pdf_report

    require_program("pdftotext", "pdftotext", "poppler-utils", "REQUIRE_PDF")
    if pdf_report._font_files() is None:
        require_program(
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "DejaVu Sans",
            "fonts-dejavu-core",
            "REQUIRE_PDF",
        )


SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _pdf(client, make_key, tenant, key=None, **query):
    return client.get(
        PATH,
        query_string=query,
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key or make_key(tenant)}"},
    )


def _text(data, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return SPACES.sub(" ", out)


def _api_lines(prefix, value):
    """Every figure of a JSON body as `prefix.field value` (independent of the app's)."""
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _api_lines(f"{prefix}.{k}", v)]
    if isinstance(value, list):
        return [line for i, v in enumerate(value) for line in _api_lines(f"{prefix}[{i}]", v)]
    return [f"{prefix} {'null' if value is None else value}"]


@pytest.fixture
def studio(make_tenant):
    ledger = Ledger(make_tenant(timezone="America/Chicago"))
    ledger.service(1, "Haircut", price=4500)
    ledger.service(2, "Beard trim", price=2000)
    ledger.resource(1, "Alex")
    ledger.resource(2, "Sam")
    ledger.hours(1, 1, "09:00", "17:00")
    ledger.customer(1, channel="Instagram")
    ledger.customer(2, channel="referral")
    for day, hour, status, service, resource, customer, paid in [
        (2, 9, "confirmed", 1, 1, 1, 4500),
        (2, 10, "confirmed", 2, 2, 2, 2050),
        (3, 11, "no_show", 1, 1, None, None),
        (9, 14, "cancelled", 2, 2, 1, None),
        (10, 16, "confirmed", 1, 2, 2, 123456),
    ]:
        a = ledger.book(
            ledger.local(date(2026, 3, day), hour),
            status=status,
            service=service,
            resource=resource,
            customer=customer,
            source="online" if customer else "walk_in",
        )
        if paid:
            ledger.pay(a, paid, paid_at=a.end)
    next_door = Ledger(make_tenant())
    next_door.service(1, "Other shop's service")
    next_door.resource(1, "Other")
    next_door.book(ledger.local(date(2026, 3, 2), 9))
    return ledger


def test_the_pdf_text_holds_the_api_figures_of_the_same_period(
    client, make_key, api, studio, tmp_path
):
    period = {"start": "2026-03-01", "end": "2026-03-14"}
    response = _pdf(client, make_key, studio.tenant, **period)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:5] == b"%PDF-"
    assert 'filename="' in response.headers["Content-Disposition"]
    text = _text(response.get_data(), tmp_path)
    bodies = {
        name: api(studio.tenant, name, **period).get_json()
        for name in ("appointments", "revenue", "customers", "team")
    }
    bodies["dashboard"] = api(studio.tenant, "dashboard").get_json()
    for name, body in bodies.items():
        for key, value in body.items():
            if key in ("daily_breakdown", "window", "period"):
                continue
            for line in _api_lines(f"{name}.{key}", value):
                assert line in text, line
    # The people's figures, in the tenant's (default en_US, USD) formats.
    assert "March 1, 2026 – March 14, 2026" in text
    # (Each card's label is above its value: pdftotext reads a row of labels, then values.)
    assert "$1,300.06" in text  # revenue: 4,500 + 2,050 + 123,456 cents
    assert "$45.00" in text and "$20.00" in text  # lost to the no-show and the cancellation
    assert "$650.03" in text  # lifetime value: 130,006 / 2 customers, half up
    assert "Haircut 3" in text and "Beard trim 2" in text  # appointments by service
    assert "instagram" in text and "walk_in" in text
    assert "Appointments per day" in text and "Revenue per day" in text
    assert "Other shop" not in text


def test_the_pdf_ends_with_how_this_month_will_end(client, make_key, api, make_tenant, tmp_path):
    """The outlook of the current month (SPEC Part 5), its figures the API's."""
    ledger = Ledger(make_tenant(timezone="Europe/Paris"))
    ledger.service(1, "Cut", price=3000)
    ledger.resource(1, "Chair")
    now = datetime.now(UTC).astimezone(ledger.zone)
    first = now.date().replace(day=1)
    for i in range(7):  # this month: one done (or coming), six on the books next month's eve
        ledger.book(ledger.local(first, 0, 5 + i) if i == 0 else now + timedelta(days=40 + i))
    for i in range(5):  # last year's month, for the comparison
        ledger.book(ledger.local(first.replace(year=first.year - 1), 10 + i))
    outlook = api(ledger.tenant, "outlook").get_json()
    text = _text(_pdf(client, make_key, ledger.tenant, days=7).get_data(), tmp_path)
    assert "How this month will end" in text
    row = [outlook["so_far"], outlook["on_the_books"], outlook["pickup"]]
    numbers = " ".join(str(r["appointments"]) for r in row)
    assert f"So far On the books Usually still to come {numbers}" in text
    last = f"{outlook['forecast']['appointments']} {outlook['last_year']['appointments']}"
    assert f"Forecast Last year Forecast vs last year {last}" in text
    assert outlook["last_year"]["appointments"] == 5


def _salon_paid_today(make_tenant, runner, zone, currency, locale, names, amount):
    """A tenant in this zone, currency and locale with one appointment today, paid."""
    ledger = Ledger(make_tenant(timezone=zone), currency=currency)
    localise(runner, ledger.tenant, currency, locale)
    ledger.service(1, names[0])
    ledger.resource(1, names[1])
    today = datetime.now(UTC).astimezone(ledger.zone).date()
    a = ledger.book(ledger.local(today, 0, 30))
    ledger.pay(a, amount, paid_at=a.end)
    return ledger


def test_days_and_a_french_tenant(client, make_key, runner, make_tenant, tmp_path):
    ledger = _salon_paid_today(
        make_tenant, runner, "Europe/Paris", "EUR", "fr_FR", ("Coupe", "Fauteuil"), 1912250
    )
    text = _text(_pdf(client, make_key, ledger.tenant, days=7).get_data(), tmp_path)
    assert "19 122,50 €" in text  # fr_FR: narrow no-break space, comma, no-break space
    assert "revenue.total_revenue_cents 1912250" in text
    assert "revenue.currency EUR" in text and "appointments.period_days 7" in text
    # In French (SPEC Part 7): the words, the headings, the title line; the API's field
    # names stay as the API writes them.
    for words in (
        "En un coup d’œil",
        "Taux d’annulation",
        "Chiffre d’affaires par jour",
        "Rendez-vous par jour",
        "Les chiffres tels que l’API les donne",
        "(7 jours, Europe/Paris)",
    ):
        assert words in text, words
    assert "At a glance" not in text and "Revenue per day" not in text


def test_a_japanese_pdf_has_its_glyphs(client, make_key, runner, make_tenant, tmp_path):
    """Japanese words are set in a font that has them (Debian's fonts-ipafont-gothic,
    beside DejaVu Sans): pdftotext reads them back."""
    from analytics_app.formats.pdf_report import CJK_FONTS

    require_program(CJK_FONTS[0], "IPA Gothic", "fonts-ipafont-gothic", "REQUIRE_PDF")
    ledger = _salon_paid_today(
        make_tenant, runner, "Asia/Tokyo", "JPY", "ja_JP", ("カット", "席 1"), 12345
    )
    text = _text(_pdf(client, make_key, ledger.tenant, days=7).get_data(), tmp_path)
    for words in ("概要", "キャンセル率", "日別の売上", "カット", "￥12,345"):
        assert words in text, words


def test_without_payments_the_revenue_is_left_out(client, make_key, make_tenant, tmp_path):
    ledger = Ledger(make_tenant(plan="analytics only"))
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    ledger.customer(1)
    a = ledger.book(ledger.local(date(2026, 3, 2), 9), customer=1)
    ledger.pay(a, 5000, paid_at=a.end)
    response = _pdf(client, make_key, ledger.tenant, start="2026-03-01", end="2026-03-07")
    assert response.status_code == 200
    text = _text(response.get_data(), tmp_path)
    assert "Revenue per day" not in text and "revenue.total_revenue_cents" not in text
    assert "$50.00" not in text
    assert "customers.average_lifetime_value_cents null" in text
    assert "appointments.total 1" in text


def test_gated_validated_and_authenticated(client, make_key, make_tenant):
    locked = Ledger(make_tenant(plan="none"))
    response = _pdf(client, make_key, locked.tenant)
    assert response.status_code == 403 and "Advanced Analytics" in response.get_json()["detail"]
    open_tenant = Ledger(make_tenant())
    bad = _pdf(client, make_key, open_tenant.tenant, start="2026-03-01")
    assert bad.status_code == 400 and bad.get_json() == {
        "errors": {"end": ["Required with start."]}
    }
    assert _pdf(client, make_key, open_tenant.tenant, days=0).status_code == 400
    anonymous = client.get(PATH, base_url=f"http://{open_tenant.tenant.host}")
    assert anonymous.status_code == 401


def test_the_dashboard_links_to_the_pdf_of_its_period(browser, runner, studio, tmp_path):
    result = runner.invoke(
        args=["users", "create", "--tenant", studio.tenant.schema, "--email", "o@studio.example"]
        + ["--password", "correct horse battery"]
    )
    assert result.exit_code == 0, result.output
    owner = browser(studio.tenant)
    owner.login("o@studio.example", "correct horse battery")
    page = owner.get("/?start=2026-03-01&end=2026-03-14").get_data(as_text=True)
    link = re.search(r'<a[^>]+href="([^"]*summary\.pdf[^"]*)"[^>]*>([^<]*)<', page)
    assert link and "Download PDF" in link.group(2)
    href = link.group(1).replace("&amp;", "&")
    assert href == f"{PATH}?start=2026-03-01&end=2026-03-14"
    response = owner.get(href)  # the session signs the request: no key needed
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "appointments.total 5" in _text(response.get_data(), tmp_path)
