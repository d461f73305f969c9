"""GET /api/analytics/analytics/revenue/: succeeded payments by local day of paid_at."""

import random
from datetime import UTC, datetime, timedelta

from tests import reference
from tests.reference import Ledger


def till(make_tenant, timezone="America/New_York"):
    ledger = Ledger(make_tenant(timezone=timezone))
    ledger.service(1, "Haircut")
    ledger.service(2, "Color")
    ledger.service(3, "Trim")
    ledger.resource(1, "Chair")
    return ledger


def test_empty_tenant(api, make_tenant):
    tenant = make_tenant()
    body = api(tenant, "revenue", days=2).get_json()
    today = datetime.now(UTC).date()
    assert body == {
        "total_revenue_cents": 0,
        "transaction_count": 0,
        "average_transaction_value_cents": 0,
        "by_service": [],
        "by_resource": [],
        "daily_breakdown": [
            {
                "date": (today - timedelta(days=1)).isoformat(),
                "revenue_cents": 0,
                "transaction_count": 0,
            },
            {"date": today.isoformat(), "revenue_cents": 0, "transaction_count": 0},
        ],
        "revenue_trend_percent": None,
        "refunded_cents": 0,
        "period_days": 2,
        "window": {
            "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": today.isoformat(),
            "previous_start_date": (today - timedelta(days=3)).isoformat(),
            "previous_end_date": (today - timedelta(days=2)).isoformat(),
            "time_zone": "UTC",
        },
        "currency": "USD",  # the default
    }


def test_only_succeeded_payments_by_local_paid_day(api, make_tenant):
    ledger = till(make_tenant)
    today = datetime.now(ledger.zone).date()
    day = today - timedelta(days=3)
    old = ledger.book(ledger.local(today - timedelta(days=40), 10), service=1)
    cut = ledger.book(ledger.local(day, 10), service=1)
    color = ledger.book(ledger.local(day, 11), service=2, status="cancelled")
    trim = ledger.book(ledger.local(day, 12), service=3)
    # Paid in the period for an appointment long before it: counts, on its paid day.
    ledger.pay(old, 1000, paid_at=ledger.local(day, 0, 0, 0))
    ledger.pay(cut, 1001, paid_at=ledger.local(day, 23, 59, 59))
    ledger.pay(color, 2001, paid_at=ledger.local(day + timedelta(days=1), 9))
    ledger.pay(trim, 500, status="pending", paid_at=ledger.local(day, 13))
    ledger.pay(trim, 501, status="failed", paid_at=ledger.local(day, 13))
    ledger.pay(trim, 502, status="refunded", paid_at=ledger.local(day, 13))
    ledger.pay(trim, 503, status="succeeded", paid_at=None)
    ledger.pay(cut, 9999, paid_at=ledger.local(day - timedelta(days=30), 9))  # before the period
    neighbour = till(make_tenant, "UTC")
    nb = neighbour.book(ledger.local(day, 10))
    neighbour.pay(nb, 77777, paid_at=ledger.local(day, 10))

    body = api(ledger.tenant, "revenue", days=7).get_json()
    assert body["total_revenue_cents"] == 4002
    assert body["transaction_count"] == 3
    assert body["average_transaction_value_cents"] == 1334  # 1334.0
    assert body["by_service"] == [
        {"service_id": 1, "service_name": "Haircut", "revenue_cents": 2001, "count": 2},
        {"service_id": 2, "service_name": "Color", "revenue_cents": 2001, "count": 1},
    ]
    daily = {
        d["date"]: (d["revenue_cents"], d["transaction_count"]) for d in body["daily_breakdown"]
    }
    assert len(daily) == 7
    assert daily[day.isoformat()] == (2001, 2)
    assert daily[(day + timedelta(days=1)).isoformat()] == (2001, 1)
    assert sum(v[0] for v in daily.values()) == 4002
    assert body == reference.revenue(ledger, datetime.now(UTC), 7)

    only_color = api(ledger.tenant, "revenue", days=7, service_id=2).get_json()
    assert (only_color["total_revenue_cents"], only_color["transaction_count"]) == (2001, 1)
    assert api(ledger.tenant, "revenue", days=7, service_id=3).get_json()["transaction_count"] == 0
    assert api(ledger.tenant, "revenue", days=60).get_json()["total_revenue_cents"] == 4002 + 9999


def test_average_rounds_half_up(api, make_tenant):
    ledger = till(make_tenant, "UTC")
    a = ledger.book(datetime.now(UTC) - timedelta(days=1))
    ledger.pay(a, 1, paid_at=datetime.now(UTC) - timedelta(hours=20))
    ledger.pay(a, 2, paid_at=datetime.now(UTC) - timedelta(hours=20))
    assert api(ledger.tenant, "revenue").get_json()["average_transaction_value_cents"] == 2  # 1.5
    ledger.pay(a, 2, paid_at=datetime.now(UTC) - timedelta(hours=20))
    assert api(ledger.tenant, "revenue").get_json()["average_transaction_value_cents"] == 2  # 1.67
    ledger.pay(a, 0, paid_at=datetime.now(UTC) - timedelta(hours=20))
    assert api(ledger.tenant, "revenue").get_json()["average_transaction_value_cents"] == 1  # 1.25


def test_random_history_matches_the_reference(api, make_tenant):
    rng = random.Random(99)
    ledger = till(make_tenant, "Pacific/Auckland")
    now = datetime.now(UTC)
    for _ in range(150):
        start = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 400))
        a = ledger.book(start, service=rng.randint(1, 3))
        for _ in range(rng.choice([0, 1, 1, 2])):
            ledger.pay(
                a,
                rng.randrange(0, 20000),
                status=rng.choices(["succeeded", "pending", "failed", "refunded"], [80, 8, 6, 6])[
                    0
                ],
                paid_at=start + timedelta(minutes=rng.randrange(0, 60 * 24 * 3)),
            )
    for days, service_id in [(1, None), (30, None), (90, 2), (365, None), (3650, 1)]:
        assert api(
            ledger.tenant, "revenue", days=days, service_id=service_id
        ).get_json() == reference.revenue(ledger, now, days, service_id)
