"""The dashboard in a real browser: figures equal the API's, filters, locks, keyboard, phone."""

import re

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def salon(app, make_tenant, runner):
    """A tenant on a .localhost host with the demo's two-year history and a user."""

    def make(plan="all"):
        from analytics_app.cli.demo import fill_history
        from analytics_app.extensions import db

        tenant = make_tenant(timezone="America/New_York", plan=plan, base="localhost")
        with app.app_context():
            assert fill_history(tenant.schema) > 5000
            db.session.commit()
        # Folded, as the demo folds its history and a running worker would within seconds:
        # a page read over a whole history still in the change log recounts every customer
        # in each customer figure (issue 25, benchmarks/BACKLOG.md), which on this shared
        # machine once took one report past the 5 s statement timeout (a 503). Reads with
        # changes waiting are checked against recounts in tests/db and tests/reports.
        assert tenant.fold() > 5000
        result = runner.invoke(
            args=[
                "users",
                "create",
                "--tenant",
                tenant.schema,
                "--email",
                "owner@salon.example",
                "--password",
                PASSWORD,
            ]
        )
        assert result.exit_code == 0
        return tenant

    return make


def figure(page, metric):
    """A figure as the page shows it, parsed back to a number (or text)."""
    text = page.locator(f'[data-metric="{metric}"]').first.inner_text().strip()
    if text == "–":
        return None
    hour = re.fullmatch(r"(\d{1,2}):00\W*([AP]M)", text)  # en_US: "11:00 AM" (a narrow space)
    if hour:
        return int(hour.group(1)) % 12 + (12 if hour.group(2) == "PM" else 0)
    number = text.replace(",", "").replace("%", "").replace("$", "").strip()
    try:
        return float(number)
    except ValueError:
        return text


def api_json(page, live, tenant, endpoint, **query):
    """The API's answer for the same logged-in user: fetched by the page, with its cookies."""
    from urllib.parse import urlencode

    qs = urlencode({k: v for k, v in query.items() if v is not None})
    status, body = fetch(page, f"/api/analytics/analytics/{endpoint}/?{qs}")
    assert status == 200
    return body


def fetch(page, path):
    return page.evaluate(
        """async path => {
        const r = await fetch(path, {credentials: 'same-origin'});
        return [r.status, await r.json()];
    }""",
        path,
    )


def outlook_differences(page, outlook):
    """(what, page, API) for each outlook figure the page shows otherwise than the API."""
    differences = []
    for metric, value in (
        ("outlook_so_far", outlook["so_far"]["appointments"]),
        ("outlook_on_the_books", outlook["on_the_books"]["appointments"]),
        ("outlook_pickup", outlook["pickup"]["appointments"]),
        ("outlook_forecast", outlook["forecast"]["appointments"]),
        ("outlook_last_year", outlook["last_year"]["appointments"]),
        ("outlook_forecast_vs_last_year", outlook["forecast_vs_last_year_percent"]),
        ("outlook_pace", outlook["pace"]["pace_percent"]),
    ):
        if figure(page, metric) != value:
            differences.append((metric, figure(page, metric), value))
    for d in outlook["next_days"]:
        row = page.locator(f'table.next-days tr[data-date="{d["date"]}"]')
        shown = int(row.locator('[data-field="appointments"]').inner_text().replace(",", ""))
        if shown != d["appointments"]:
            differences.append((d["date"], shown, d["appointments"]))
        occupancy = row.locator('[data-field="occupancy_percent"]').inner_text().strip()
        expected = d["occupancy_percent"]
        expected = "no hours set" if expected is None else f"{expected:.2f}%"
        if occupancy != expected:
            differences.append((d["date"], occupancy, expected))
    return differences


