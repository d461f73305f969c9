"""GET /api/analytics/analytics/retention/ and /at-risk/ (SPEC Part 5) against
tests/reference.py and hand-counted cases: cohorts across a year boundary and a DST
change, first visits in the future, several visits on one date, even and odd gap counts,
the 1.5x and 3x edges exactly, a booking ahead, walk-ins, paging and ties, money null
without payments, random histories in three zones."""

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger


def salon(make_tenant, zone="UTC", plan="all"):
    ledger = Ledger(make_tenant(timezone=zone, plan=plan))
    ledger.service(1, "Cut", price=3000)
    ledger.resource(1, "Chair 1")
    return ledger


def call(ledger, function, **args):
    named = ", ".join(f"p_{k} => %({k})s" for k in args)
    text = ledger.tenant.scalar(f"SELECT CAST({function}({named}) AS text)", args)
    return json.loads(text) if text is not None else None


def visit(ledger, customer, day, hour=10, status="confirmed", **kw):
    return ledger.book(ledger.local(day, hour), status=status, customer=customer, **kw)


def test_cohorts_counted_by_hand_across_a_year_boundary_and_a_dst_change(make_tenant):
    ledger = salon(make_tenant, "Europe/Paris")
    for c in range(1, 8):
        ledger.customer(c)
    now = ledger.local(date(2026, 3, 15), 12)  # March; Paris springs forward on 29 March
    # November 2025: 1 and 2 new; 1 comes back in January and March, 2 never.
    visit(ledger, 1, date(2025, 11, 3))
    visit(ledger, 1, date(2026, 1, 9))
    visit(ledger, 1, date(2026, 3, 30), 9)  # after the DST change, still March; future
    visit(ledger, 2, date(2025, 11, 30), 23)  # 23:00 local is 22:00 UTC: still November
    # December: 3, twice on one date (one customer, one month), back in February.
    visit(ledger, 3, date(2025, 12, 31), 23, minutes=30)
    visit(ledger, 3, date(2025, 12, 31), 23, minutes=30)
    visit(ledger, 3, date(2026, 2, 1), 0)
    # March: 4 (first visit in the future, this month) and 5; 6 first comes in April.
    visit(ledger, 4, date(2026, 3, 25))
    visit(ledger, 5, date(2026, 3, 1), 0)
    visit(ledger, 6, date(2026, 4, 2))
    visit(ledger, 7, date(2025, 10, 31), 23, status="cancelled")  # not a visit
    ledger.book(ledger.local(date(2026, 1, 5), 10))  # a walk-in: no customer
    body = call(ledger, "retention_report", months=5, now=now)
    assert body == reference.retention(ledger, now, months=5)
    assert [c["month"] for c in body["cohorts"]] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    november, december, january, _, march = body["cohorts"]
    assert november["new_customers"] == 2
    assert november["retained"] == [2, 0, 1, 0, 1]
    assert november["retained_percent"] == [100.0, 0.0, 50.0, 0.0, 50.0]
    assert december["retained"] == [1, 0, 1, 0]
    assert january == {
        "month": "2026-01",
        "new_customers": 0,
        "retained": [0, 0, 0],
        "retained_percent": [0.0, 0.0, 0.0],
    }
    assert march["retained"] == [2]
    # k = 0: 5 of 5; k = 1: 0 of 3 (Nov, Dec, Jan cohorts... Feb has none); k = 4: 1 of 2.
    assert body["average_retained_percent"] == [100.0, 0.0, 66.67, 0.0, 50.0]
    assert body["window"] == {
        "start_date": "2025-11-01",
        "end_date": "2026-03-31",
        "time_zone": "Europe/Paris",
    }
    empty = call(salon(make_tenant), "retention_report", months=2, now=now)
    assert empty["average_retained_percent"] == [None, None]
    assert call(ledger, "retention_report", months=25, now=now) is None


