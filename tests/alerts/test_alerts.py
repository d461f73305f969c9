"""`flask alerts check` (SPEC Part 6): each rule's threshold edges, once per subject across
repeated and concurrent checks, the API's list, tenants without the feature."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.reference import Ledger

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # a Wednesday; yesterday is a Tuesday
YESTERDAY = date(2026, 6, 9)


def salon(make_tenant, plan="all", zone="UTC"):
    ledger = Ledger(make_tenant(timezone=zone, plan=plan))
    ledger.service(1, "Cut", price=3000)
    ledger.resource(1, "Chair 1")
    return ledger


def day_of(ledger, day, appointments, lost):
    """`appointments` starting on a local day, `lost` of them cancelled or missed."""
    for i in range(appointments):
        status = ("cancelled", "no_show")[i % 2] if i < lost else "confirmed"
        ledger.book(ledger.local(day, 8) + timedelta(minutes=5 * i), status=status)


def check(runner, ledger, now=NOW):
    result = runner.invoke(
        args=["alerts", "check", "--now", now.isoformat(), "--tenant", ledger.tenant.schema]
    )
    assert result.exit_code == 0, result.output
    return ledger.tenant.sql(
        "SELECT rule, subject, value, baseline, threshold FROM alerts ORDER BY rule, subject"
    )


def baseline(ledger, appointments, lost):
    """The 8 Tuesdays before yesterday: `appointments` and `lost` in all, spread over them."""
    for week in range(1, 9):
        share = appointments // 8 + (1 if week <= appointments % 8 else 0)
        gone = lost // 8 + (1 if week <= lost % 8 else 0)
        day_of(ledger, YESTERDAY - timedelta(weeks=week), share, gone)


@pytest.mark.parametrize(
    "base, yesterday, fires",
    [
        ((40, 4), (10, 2), False),  # 20 % = exactly 2 x 10 %
        ((40, 4), (10, 3), True),  # 30 %
        ((100, 2), (100, 7), False),  # 7 % = exactly 2 % + 5 points (and > 2 x 2 %)
        ((100, 2), (100, 8), True),
        ((0, 0), (9, 9), False),  # 9 appointments: too few
        ((0, 0), (10, 1), True),  # no baseline: 0; 10 % > 5 points
    ],
)
def test_no_show_spike_edges(runner, make_tenant, base, yesterday, fires):
    ledger = salon(make_tenant)
    baseline(ledger, *base)
    day_of(ledger, YESTERDAY, *yesterday)
    day_of(ledger, YESTERDAY - timedelta(days=1), 10, 10)  # another weekday: not the baseline
    alerts = [a for a in check(runner, ledger) if a[0] == "no_show_spike"]
    if not fires:
        assert alerts == []
        return
    rate = round(100 * yesterday[1] / yesterday[0], 2)
    base_rate = round(100 * base[1] / base[0], 2) if base[0] else 0
    assert [(a[1], float(a[2]), float(a[3]), float(a[4])) for a in alerts] == [
        (YESTERDAY, rate, base_rate, round(max(2 * base_rate, base_rate + 5), 2))
    ]


def test_quiet_days_ahead_edges_and_eight_local(runner, make_tenant):
    ledger = salon(make_tenant, zone="Europe/Paris")
    ledger.resource(2, "Chair 2")
    for weekday in range(7):
        ledger.hours(1, weekday, "09:00", "17:00")  # 480 minutes a day
    today = date(2026, 6, 10)
    at = ledger.local
    # Tomorrow: exactly 50 % (no alert); the day after: 49.99 % (14,397 s of 28,800 s).
    ledger.book(at(today + timedelta(days=1), 9), minutes=240)
    after = at(today + timedelta(days=2), 9)
    ledger.book(after, minutes=1)  # given an exact duration in seconds below
    ledger.tenant.sql(
        "UPDATE appointments SET end_time = start_time + interval '14397 seconds'"
        " WHERE start_time = %s",
        (after,),
    )
    ledger.book(at(today + timedelta(days=3), 9), minutes=480, status="no_show")  # full
    before_eight = at(today, 7, 59)
    assert [a for a in check(runner, ledger, before_eight) if a[0] == "quiet_days_ahead"] == []
    alerts = [a for a in check(runner, ledger, at(today, 8)) if a[0] == "quiet_days_ahead"]
    assert [(a[1], float(a[2]), a[3], float(a[4])) for a in alerts] == [
        (today + timedelta(days=2), 49.99, None, 50.0)
    ]


@pytest.mark.parametrize("last_week, fires", [(700, False), (699, True)])
def test_revenue_drop_edges(runner, make_tenant, last_week, fires):
    ledger = salon(make_tenant)
    monday = date(2026, 6, 8)  # this week's Monday
    for weeks_ago, cents in ((1, last_week), (2, 1000), (3, 1000), (4, 900), (5, 1100)):
        a = ledger.book(ledger.local(monday - timedelta(weeks=weeks_ago), 10))
        ledger.pay(
            a,
            cents,
            paid_at=ledger.local(monday - timedelta(weeks=weeks_ago) + timedelta(days=6), 23),
        )
    alerts = [a for a in check(runner, ledger) if a[0] == "revenue_drop"]
    expected = [(monday - timedelta(weeks=1), float(last_week), 1000.0, 700.0)]
    assert [(a[1], float(a[2]), float(a[3]), float(a[4])) for a in alerts] == (
        expected if fires else []
    )
    unpaid = salon(make_tenant, plan="analytics only")
    b = unpaid.book(unpaid.local(monday - timedelta(weeks=2), 10))
    unpaid.pay(b, 1000, paid_at=unpaid.local(monday - timedelta(weeks=2), 11))
    assert [a for a in check(runner, unpaid) if a[0] == "revenue_drop"] == []


def listed(client, key, tenant, **query):
    return client.get(
        "/api/analytics/alerts/",
        query_string=query,
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    )


def test_each_alert_once_across_repeated_and_concurrent_checks(
    app, make_tenant, client, make_key, runner
):
    from analytics_app.alerts import check as checks
    from analytics_app.extensions import db

    ledger = salon(make_tenant)
    day_of(ledger, YESTERDAY, 12, 6)
    errors = []

    def run():
        try:
            with app.app_context():
                checks.check_all(db.session, NOW, [ledger.tenant.schema], echo=lambda _l: None)
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check(runner, ledger)
    assert ledger.tenant.scalar("SELECT count(*) FROM alerts") == 1
    key = make_key(ledger.tenant)
    body = listed(client, key, ledger.tenant, days=30).get_json()
    assert [(a["rule"], a["subject"], a["value"], a["baseline"]) for a in body["alerts"]] == [
        ("no_show_spike", "2026-06-09", 50.0, 0.0)
    ]
    assert body["alerts"][0]["message"] == (  # in the tenant's language: en_US here
        "50.00% of the appointments of Jun 9, 2026 were cancelled or missed, against 0.00% on"
        " the same weekday over the previous 8 weeks."
    )
    assert list(body["alerts"][0]) == [  # the SPEC's order
        "id",
        "rule",
        "subject",
        "value",
        "baseline",
        "threshold",
        "created_at",
        "message",
    ]
    assert body["days"] == 30
    assert listed(client, key, ledger.tenant, days=0).get_json() == {
        "errors": {"days": ["Must be between 1 and 3650."]}
    }
    locked = salon(make_tenant, plan="none")
    day_of(locked, YESTERDAY, 12, 12)
    assert check(runner, locked) == []
    assert listed(client, make_key(locked.tenant), locked.tenant).status_code == 403


@pytest.mark.parametrize(
    "currency, amounts, written",
    [
        ("USD", ("6.99", "10.00"), ("$6.99", "$10.00")),
        ("JPY", ("699", "1000"), ("¥699", "¥1,000")),
        ("KWD", ("0.699", "1.000"), ("KWD\xa00.699", "KWD\xa01.000")),
    ],
)
def test_the_revenue_drop_message_writes_amounts_in_the_currencys_unit(
    runner, make_tenant, currency, amounts, written
):
    """699 minor units are $6.99, ¥699 and 0.699 KWD: in the stored `message` (the
    tenant's language and formats, en_US here) and in the CLI's English line
    (sql/alerts.sql's sentence)."""
    ledger = salon(make_tenant)
    assert (
        runner.invoke(args=["tenants", "set-currency", ledger.tenant.schema, currency]).exit_code
        == 0
    )
    monday = date(2026, 6, 8)
    for weeks_ago, cents in ((1, 699), (2, 1000), (3, 1000), (4, 1000), (5, 1000)):
        a = ledger.book(ledger.local(monday - timedelta(weeks=weeks_ago), 10))
        ledger.pay(a, cents, paid_at=ledger.local(monday - timedelta(weeks=weeks_ago), 12))
    result = runner.invoke(
        args=["alerts", "check", "--now", NOW.isoformat(), "--tenant", ledger.tenant.schema]
    )
    assert result.exit_code == 0, result.output
    assert (
        f"revenue_drop 2026-06-01: Revenue of the week from 2026-06-01 was {amounts[0]}"
        f" {currency}, under 70% of the mean of the 4 weeks before ({amounts[1]} {currency})."
    ) in result.output
    assert ledger.tenant.scalar("SELECT message FROM alerts WHERE rule = 'revenue_drop'") == (
        f"Revenue of the week from Jun 1, 2026 was {written[0]}, under 70% of the mean of the"
        f" 4 weeks before ({written[1]})."
    )


def test_the_databases_minor_units_are_babels(make_tenant):
    """currency_minor_digits() (sql/tenant_currency.sql) agrees with Babel's CLDR
    precision, which the pages and emails use, for every currency Babel knows."""
    from babel import numbers

    tenant = make_tenant()
    codes = sorted(numbers.list_currencies())
    rows = tenant.sql(
        "SELECT code, currency_minor_digits(code) FROM unnest(%s::text[]) AS code ORDER BY code",
        (codes,),
    )
    assert dict(rows) == {code: numbers.get_currency_precision(code) for code in codes}