def assert_page_matches_api(
    page, live, tenant, days=None, service_id=None, status=None, start=None, end=None
):
    period = {"days": days, "start": start, "end": end}
    dash = api_json(page, live, tenant, "dashboard")
    for metric in (
        "total_appointments_this_month",
        "total_appointments_all_time",
        "upcoming_appointments_count",
        "active_resources_count",
        "active_services_count",
        "average_appointment_duration_minutes",
        "peak_booking_day",
        "peak_booking_hour",
    ):
        assert figure(page, metric) == dash[metric], metric
    # The outlook reads the clock (now) when the page is made and when the API answers;
    # an appointment starting (this year or last) between the two moves a figure, so a
    # difference is looked at again on a fresh page before it counts.
    for _ in range(3):
        outlook = api_json(page, live, tenant, "outlook")  # the section shows the default
        differences = outlook_differences(page, outlook)
        if not differences:
            break
        page.reload()
    assert differences == []
    retention = api_json(page, live, tenant, "retention", months=12)
    for cohort in retention["cohorts"]:
        row = page.locator(f'table.cohorts tr[data-month="{cohort["month"]}"]')
        new = row.locator('[data-field="new_customers"]').inner_text().replace(",", "")
        assert int(new) == cohort["new_customers"], cohort["month"]
        shown = row.locator("td[data-k]").all_inner_texts()
        assert shown == [f"{p:,.2f}%" for p in cohort["retained_percent"][1:]], cohort["month"]
    risky = api_json(page, live, tenant, "at-risk", limit=20)
    listed = page.locator("table.at-risk tr[data-customer]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.customer))"
    )
    assert listed == [c["customer_id"] for c in risky["customers"]]
    appts = api_json(
        page, live, tenant, "appointments", **period, service_id=service_id, status=status
    )
    assert figure(page, "total") == appts["total"]
    assert figure(page, "cancellation_rate_percent") == appts["cancellation_rate_percent"]
    assert figure(page, "no_show_rate_percent") == appts["no_show_rate_percent"]
    assert figure(page, "booking_trend_percent") == appts["booking_trend_percent"]
    for lost in ("cancelled_value_cents", "no_show_value_cents"):
        assert figure(page, lost) * 100 == pytest.approx(appts[lost]), lost
    for status_name in ("confirmed", "cancelled", "no_show"):
        assert figure(page, status_name) == appts["by_status"][status_name]
    ranking = page.locator("table", has=page.get_by_text("By service", exact=True))
    rows = [row.locator("td").all_inner_texts() for row in ranking.locator("tbody tr").all()]
    assert [(name, int(n.replace(",", ""))) for name, n in rows] == [
        (r["service_name"], r["count"]) for r in appts["by_service"]
    ]
    lead = appts["lead_time"]
    for metric, key in (
        ("lead_same_day", "same_day"),
        ("lead_1_to_6_days", "1_to_6_days"),
        ("lead_7_to_29_days", "7_to_29_days"),
        ("lead_30_days_or_more", "30_days_or_more"),
    ):
        assert figure(page, metric) == lead[key], metric
    histogram = page.locator("figure.lead-time img").get_attribute("alt")
    assert (
        f"{lead['same_day']} the same day, {lead['1_to_6_days']} 1 to 6 days ahead, "
        f"{lead['7_to_29_days']} 7 to 29 days ahead, {lead['30_days_or_more']} 30 days or more"
    ) in histogram
    average = page.locator('[data-metric="lead_average_hours"]').inner_text()
    assert average == (
        "–" if lead["average_hours"] is None else f"{lead['average_hours']:,.2f} h"
    )  # en_US
    people = api_json(page, live, tenant, "customers", **period)  # no other filter applies
    for metric in (
        "customers",
        "customers_trend_percent",
        "new_customers",
        "returning_customers",
        "returning_customer_percent",
        "rebooking_rate_percent",
        "visits_per_customer",
        "visits",
        "walk_in_visits",
    ):
        assert figure(page, metric) == people[metric], metric
    alt = page.locator("#customers img.chart").get_attribute("alt")
    assert f"{people['customers']} distinct customers, {people['new_customers']} of them new" in alt
    team = api_json(page, live, tenant, "team", **period)
    assert figure(page, "team_utilisation_percent") == team["utilisation_percent"]
    for row in team["resources"]:
        cells = page.locator(f'table.team tr[data-resource="{row["resource_id"]}"]')
        no_show = cells.locator('[data-field="no_show_rate_percent"]').inner_text()
        assert no_show == f"{row['no_show_rate_percent']:.2f}%"  # en_US: no space
        util = cells.locator('[data-field="utilisation_percent"]').inner_text().strip()
        expected = row["utilisation_percent"]
        assert util == ("no hours set" if expected is None else f"{expected:.2f}%")
    heat = api_json(page, live, tenant, "heatmap", **period, service_id=service_id, status=status)
    shown = page.locator("table.heatmap td[data-cell]").all_inner_texts()
    assert [int(n) for n in shown] == [n for row in heat["counts"] for n in row]
    revenue = api_json(page, live, tenant, "revenue", **period, service_id=service_id)
    assert figure(page, "revenue_trend_percent") == revenue["revenue_trend_percent"]
    assert figure(page, "refunded_cents") * 100 == pytest.approx(revenue["refunded_cents"])
    by_resource = page.locator("table", has=page.get_by_text("Revenue by resource", exact=True))
    rows = [row.locator("td").all_inner_texts() for row in by_resource.locator("tbody tr").all()]
    assert [r[0] for r in rows] == [r["resource_name"] for r in revenue["by_resource"]] or (
        not revenue["by_resource"] and rows == [["No payments in this period"]]
    )
    assert figure(page, "total_revenue_cents") * 100 == pytest.approx(
        revenue["total_revenue_cents"]
    )
    assert figure(page, "transaction_count") == revenue["transaction_count"]
    return appts