def test_the_gap_edges_a_booking_ahead_and_the_median(make_tenant):
    ledger = salon(make_tenant)
    today = date(2026, 6, 30)
    now = ledger.local(today, 12)
    for c in range(1, 11):
        ledger.customer(c, channel=["Instagram ", None, "google"][c % 3])
    # 1: gaps 10, 10 (median 10); last visit 15 days ago: 15 = 1.5 x 10, not yet at risk.
    for d in (35, 25, 15):
        visit(ledger, 1, today - timedelta(days=d))
    # 2: the same with 16 days: at risk.  3: 30 days = 3 x 10: at risk; 4: 31: lapsed.
    for c, last in ((2, 16), (3, 30), (4, 31)):
        for d in (last + 20, last + 10, last):
            visit(ledger, c, today - timedelta(days=d))
    # 5: gaps 4, 10, 20, 30 (even count: median 15.00); 23 days since: at risk.
    for d in (87, 83, 73, 53, 23):
        visit(ledger, 5, today - timedelta(days=d))
    # 6: gaps 7 and 8 (median 7.50), 12 days since: 12 > 11.25: at risk; two visits on
    # one date count as one date, and as two visits.
    for d in (27, 27, 20, 12):
        visit(ledger, 6, today - timedelta(days=d))
    # 7: would be lapsed, but has a booking ahead (later today).
    for d in (100, 90):
        visit(ledger, 7, today - timedelta(days=d))
    visit(ledger, 7, today, 15)
    # 8: one past date only (plus a visit today, which is not before today): not considered.
    visit(ledger, 8, today - timedelta(days=40))
    visit(ledger, 8, today, 9)
    # 10: gaps 10 and 10 before today, 16 days since the one before today, and a visit
    # this morning (not a past one, nothing ahead): at risk on the days before today.
    for d in (36, 26, 16):
        visit(ledger, 10, today - timedelta(days=d))
    visit(ledger, 10, today, 9)
    # 9: lapsed, cancelled appointments are not visits; a no-show ahead is no booking.
    for d in (200, 190, 150):
        visit(ledger, 9, today - timedelta(days=d))
    visit(ledger, 9, today - timedelta(days=5), status="cancelled")
    visit(ledger, 9, today + timedelta(days=3), status="no_show")
    pay = {2: 5000, 3: 5000, 5: 7000, 4: 100}
    for c, cents in pay.items():
        first = next(a for a in ledger.appointments if a.customer_id == c)
        ledger.pay(first, cents, paid_at=first.end)
    for state in ("at_risk", "lapsed", "all"):
        body = call(ledger, "at_risk_report", state=state, now=now)
        assert body == reference.at_risk(ledger, now, state)
    body = call(ledger, "at_risk_report", now=now)
    # Lifetime value first (7000, then 5000 twice: the lower id first), then 6 and 10
    # with none.
    assert [e["customer_id"] for e in body["customers"]] == [5, 2, 3, 6, 10]
    assert [e["usual_gap_days"] for e in body["customers"]] == [15.0, 10.0, 10.0, 7.5, 10.0]
    assert body["customers"][3]["visits"] == 4
    assert body["customers"][4]["visits"] == 3
    assert body["customers"][4]["last_visit_date"] == str(today - timedelta(days=16))
    assert (body["total"], body["at_risk_count"], body["lapsed_count"]) == (5, 5, 2)
    lapsed = call(ledger, "at_risk_report", state="lapsed", now=now)["customers"]
    assert [e["customer_id"] for e in lapsed] == [4, 9]
    assert lapsed[0]["acquisition_channel"] == "unknown"
    assert lapsed[1]["acquisition_channel"] == "instagram"
    page = call(ledger, "at_risk_report", state="all", limit=2, offset=3, now=now)
    assert [e["customer_id"] for e in page["customers"]] == [4, 6]
    unpaid = call(ledger, "at_risk_report", state="all", now=now, revenue=False)
    assert unpaid == reference.at_risk(ledger, now, "all", with_revenue=False)
    assert [e["customer_id"] for e in unpaid["customers"]] == [2, 3, 4, 5, 6, 9, 10]
    # Folded, the same answers from the kept figures (the customers above were all
    # recounted from the change log until now).
    assert ledger.tenant.fold() > 0
    for state in ("at_risk", "lapsed", "all"):
        for revenue in (True, False):
            body = call(ledger, "at_risk_report", state=state, now=now, revenue=revenue)
            assert body == reference.at_risk(ledger, now, state, with_revenue=revenue)
    page = call(ledger, "at_risk_report", state="all", limit=2, offset=3, now=now)
    assert [e["customer_id"] for e in page["customers"]] == [4, 6]
    assert call(ledger, "at_risk_report", now=now)["customers"][4]["customer_id"] == 10


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Chatham", "Asia/Kolkata"])
def test_random_histories_match_the_reference(make_tenant, zone):
    ledger = salon(make_tenant, zone)
    rng = random.Random(zone)
    for c in range(1, 61):
        ledger.customer(c, channel=rng.choice([None, "google", " Referral", "instagram"]))
    base = datetime(2026, 11, 1, 8, 15, tzinfo=UTC)
    for c in range(1, 61):
        day = base - timedelta(days=rng.randint(0, 500))
        for _ in range(rng.randint(1, 9)):
            a = ledger.book(
                day + timedelta(minutes=rng.randint(0, 600)),
                status=rng.choice(("confirmed",) * 5 + ("cancelled", "no_show")),
                customer=c,
            )
            if rng.random() < 0.5:
                ledger.pay(a, rng.randint(1, 50) * 100, paid_at=a.end)
            day += timedelta(days=rng.choice((0, 1, 7, 14, 21, 30, 45, 90)))
    for _ in range(20):  # walk-ins
        ledger.book(base - timedelta(days=rng.randint(0, 300)))
    neighbour = salon(make_tenant, zone)
    neighbour.customer(1)
    visit(neighbour, 1, date(2026, 10, 1))
    for folded in ("no", "yes", "then changed"):
        if folded == "yes":
            assert ledger.tenant.fold() > 0
        if folded == "then changed":  # changes on top of folded figures, not folded yet
            for c in rng.sample(range(1, 61), 12):
                first = next(a for a in ledger.appointments if a.customer_id == c)
                first.status = "cancelled" if first.status == "confirmed" else "confirmed"
                ledger.tenant.sql(
                    "UPDATE appointments SET status = %s WHERE id = %s", (first.status, first.id)
                )
                visit(ledger, c, (base - timedelta(days=rng.randint(-30, 400))).date())
        for shift in (0, 9, 40):
            now = base + timedelta(days=shift, hours=shift)
            for months in (1, 12, 24):
                body = call(ledger, "retention_report", months=months, now=now)
                assert body == reference.retention(ledger, now, months), (months, now)
            for state in ("at_risk", "lapsed", "all"):
                for limit, offset in ((100, 0), (3, 2), (500, 100)):
                    body = call(
                        ledger, "at_risk_report", state=state, limit=limit, offset=offset, now=now
                    )
                    assert body == reference.at_risk(ledger, now, state, limit, offset)


