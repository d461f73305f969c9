"""GET /api/analytics/analytics/team/ and /heatmap/ (SPEC Part 2) against
tests/reference.py and hand-computed literals; `flask resources` fills the hours."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger

NOW = datetime.now(UTC)
SUN, MON, SAT = 0, 1, 6


def studio(make_tenant, timezone="America/New_York", plan="all"):
    ledger = Ledger(make_tenant(timezone=timezone, plan=plan))
    ledger.service(1, "Cut", price=3500)
    ledger.service(2, "Colour", price=12000)
    ledger.resource(1, "Ana")
    ledger.resource(2, "Ben")
    ledger.resource(3, "Room without hours")
    ledger.resource(4, "Retired", active=False)
    ledger.resource(5, "Retired, idle", active=False)
    return ledger


def entry(body, resource_id):
    return next(e for e in body["resources"] if e["resource_id"] == resource_id)


def test_split_shifts_dst_days_time_off_and_statuses(api, make_tenant):
    """New York, 2026-10-25 (Sun) .. 2026-11-07 (Sat); 2026-11-01 has 25 hours."""
    ledger = studio(make_tenant)
    day = date.fromisoformat
    # Ana: Mondays 09-13, 12-17 and 14-18 overlap into 09:00-18:00 (540 min); Sundays
    # 00:00-12:00 (12 h, but 13 h on the day the clocks go back); Saturdays 18:00-24:00.
    for opens, closes in (("09:00", "13:00"), ("12:00", "17:00"), ("14:00", "18:00")):
        ledger.hours(1, MON, opens, closes)
    ledger.hours(1, SUN, "00:00", "12:00")
    ledger.hours(1, SAT, "18:00", "24:00")
    # Off from Saturday 20:00 over midnight and the DST change to Sunday 03:00 (local):
    # 4 h of Saturday 10-31 and 4 h of Sunday 11-01 (00:00-01:00, 01:00-01:00 again, -03:00).
    ledger.time_off(1, ledger.local(day("2026-10-31"), 20), ledger.local(day("2026-11-01"), 3))
    # Ben: Mondays 10:00-12:00 only.
    ledger.hours(2, MON, "10:00", "12:00")
    # Appointments: no-shows hold the slot (booked), cancellations do not.
    ledger.book(ledger.local(day("2026-10-26"), 9), minutes=90, resource=1)
    ledger.book(ledger.local(day("2026-10-26"), 11), minutes=45, resource=1, status="no_show")
    ledger.book(ledger.local(day("2026-10-26"), 14), minutes=60, resource=1, status="cancelled")
    ledger.book(ledger.local(day("2026-11-01"), 1, 30, fold=1), minutes=30, resource=1)
    ledger.book(ledger.local(day("2026-11-02"), 10), minutes=150, resource=2)  # over the shift
    ledger.book(ledger.local(day("2026-11-03"), 10), minutes=30, resource=4, status="no_show")
    ledger.book(ledger.local(day("2026-11-08"), 10), minutes=30, resource=2)  # after the period
    ledger.pay(ledger.appointments[0], 4000, paid_at=ledger.local(day("2026-10-26"), 11))
    ledger.pay(ledger.appointments[4], 9000, paid_at=ledger.local(day("2026-11-08"), 1))

    body = api(ledger.tenant, "team", start="2026-10-25", end="2026-11-07").get_json()
    assert body == reference.team(ledger, NOW, start=day("2026-10-25"), end=day("2026-11-07"))
    assert [e["resource_id"] for e in body["resources"]] == [1, 2, 3, 4]  # 5: inactive, idle
    ana = entry(body, 1)
    # Sundays: 10-25 12 h; 11-01 13 h - 3 h off (00:00-03:00 local is 4 hours: one repeats).
    # Mondays 10-26 and 11-02: 9 h each. Saturdays: 10-31 6 h - 4 h off; 11-07 6 h.
    assert ana["available_minutes"] == (12 + 9) * 60 + 9 * 60 + (13 - 4) * 60 + 2 * 60 + 6 * 60
    assert ana["booked_minutes"] == 90 + 45 + 30
    assert (ana["appointments"], ana["confirmed"], ana["cancelled"], ana["no_show"]) == (4, 2, 1, 1)
    assert ana["no_show_rate_percent"] == 25.0
    assert ana["utilisation_percent"] == round(165 * 100 / ana["available_minutes"], 2)
    assert ana["revenue_cents"] == 4000
    ben = entry(body, 2)
    assert (ben["available_minutes"], ben["booked_minutes"]) == (240, 150)
    assert ben["utilisation_percent"] == 62.5
    assert ben["revenue_cents"] == 0  # paid after the period
    room = entry(body, 3)
    assert (room["available_minutes"], room["utilisation_percent"]) == (0, None)
    retired = entry(body, 4)
    assert (retired["booked_minutes"], retired["no_show_rate_percent"]) == (30, 100.0)
    assert body["booked_minutes"] == 165 + 150 + 30
    assert body["available_minutes"] == ana["available_minutes"] + 240

    # The DBA view: per day, Ana's working minutes on the DST Sunday.
    assert ledger.tenant.sql(
        "SELECT available_minutes FROM resource_utilisation_daily"
        " WHERE resource_id = 1 AND day = '2026-11-01'"
    ) == [(540,)]


def test_auckland_dst_days_and_revenue_without_payments(api, make_tenant):
    """Auckland: 2026-04-05 02:00-03:00 happens twice; 2026-09-27 02:00-03:00 never."""
    ledger = studio(make_tenant, "Pacific/Auckland", plan="analytics only")
    ledger.hours(1, SUN, "01:00", "05:00")
    ledger.book(ledger.local(date(2026, 4, 5), 2, 30, fold=1), resource=1)
    ledger.pay(ledger.appointments[0], 5000, paid_at=ledger.local(date(2026, 4, 5), 4))
    for first, last in (("2026-04-05", "2026-04-05"), ("2026-09-27", "2026-09-27")):
        start, end = date.fromisoformat(first), date.fromisoformat(last)
        body = api(ledger.tenant, "team", start=first, end=last).get_json()
        assert body == reference.team(ledger, NOW, start=start, end=end, with_revenue=False)
    april = api(ledger.tenant, "team", start="2026-04-05", end="2026-04-05").get_json()
    september = api(ledger.tenant, "team", start="2026-09-27", end="2026-09-27").get_json()
    assert entry(april, 1)["available_minutes"] == 5 * 60
    assert entry(september, 1)["available_minutes"] == 3 * 60
    assert entry(april, 1)["revenue_cents"] is None


def test_heatmap_counts_local_weekday_and_hour_with_filters(api, make_tenant):
    ledger = studio(make_tenant)
    fall_back = date(2026, 11, 1)  # a Sunday in New York
    ledger.book(ledger.local(fall_back, 1, 30), resource=1)  # 01:30 EDT
    ledger.book(ledger.local(fall_back, 1, 30, fold=1), resource=2, service=2)  # 01:30 EST
    ledger.book(ledger.local(fall_back, 23, 59), status="cancelled")
    ledger.book(ledger.local(date(2026, 11, 2), 0, 0), status="no_show", service=2)  # Monday 00h
    ledger.book(ledger.local(date(2026, 10, 31), 23, 0))  # Saturday: outside the range

    query = {"start": "2026-11-01", "end": "2026-11-07"}
    body = api(ledger.tenant, "heatmap", **query).get_json()
    assert body == reference.heatmap(ledger, NOW, start=fall_back, end=date(2026, 11, 7))
    assert body["counts"][0][1] == 2 and body["counts"][0][23] == 1
    assert body["counts"][1][0] == 1 and body["counts"][6] == [0] * 24
    assert body["total"] == 4 and len(body["counts"]) == 7
    assert {len(row) for row in body["counts"]} == {24}
    for filters in (
        {"status": "confirmed"},
        {"service_id": 2},
        {"resource_id": 1},
        {"service_id": 2, "resource_id": 2, "status": "confirmed"},
    ):
        filtered = api(ledger.tenant, "heatmap", **query, **filters).get_json()
        assert filtered == reference.heatmap(
            ledger, NOW, start=fall_back, end=date(2026, 11, 7), **filters
        ), filters
    assert api(ledger.tenant, "heatmap", **query, service_id=2).get_json()["total"] == 2
    csv = api(ledger.tenant, "heatmap", **query, format="csv").get_data(as_text=True)
    lines = csv.splitlines()
    assert lines[0] == "weekday,weekday_name,hour,appointments"
    assert len(lines) == 1 + 7 * 24 and "0,Sunday,1,2" in lines


def test_a_time_zone_change_moves_heatmap_hours_and_working_time(api, make_tenant, runner):
    ledger = studio(make_tenant, "UTC")
    ledger.hours(1, MON, "09:00", "17:00")
    ledger.hours(1, SUN, "00:00", "12:00")  # 2026-03-08: New York springs forward at 02:00
    # 20:00-22:00 UTC: after Monday's hours in UTC, 16:00-18:00 in New York.
    ledger.time_off(1, datetime(2026, 3, 9, 20, tzinfo=UTC), datetime(2026, 3, 9, 22, tzinfo=UTC))
    monday = date(2026, 3, 9)
    ledger.book(datetime(2026, 3, 9, 10, 0, tzinfo=UTC), resource=1)
    query = {"start": "2026-03-08", "end": "2026-03-14"}
    assert api(ledger.tenant, "heatmap", **query).get_json()["counts"][1][10] == 1
    before = api(ledger.tenant, "team", **query).get_json()
    assert before == reference.team(ledger, NOW, start=date(2026, 3, 8), end=date(2026, 3, 14))
    assert entry(before, 1)["available_minutes"] == 12 * 60 + 8 * 60
    result = runner.invoke(
        args=["tenants", "set-timezone", ledger.tenant.schema, "America/New_York"]
    )
    assert result.exit_code == 0, result.output
    ledger.tenant.timezone = "America/New_York"
    heat = api(ledger.tenant, "heatmap", **query).get_json()
    assert heat["counts"][1][6] == 1  # 10:00 UTC is 06:00 EDT
    assert heat == reference.heatmap(ledger, NOW, start=date(2026, 3, 8), end=date(2026, 3, 14))
    team = api(ledger.tenant, "team", **query).get_json()
    assert team == reference.team(ledger, NOW, start=date(2026, 3, 8), end=date(2026, 3, 14))
    # Hours stay wall-clock: Sunday loses the skipped hour, Monday loses 16:00-17:00 to
    # the time off, which now falls in them.
    assert entry(team, 1)["available_minutes"] == 11 * 60 + 7 * 60
    assert monday.isoweekday() == 1


@pytest.mark.parametrize("timezone", ["Europe/London", "Australia/Lord_Howe"])
def test_random_data_matches_the_reference(api, make_tenant, timezone):
    """Lord Howe changes by half an hour; London's clocks go at 01:00 UTC."""
    rng = random.Random(timezone)
    ledger = studio(make_tenant, timezone)
    for rid in (1, 2, 4):
        for weekday in rng.sample(range(7), 4):
            for _ in range(rng.randint(1, 2)):
                opens = rng.randrange(0, 20 * 60, 30)
                closes = min(24 * 60, opens + rng.randrange(60, 10 * 60, 30))
                ledger.hours(
                    rid,
                    weekday,
                    f"{opens // 60:02d}:{opens % 60:02d}",
                    f"{closes // 60:02d}:{closes % 60:02d}",
                )
        for _ in range(3):
            starts = NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
            ledger.time_off(rid, starts, starts + timedelta(minutes=rng.randrange(60, 60 * 72)))
    for _ in range(200):
        appointment = ledger.book(
            (NOW - timedelta(minutes=rng.randrange(-60 * 24 * 20, 60 * 24 * 400))).replace(
                second=0, microsecond=0
            ),
            minutes=rng.choice([15, 30, 45, 90]),
            status=rng.choices(["confirmed", "cancelled", "no_show"], [80, 12, 8])[0],
            service=rng.choice([1, 2]),
            resource=rng.choice([1, 2, 3, 4]),
        )
        if appointment.status == "confirmed" and rng.random() < 0.6:
            ledger.pay(appointment, rng.randrange(500, 9000), paid_at=appointment.end)
    today = NOW.astimezone(ledger.zone).date()
    for _ in range(4):
        first = today - timedelta(days=rng.randrange(-20, 400))
        last = first + timedelta(days=rng.randrange(0, 200))
        query = {"start": first.isoformat(), "end": last.isoformat()}
        assert api(ledger.tenant, "team", **query).get_json() == reference.team(
            ledger, NOW, start=first, end=last
        )
        filters = rng.choice([{}, {"status": "no_show"}, {"service_id": 1}, {"resource_id": 2}])
        assert api(ledger.tenant, "heatmap", **query, **filters).get_json() == (
            reference.heatmap(ledger, NOW, start=first, end=last, **filters)
        )
    for days in (7, 365):
        # A `days` period ends today by the clock: compare at the instant of the call (the
        # module's NOW may be a local day behind when the run crosses the tenant's midnight).
        body, now = reference.answered_at(
            ledger.zone, lambda days=days: api(ledger.tenant, "team", days=days).get_json()
        )
        assert body == reference.team(ledger, now, days=days)