def test_figures_filters_and_logout(page, live, salon):
    tenant = salon()
    log_in(page, live, tenant)
    assert page.locator("[data-timezone]").inner_text() == "America/New_York"
    first = assert_page_matches_api(page, live, tenant, days=30)

    page.get_by_role("link", name="7 days").click()
    page.wait_for_url(re.compile(r"days=7"))
    week = assert_page_matches_api(page, live, tenant, days=7)
    assert week["total"] < first["total"]

    page.get_by_label("Services", exact=True).select_option(label="Color Treatment")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"service_id=\d+"))
    service_id = int(re.search(r"service_id=(\d+)", page.url).group(1))
    assert "days=7" in page.url  # the URL keeps the whole filter
    filtered = assert_page_matches_api(page, live, tenant, days=7, service_id=service_id)
    assert filtered["total"] < week["total"]

    page.get_by_label("Period (days)").fill("45")
    page.get_by_label("Status").select_option("cancelled")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"status=cancelled"))
    assert_page_matches_api(page, live, tenant, days=45, service_id=service_id, status="cancelled")

    bookmarked = page.url  # a shared link shows the same view
    page.goto(bookmarked)
    assert page.get_by_label("Period (days)").input_value() == "45"

    # The date-range picker: an explicit range replaces the days box, and is kept.
    page.get_by_label("From (date)").fill("2026-10-01")
    page.get_by_label("To (date)").fill("2026-10-31")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"start=2026-10-01"))
    ranged = assert_page_matches_api(
        page,
        live,
        tenant,
        service_id=service_id,
        status="cancelled",
        start="2026-10-01",
        end="2026-10-31",
    )
    assert ranged["period_days"] == 31
    title = page.locator("#appointments-title").inner_text()
    assert "Oct 1, 2026 to Oct 31, 2026 (31 days)" in title  # en_US dates
    page.goto(page.url)  # the range is in the URL too
    assert page.get_by_label("From (date)").input_value() == "2026-10-01"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(live.url(tenant.host, "/"))
    assert "/login" in page.url
    assert fetch(page, "/api/analytics/analytics/dashboard/") == [
        401,
        {"detail": "Authentication credentials were not provided."},
    ]


def test_tenant_without_analytics_sees_an_upgrade_prompt_and_no_figures(page, live, salon):
    tenant = salon(plan="none")
    log_in(page, live, tenant)
    assert page.locator('[data-locked="advanced_analytics"]').is_visible()
    assert "Upgrade" in page.locator('[data-locked="advanced_analytics"]').inner_text()
    assert page.locator("[data-metric]").count() == 0
    assert page.locator("img.chart").count() == 0


def test_tenant_without_payments_sees_revenue_locked(page, live, salon):
    tenant = salon(plan="analytics only")
    log_in(page, live, tenant)
    locked = page.locator('[data-locked="can_accept_payments"]')
    assert "payment processing" in locked.inner_text()
    assert page.locator('[data-metric="total_revenue_cents"]').count() == 0
    assert page.locator('[data-metric="total"]').count() == 1


def test_wrong_password_message(page, live, salon):
    tenant = salon()
    page.goto(live.url(tenant.host, "/login"))
    page.get_by_label("Email").fill("owner@salon.example")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."


def test_keyboard_only_login_and_labelled_controls(page, live, salon):
    tenant = salon()
    page.goto(live.url(tenant.host, "/login"))
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'")
    page.keyboard.type("owner@salon.example")  # the email field has focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live.url(tenant.host, "/"))
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(el => !(el.labels && el.labels.length)).map(el => el.name)""")
    assert unlabelled == []
    assert all(page.locator("img.chart").evaluate_all("els => els.map(e => e.alt.length > 20)"))


def test_phone_width_has_no_sideways_scroll(page, live, salon):
    tenant = salon()
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live, tenant)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_unknown_host_page(page, live):
    response = page.goto(live.url("nobody.localhost", "/"))
    assert response.status == 404
    assert "No business is served at this address" in page.content()
