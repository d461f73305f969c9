"""GET /api/analytics/analytics/seasonality/ (SPEC Part 4) against tests/reference.py and
hand-counted cases: month edges at local midnight, a DST month, a leap-year February,
future bookings of the current month, the busiest month's ties, filters, gating."""

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger


def salon(make_tenant, zone="Europe/Paris", plan="all"):
    ledger = Ledger(make_tenant(timezone=zone, plan=plan))
    for i, name in enumerate(("Cut", "Color", "Nails"), 1):
        ledger.service(i, name, price=1000 * i)
    ledger.resource(1, "Chair 1")
    ledger.resource(2, "Chair 2")
    return ledger


def month_start(ledger, year, month):
    return ledger.local(date(year, month, 1), 0)


def test_months_edges_dst_leap_february_and_the_year_before(api, make_tenant):
    ledger = salon(make_tenant)
    now = datetime.now(UTC)
    today = now.astimezone(ledger.zone).date()
    year = today.year
    # The first instant of this month counts in it; the one before, in the month before.
    this_month = month_start(ledger, year, today.month)
    a = ledger.book(this_month)
    ledger.book(this_month - timedelta(seconds=1), status="cancelled")
    ledger.pay(a, 5000, paid_at=this_month + timedelta(minutes=1))
    # Future bookings of the current month count in full.
    ledger.book(ledger.local(today + timedelta(days=1), 9)) if (
        today + timedelta(days=1)
    ).month == today.month else None
    # Last year's same month: the comparison.
    b = ledger.book(month_start(ledger, year - 1, today.month) + timedelta(hours=10))
    ledger.book(month_start(ledger, year - 1, today.month) + timedelta(hours=11), status="no_show")
    ledger.pay(b, 2000, paid_at=month_start(ledger, year - 1, today.month) + timedelta(hours=12))
    # Last year's March, around its DST change (local wall-clock days), and a February 29.
    march_end = ledger.local(date(year - 1, 3, 31), 23, 30)
    ledger.book(march_end)  # still March in Paris (21:30 UTC)
    leap = next(y for y in range(year, year - 10, -1) if y % 4 == 0 and (y % 100 or y % 400 == 0))
    ledger.book(ledger.local(date(leap, 2, 29), 23, 45))
    neighbour = salon(make_tenant)  # rows next door
    neighbour.book(this_month + timedelta(hours=3))

    for years in (1, 2, 10):
        body = api(ledger.tenant, "seasonality", years=years).get_json()
        assert body == reference.seasonality(ledger, datetime.now(UTC), years=years)
    body = api(ledger.tenant, "seasonality").get_json()
    months = {m["month"]: m for m in body["months"]}
    assert len(body["months"]) == 12 + today.month  # January last year .. this month
    current = months[f"{year}-{today.month:02d}"]
    expected_now = 2 if (today + timedelta(days=1)).month == today.month else 1
    assert current["appointments"] == current["confirmed"] == expected_now
    assert current["previous_year_appointments"] == 2
    assert current["revenue_cents"] == 5000 and current["previous_year_revenue_cents"] == 2000
    assert current["revenue_yoy_percent"] == 150.0
    assert months[f"{year - 1}-03"]["confirmed"] == 1
    assert body["busiest_month_of_year"] == 3 if today.month != 3 else body["busiest_month_of_year"]
    assert body["window"]["start_date"] == f"{year - 1}-01-01"
    assert body["window"]["previous_start_date"] == f"{year - 2}-01-01"
    leap_body = api(ledger.tenant, "seasonality", years=year - leap + 1).get_json()
    february = next(m for m in leap_body["months"] if m["month"] == f"{leap}-02")
    assert february["appointments"] == 1  # 29 February 23:45 local stays in February
    # years=1: no complete year listed, so no busiest month.
    assert api(ledger.tenant, "seasonality", years=1).get_json()["busiest_month_of_year"] is None