def test_resources_command_sets_hours_and_time_off(runner, make_tenant, api):
    ledger = studio(make_tenant, "Europe/Paris")
    schema = ledger.tenant.schema
    ok = runner.invoke(
        args=[
            "resources",
            "hours",
            schema,
            "1",
            "mon-fri 09:00-12:00,13:00-17:00",
            "sat 10:00-14:00",
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert "11 weekly working intervals" in ok.output
    rows = ledger.tenant.sql(
        "SELECT weekday, to_char(opens_at, 'HH24:MI'), to_char(closes_at, 'HH24:MI')"
        " FROM resource_hours WHERE resource_id = 1 ORDER BY 1, 2"
    )
    assert rows[:2] == [(1, "09:00", "12:00"), (1, "13:00", "17:00")] and rows[-1] == (
        6,
        "10:00",
        "14:00",
    )
    off = runner.invoke(
        args=[
            "resources",
            "time-off",
            schema,
            "1",
            "2026-12-24 12:00",
            "2026-12-27",
            "--reason",
            "Christmas",
        ]
    )
    assert off.exit_code == 0, off.output
    assert ledger.tenant.sql(
        "SELECT starts_at = '2026-12-24 11:00+00', ends_at = '2026-12-26 23:00+00', reason"
        " FROM resource_time_off"
    ) == [(True, True, "Christmas")]
    # The week of 2026-12-21: Mon-Wed 7 h, Thu (24th) 3 h before noon, Fri 25th off, Sat 26th off.
    team = api(ledger.tenant, "team", start="2026-12-21", end="2026-12-27").get_json()
    assert entry(team, 1)["available_minutes"] == (3 * 7 + 3) * 60
    listing = runner.invoke(args=["resources", "list", schema])
    assert "mon 09:00-12:00" in listing.output and "Christmas" in listing.output
    for bad, message in (
        (["hours", schema, "1", "funday 09:00-10:00"], "Unknown day"),
        (["hours", schema, "1", "mon 10:00-09:00"], "closes before it opens"),
        (["hours", schema, "1", "mon 25:00-26:00"], "Not a time of day"),
        (["hours", schema, "99", "mon 09:00-10:00"], "No resource 99"),
        (["hours", "ghost", "1", "mon 09:00-10:00"], "No tenant"),
        (["time-off", schema, "1", "2026-12-27", "2026-12-24"], "must end after it starts"),
        (["time-off", schema, "1", "soon", "later"], "Cannot add that time off"),
    ):
        result = runner.invoke(args=["resources", *bad])
        assert result.exit_code != 0 and message in result.output, (bad, result.output)
    cleared = runner.invoke(args=["resources", "hours", schema, "1", "--clear"])
    assert cleared.exit_code == 0
    assert ledger.tenant.scalar("SELECT count(*) FROM resource_hours") == 0


@pytest.mark.parametrize("timezone", ["Europe/London", "Pacific/Auckland"])
def test_heatmap_whole_months_edges_and_resource_rows_match_the_reference(
    api, make_tenant, timezone
):
    """The heatmap reads a period's whole local months from the month x weekday x hour
    rollup, its other days from the day x hour one, and a resource filter alone from the
    resource x day x hour one: every cut (a whole month, edges on both sides, months only,
    a month end without a whole month, DST months, today's partial month) and every filter
    form against the rows, with some changes folded and some still in the log."""
    rng = random.Random(f"heatmap {timezone}")
    ledger = studio(make_tenant, timezone)
    statuses = ["confirmed", "cancelled", "no_show"]

    def book(count):
        for _ in range(count):
            ledger.book(
                (NOW - timedelta(minutes=rng.randrange(-60 * 24 * 20, 60 * 24 * 800))).replace(
                    second=0, microsecond=0
                ),
                status=rng.choices(statuses, [80, 12, 8])[0],
                service=rng.choice([1, 2]),
                resource=rng.choice([1, 2, 3, 4]),
            )

    book(260)
    assert ledger.tenant.fold() > 0
    book(60)  # waiting in the log, with changes to folded rows
    for appointment in rng.sample(ledger.appointments[:260], 25):
        appointment.status = rng.choice([s for s in statuses if s != appointment.status])
        ledger.tenant.sql(
            "UPDATE appointments SET status = %s WHERE id = %s",
            (appointment.status, appointment.id),
        )
    today = NOW.astimezone(ledger.zone).date()
    day = date.fromisoformat
    periods = [
        (day("2025-03-01"), day("2025-03-31")),  # one whole month (clocks change in it)
        (day("2025-02-15"), day("2025-05-10")),  # days before and after two whole months
        (day("2025-01-01"), day("2025-12-31")),  # whole months only
        (day("2025-10-31"), day("2025-11-01")),  # across a month end, no whole month
        (day("2025-04-01"), day("2025-04-01")),  # a first of the month alone
        (day("2024-12-31"), day("2026-02-01")),  # a year's months with a day on each side
        (today.replace(day=1), today),  # this month so far: not whole
    ]
    for _ in range(4):
        first = today - timedelta(days=rng.randrange(0, 760))
        periods.append((first, first + timedelta(days=rng.randrange(0, 400))))
    forms = [
        ({}, {}),
        ({"status": "confirmed"}, {"status": "confirmed"}),
        ({"status": "no_show"}, {"status": "no_show"}),
        ({"resource_id": 2}, {"resource_id": 2}),
        ({"resource_id": "1,3"}, {"resource_id": [1, 3]}),
        ({"resource_id": 4, "status": "cancelled"}, {"resource_id": 4, "status": "cancelled"}),
        ({"service_id": 1}, {"service_id": 1}),
        ({"service_id": "1,2", "resource_id": 4}, {"service_id": [1, 2], "resource_id": 4}),
    ]
    for first, last in periods:
        for query, filters in forms:
            body = api(ledger.tenant, "heatmap", start=first, end=last, **query).get_json()
            expected = reference.heatmap(ledger, NOW, start=first, end=last, **filters)
            assert body == expected, (first, last, query)
    assert any(reference.heatmap(ledger, NOW, start=p[0], end=p[1])["total"] > 0 for p in periods)
    for query, filters in forms[:5]:
        body, now = reference.answered_at(
            ledger.zone,
            lambda query=query: api(ledger.tenant, "heatmap", days=365, **query).get_json(),
        )
        assert body == reference.heatmap(ledger, now, days=365, **filters)
        assert body["total"] > 0