def test_the_api_answers_with_its_rules(api, make_tenant):
    ledger = salon(make_tenant, "America/New_York")
    now = datetime.now(UTC)
    today = now.astimezone(ledger.zone).date()
    ledger.customer(1, name="Ada", channel="Instagram")
    for d in (90, 70, 40):  # gaps 20 and 30: 40 days since > 1.5 x 25
        visit(ledger, 1, today - timedelta(days=d))
    body, at = reference.answered_at(
        ledger.zone, lambda: api(ledger.tenant, "retention", months=3).get_json()
    )
    assert body == reference.retention(ledger, at, 3)
    risky, at = reference.answered_at(
        ledger.zone, lambda: api(ledger.tenant, "at-risk", state="all").get_json()
    )
    assert risky == reference.at_risk(ledger, at, "all")
    assert risky["customers"][0]["name"] == "Ada"
    bad = api(ledger.tenant, "at-risk", state="gone", limit=0, offset=-1).get_json()
    assert bad == {
        "errors": {
            "state": ["Must be one of: at_risk, lapsed, all."],
            "limit": ["Must be between 1 and 500."],
            "offset": ["Must be between 0 and 100000."],
        }
    }
    assert api(ledger.tenant, "retention", months=25).get_json() == {
        "errors": {"months": ["Must be between 1 and 24."]}
    }
    rows = list(
        csv.DictReader(io.StringIO(api(ledger.tenant, "retention", months=3, format="csv").text))
    )
    assert len(rows) == 3 + 2 + 1 and set(rows[0]) == {
        "month",
        "k",
        "new_customers",
        "retained",
        "retained_percent",
    }
    every = api(ledger.tenant, "at-risk", state="all", limit=1, format="csv").text.splitlines()
    assert len(every) == 1 + risky["total"]  # unpaged
    assert every[0].startswith("customer_id,name,email,state,visits,")
    nobody = salon(make_tenant)
    empty = api(nobody.tenant, "at-risk", format="csv").text.splitlines()
    assert empty == [every[0]]
    assert api(nobody.tenant, "at-risk", format="xlsx").status_code == 200
    locked = salon(make_tenant, plan="none")
    assert api(locked.tenant, "retention").status_code == 403
    assert api(locked.tenant, "at-risk").status_code == 403