def test_busiest_month_ties_go_to_the_earliest(api, make_tenant):
    ledger = salon(make_tenant, zone="Asia/Tokyo")
    year = datetime.now(ledger.zone).year - 1
    for month in (4, 9):  # two each; September also has a cancellation, which does not count
        for day in (3, 4):
            ledger.book(ledger.local(date(year, month, day), 10))
    ledger.book(ledger.local(date(year, 9, 5), 10), status="cancelled")
    body = api(ledger.tenant, "seasonality").get_json()
    assert body["busiest_month_of_year"] == 4
    assert body == reference.seasonality(ledger, datetime.now(UTC))


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York"])
def test_random_history_matches_the_reference_with_and_without_filters(api, make_tenant, zone):
    rng = random.Random(zone)
    ledger = salon(make_tenant, zone=zone)
    now = datetime.now(UTC)
    for _ in range(250):
        start = now - timedelta(days=rng.uniform(-25, 3 * 366), minutes=rng.randrange(1440))
        status = rng.choice(["confirmed"] * 5 + ["cancelled", "no_show"])
        a = ledger.book(start, status=status, service=rng.randint(1, 3), resource=rng.randint(1, 2))
        if rng.random() < 0.6:
            ledger.pay(
                a,
                rng.randrange(500, 20000),
                status=rng.choice(["succeeded"] * 4 + ["refunded", "failed", "pending"]),
                paid_at=start + timedelta(minutes=rng.randrange(-60, 3 * 1440)),
            )
    for query in (
        {},
        {"years": 3},
        {"years": 1},
        {"service_id": 2},
        {"resource_id": 1, "years": 4},
        {"service_id": 3, "resource_id": 2},
        {"service_id": 99},  # matches nothing: zeros
    ):
        body = api(ledger.tenant, "seasonality", **query).get_json()
        expected = reference.seasonality(ledger, datetime.now(UTC), **query)
        assert body == expected, query
    csv = api(ledger.tenant, "seasonality", format="csv").get_data(as_text=True).splitlines()
    assert csv[0] == (
        "month,appointments,confirmed,cancelled,no_show,revenue_cents,"
        "previous_year_appointments,previous_year_revenue_cents,appointments_yoy_percent,"
        "revenue_yoy_percent,currency"
    )
    assert len(csv) == 1 + len(api(ledger.tenant, "seasonality").get_json()["months"])


def test_without_payments_revenue_is_null_and_bad_years_are_refused(api, make_tenant):
    ledger = salon(make_tenant, plan="analytics only")
    a = ledger.book(datetime.now(UTC) - timedelta(days=40))
    ledger.pay(a, 1234, paid_at=a.end)
    body = api(ledger.tenant, "seasonality").get_json()
    assert body == reference.seasonality(ledger, datetime.now(UTC), with_revenue=False)
    assert all(
        m["revenue_cents"] is None and m["revenue_yoy_percent"] is None for m in body["months"]
    )
    for years, message in (("0", "Must be between 1 and 10."), ("11", "Must be between 1 and 10.")):
        response = api(ledger.tenant, "seasonality", years=years)
        assert response.status_code == 400
        assert response.get_json() == {"errors": {"years": [message]}}
    assert api(ledger.tenant, "seasonality", years="two").status_code == 400
    locked = salon(make_tenant, plan="none")
    assert api(locked.tenant, "seasonality").status_code == 403


def test_the_dashboard_shows_the_two_years_side_by_side(api, make_tenant, runner, browser):
    """The page's seasons table equals the API's months: last year's twelve beside this
    year's so far, month names in the tenant's locale."""
    ledger = salon(make_tenant)
    assert (
        runner.invoke(args=["tenants", "set-locale", ledger.tenant.schema, "fr_FR"]).exit_code == 0
    )
    result = runner.invoke(
        args=["users", "create", "--tenant", ledger.tenant.schema, "--email", "o@salon.example"]
        + ["--password", "pw-seasons-1"]
    )
    assert result.exit_code == 0
    year = datetime.now(ledger.zone).year
    for month, n in ((1, 2), (6, 1), (12, 3)):
        for i in range(n):
            ledger.book(ledger.local(date(year - 1, month, 10 + i), 10))
    ledger.book(ledger.local(date(year, 1, 5), 10), status="no_show")
    body = api(ledger.tenant, "seasonality").get_json()
    months = {m["month"]: m for m in body["months"]}
    session = browser(ledger.tenant)
    assert session.login("o@salon.example", "pw-seasons-1").status_code == 302
    html = session.get("/").get_data(as_text=True)

    rows = re.findall(
        # The page is in French (its words and month names alike): no lang of their own.
        r'<tr data-month="(\d+)">\s*<th scope="row">([^<]+)</th>\s*'
        r'<td class="n" data-field="last">([^<]+)</td>\s*<td class="n" data-field="this">([^<]+)</td>',
        html,
    )
    assert len(rows) == 12
    for month, _name, last, this in rows:
        m = int(month)
        assert int(last) == months[f"{year - 1}-{m:02d}"]["appointments"]
        current = months.get(f"{year}-{m:02d}")
        assert this == ("–" if current is None else str(current["appointments"]))
    assert [r[1] for r in rows][:3] == ["janvier", "février", "mars"]
    assert [int(r[2]) for r in rows] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3]
    assert rows[0][3] == "1"  # this January: the no-show counts (all statuses)
    assert "Mois le plus chargé l’an dernier\xa0: décembre (rendez-vous confirmés)." in html
