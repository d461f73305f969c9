"""Channels (by_source, new_customers_by_channel) and lifetime value / revenue per visit
(SPEC Part 4) against tests/reference.py and hand-counted literals: mixed case and
spaces, NULL and blank, payments outside the period, refunds, a cancellation fee, a
DST month, a leap-year February, multi-value filters, another tenant next door, and
random data with changes in two time zones."""

import random
import re
from datetime import UTC, date, datetime, timedelta

from analytics_app.db import rollups
from tests import reference
from tests.reference import Ledger

GRAIN = {r.table: r.grain for r in rollups.ROLLUPS}  # a rollup's rows in its folded table

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def shop(make_tenant, zone="America/New_York", plan="all"):
    ledger = Ledger(make_tenant(timezone=zone, plan=plan))
    for i, name in enumerate(("Cut", "Color", "Nails"), 1):
        ledger.service(i, name, price=1000 * i)
    ledger.resource(1, "Chair 1")
    ledger.resource(2, "Chair 2")
    return ledger


def test_values_are_stored_trimmed_and_lower_cased_by_the_database(make_tenant):
    ledger = shop(make_tenant)
    ledger.customer(1, channel="  Instagram\t")
    ledger.customer(2, channel="")
    ledger.customer(3)
    a = ledger.book(ledger.local(date(2026, 11, 2), 9), source=" Walk_In \n")
    ledger.book(ledger.local(date(2026, 11, 2), 10), source="   ")
    tenant = ledger.tenant
    assert tenant.sql("SELECT id, acquisition_channel FROM customers ORDER BY id") == [
        (1, "instagram"),
        (2, ""),
        (3, None),
    ]
    assert tenant.sql("SELECT source FROM appointments ORDER BY id") == [("walk_in",), ("",)]
    # An UPDATE (plain SQL, as a DBA or another service would write) gets the same rule.
    tenant.sql("UPDATE appointments SET source = 'PHONE ' WHERE id = %s", (a.id,))
    tenant.sql("UPDATE customers SET acquisition_channel = ' Google' WHERE id = 3")
    assert tenant.scalar("SELECT source FROM appointments WHERE id = %s", (a.id,)) == "phone"
    assert tenant.scalar("SELECT acquisition_channel FROM customers WHERE id = 3") == "google"


def test_by_source_counts_after_the_filters_with_unknown_for_null_and_blank(api, make_tenant):
    ledger = shop(make_tenant)
    day = date(2026, 11, 10)
    for hour, source, status, service, resource in [
        (9, "Online", "confirmed", 1, 1),
        (10, " online", "confirmed", 2, 1),
        (11, "ONLINE ", "cancelled", 1, 2),
        (12, "phone", "confirmed", 1, 1),
        (13, "Phone", "no_show", 3, 2),
        (14, None, "confirmed", 2, 2),
        (15, "", "confirmed", 1, 1),
        (16, " \t", "cancelled", 1, 1),
        (17, "Unknown", "confirmed", 3, 1),  # written as "unknown": the same row
        (18, "walk_in", "confirmed", 2, 1),
        (19, "Walk In", "confirmed", 2, 1),  # inner spaces stay: its own source
    ]:
        ledger.book(
            ledger.local(day, hour),
            status=status,
            service=service,
            resource=resource,
            source=source,
        )
    # Outside the period, and another tenant's rows next door: not counted.
    ledger.book(ledger.local(date(2026, 10, 1), 9), source="online")
    shop(make_tenant).book(ledger.local(day, 9), source="online")

    body = api(ledger.tenant, "appointments", start="2026-11-01", end="2026-11-20").get_json()
    assert body["by_source"] == [
        {"source": "unknown", "count": 4},
        {"source": "online", "count": 3},
        {"source": "phone", "count": 2},
        {"source": "walk in", "count": 1},  # ties: by source, byte order
        {"source": "walk_in", "count": 1},
    ]
    period = {"start": "2026-11-01", "end": "2026-11-20"}
    for query in (
        {"status": "confirmed"},
        {"status": "cancelled"},
        {"service_id": "1,3"},
        {"resource_id": "2"},
        {"service_id": "2", "resource_id": "1"},
        {"service_id": "9"},  # matches nothing: []
        {"service_id": "1,9", "status": "no_show"},
    ):
        got = api(ledger.tenant, "appointments", **period, **query).get_json()["by_source"]
        expected = reference.appointments(
            ledger,
            NOW,
            start=date(2026, 11, 1),
            end=date(2026, 11, 20),
            status=query.get("status"),
            service_id=[int(i) for i in query["service_id"].split(",")]
            if "service_id" in query
            else None,
            resource_id=[int(query["resource_id"])] if "resource_id" in query else None,
        )["by_source"]
        assert got == expected, query
    cancelled = api(ledger.tenant, "appointments", **period, status="cancelled").get_json()
    assert cancelled["by_source"] == [
        {"source": "online", "count": 1},
        {"source": "unknown", "count": 1},
    ]
    assert (
        api(ledger.tenant, "appointments", **period, service_id="9").get_json()["by_source"] == []
    )


def _long_text(rng, length):
    """Printable text that pglz cannot shrink below a B-tree entry's 2,704 bytes."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length))


def _ranked(counts, key):
    """Rows of {key, count} as the reports order them: most first, ties in byte order
    (docs/decisions.md), whatever letters the random texts begin with."""
    rows = [{key: text, "count": n} for text, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["count"], r[key].encode()))


def test_a_source_or_channel_of_any_length_is_counted_and_folded(api, make_tenant, runner):
    # The booking system may write free text of any length; a rollup keyed by the text
    # itself failed to fold it (an index entry holds 2,704 bytes) and kept every later
    # change of the tenant waiting (migration t0021).
    rng = random.Random(25)
    ledger = shop(make_tenant)
    long_a = _long_text(rng, 6000)
    long_b = long_a[:5999] + ("x" if long_a[-1] != "x" else "y")  # differs in its last letter
    channel = _long_text(rng, 9000)
    ledger.customer(1, channel=channel.upper())  # stored lower-cased, as every channel
    ledger.customer(2, channel="instagram")
    day = date(2026, 11, 10)
    for hour, source, customer in [(9, long_a, 1), (10, long_b, 2), (11, long_a, None)]:
        ledger.book(ledger.local(day, hour), source=source, customer=customer)
    ledger.book(ledger.local(day, 12), source="phone", status="cancelled")
    period = {"start": "2026-11-01", "end": "2026-11-20"}
    expected_sources = _ranked({long_a: 2, "phone": 1, long_b: 1}, "source")
    expected_channels = _ranked({channel: 1, "instagram": 1}, "channel")

    def check():
        appointments = api(ledger.tenant, "appointments", **period).get_json()
        assert appointments["by_source"] == expected_sources
        customers = api(ledger.tenant, "customers", **period).get_json()
        assert customers["new_customers_by_channel"] == expected_channels
        assert customers == reference.customers(
            ledger, NOW, start=date(2026, 11, 1), end=date(2026, 11, 20)
        )

    check()  # from the log, before any fold
    assert ledger.tenant.fold() > 0
    assert ledger.tenant.scalar("SELECT changes FROM rollup_backlog()") == 0
    check()
    assert ledger.tenant.sql(
        "SELECT length(source), appointments FROM appointment_rollup_folded"
        f" WHERE grain = {GRAIN['appointment_rollup_day_status_source']} ORDER BY 2 DESC, 1"
    ) == [(6000, 2), (5, 1), (6000, 1)]
    assert (
        ledger.tenant.scalar(
            "SELECT length(channel) FROM customer_link_rollup_folded"
            f" WHERE grain = {GRAIN['customer_new_channel_daily']} AND channel <> 'instagram'"
        )
        == 9000
    )
    # Moved to another source and folded again: the long key's row goes to zero.
    ledger.tenant.sql("UPDATE appointments SET source = 'online' WHERE source = %s", (long_b,))
    expected_sources = _ranked({long_a: 2, "online": 1, "phone": 1}, "source")
    assert ledger.tenant.fold() == 2
    check()
    assert [r for r in ledger.tenant.sql("SELECT * FROM verify_rollups()") if r[2]] == []
    # Damaged by hand, repaired (an upsert onto the hashed key, and an insert), rebuilt.
    ledger.tenant.sql(
        "UPDATE appointment_rollup_folded SET appointments = 7"
        f" WHERE grain = {GRAIN['appointment_rollup_day_status_source']} AND source = %s",
        (long_a,),
    )
    ledger.tenant.sql(
        "DELETE FROM customer_link_rollup_folded"
        f" WHERE grain = {GRAIN['customer_new_channel_daily']} AND channel = %s",
        (channel,),
    )
    schema = ledger.tenant.schema
    result = runner.invoke(args=["analytics", "verify", "--tenant", schema, "--repair"])
    assert result.exit_code == 0, result.output
    assert "appointment_rollup_day_status_source\t1 keys repaired" in result.output
    assert "customer_new_channel_daily\t1 keys repaired" in result.output
    check()
    result = runner.invoke(args=["analytics", "rebuild", "--tenant", schema])
    assert result.exit_code == 0, result.output
    check()
    assert [r for r in ledger.tenant.sql("SELECT * FROM verify_rollups()") if r[2]] == []


def test_new_customers_by_channel_counts_only_the_periods_new_customers(api, make_tenant):
    ledger = shop(make_tenant, zone="Europe/London")
    channels = {1: "Instagram", 2: " instagram ", 3: "REFERRAL", 4: None, 5: "", 6: "google"}
    for customer, channel in channels.items():
        ledger.customer(customer, channel=channel)
    period = (date(2026, 3, 1), date(2026, 3, 31))  # London's clocks go forward on March 29
    ledger.book(ledger.local(date(2026, 3, 2), 9), customer=1)
    ledger.book(ledger.local(date(2026, 3, 29), 2, 30), customer=2)  # 02:30 BST, the short day
    ledger.book(ledger.local(date(2026, 3, 31), 23, 59), customer=3)
    ledger.book(ledger.local(date(2026, 3, 12), 9), customer=4)
    ledger.book(ledger.local(date(2026, 3, 13), 9), customer=5)
    # 6 came in February (not new in March) and again in March: returning, not counted.
    ledger.book(ledger.local(date(2026, 2, 27), 9), customer=6)
    ledger.book(ledger.local(date(2026, 3, 5), 9), customer=6)
    # A cancellation is not a visit: customer 7 is nobody's new customer.
    ledger.customer(7, channel="tiktok")
    ledger.book(ledger.local(date(2026, 3, 6), 9), customer=7, status="cancelled")
    # April 1 00:00 local is outside; 3 has a later visit, still new in March.
    ledger.book(ledger.local(date(2026, 4, 1), 0), customer=3)

    body = api(ledger.tenant, "customers", start="2026-03-01", end="2026-03-31").get_json()
    assert body["new_customers"] == 5
    assert body["new_customers_by_channel"] == [
        {"channel": "instagram", "count": 2},
        {"channel": "unknown", "count": 2},
        {"channel": "referral", "count": 1},
    ]
    assert body == reference.customers(ledger, NOW, start=period[0], end=period[1])
    # Changing a customer's channel later moves them (read at report time).
    ledger.tenant.sql("UPDATE customers SET acquisition_channel = 'Referral ' WHERE id = 1")
    ledger.channels[1] = "Referral "
    body = api(ledger.tenant, "customers", start="2026-03-01", end="2026-03-31").get_json()
    assert body["new_customers_by_channel"] == [
        {"channel": "referral", "count": 2},
        {"channel": "unknown", "count": 2},
        {"channel": "instagram", "count": 1},
    ]


def test_lifetime_value_and_revenue_per_visit_by_hand(api, make_tenant):
    ledger = shop(make_tenant)
    for customer in (1, 2, 3, 4):
        ledger.customer(customer)
    feb = date(2028, 2, 1)  # a leap-year February
    # Customer 1: a visit in the period, paid 4,000 in it; an older visit paid 3,000 last
    # year (outside the period, still lifetime value); a refunded 9,999 (not counted).
    v1 = ledger.book(ledger.local(date(2028, 2, 29), 23, 30), customer=1)
    ledger.pay(v1, 4000, paid_at=ledger.local(date(2028, 2, 29), 23, 45))
    old = ledger.book(ledger.local(date(2027, 5, 3), 10), customer=1)
    ledger.pay(old, 3000, paid_at=ledger.local(date(2027, 5, 3), 11))
    ledger.pay(old, 9999, status="refunded", paid_at=ledger.local(date(2027, 5, 4), 11))
    # Customer 2: a visit in the period, a cancellation fee of 501 (any status counts
    # for lifetime value, not for revenue per visit), a pending 7,000 (not counted).
    ledger.book(ledger.local(date(2028, 2, 10), 9), customer=2)
    fee = ledger.book(ledger.local(date(2028, 2, 11), 9), customer=2, status="cancelled")
    ledger.pay(fee, 501, paid_at=ledger.local(date(2028, 2, 11), 9))
    ledger.pay(fee, 7000, status="pending", paid_at=None)
    # Customer 3: a visit in the period, no payment: counts as 0 in the mean.
    ledger.book(ledger.local(date(2028, 2, 1), 0), customer=3)
    # Customer 4: visited only in March; paid in February for that future visit: part
    # of February's revenue per visit (a visit on any date), not of its lifetime value.
    march = ledger.book(ledger.local(date(2028, 3, 1), 0), customer=4)
    ledger.pay(march, 2002, paid_at=ledger.local(date(2028, 2, 28), 12))
    # A walk-in's payment (no customer: not a visit) and a succeeded payment without
    # paid_at (no period) for customer 3's visit in the period.
    walk_in = ledger.book(ledger.local(date(2028, 2, 15), 9))
    ledger.pay(walk_in, 5000, paid_at=ledger.local(date(2028, 2, 15), 9))
    v3 = next(a for a in ledger.appointments if a.customer_id == 3)
    ledger.pay(v3, 100, paid_at=None)

    body = api(ledger.tenant, "customers", start="2028-02-01", end="2028-02-29").get_json()
    assert body["customers"] == 3 and body["visits"] == 3
    # (4,000 + 3,000) + 501 + 100 (no paid_at: all time) = 7,601 over 3 = 2,533.67 -> 2,534
    assert body["average_lifetime_value_cents"] == 2534
    # paid in February for visits: 4,000 (v1) + 2,002 (March's visit) = 6,002 over 3 visits
    # = 2,000.67 -> 2,001
    assert body["revenue_per_visit_cents"] == 2001
    assert body == reference.customers(
        ledger, NOW, start=feb, end=date(2028, 2, 29)
    )  # the Python reference agrees
    # March 1: customer 4 alone, whose lifetime value is the 2,002 paid in February.
    half = api(ledger.tenant, "customers", start="2028-03-01", end="2028-03-01").get_json()
    assert half["customers"] == 1 and half["average_lifetime_value_cents"] == 2002
    assert half["revenue_per_visit_cents"] == 0  # nothing paid on March 1
    # An empty period: 0, not null.
    empty = api(ledger.tenant, "customers", start="2027-01-01", end="2027-01-31").get_json()
    assert empty["average_lifetime_value_cents"] == 0 and empty["revenue_per_visit_cents"] == 0


def test_rounding_half_up_and_null_without_payments(api, make_tenant):
    ledger = shop(make_tenant, zone="Asia/Kolkata")
    ledger.customer(1)
    ledger.customer(2)
    a = ledger.book(ledger.local(date(2026, 11, 3), 10), customer=1)
    b = ledger.book(ledger.local(date(2026, 11, 4), 10), customer=2)
    ledger.pay(a, 1000, paid_at=ledger.local(date(2026, 11, 3), 11))
    ledger.pay(b, 1, paid_at=ledger.local(date(2026, 11, 4), 11))
    body = api(ledger.tenant, "customers", start="2026-11-01", end="2026-11-10").get_json()
    assert body["average_lifetime_value_cents"] == 501  # 1,001 / 2 = 500.5 -> 501
    assert body["revenue_per_visit_cents"] == 501

    unpaid = shop(make_tenant, plan="analytics only")
    unpaid.customer(1)
    c = unpaid.book(unpaid.local(date(2026, 11, 3), 10), customer=1)
    unpaid.pay(c, 1000, paid_at=unpaid.local(date(2026, 11, 3), 11))
    body = api(unpaid.tenant, "customers", start="2026-11-01", end="2026-11-10").get_json()
    assert body["customers"] == 1
    assert body["average_lifetime_value_cents"] is None
    assert body["revenue_per_visit_cents"] is None
    assert body == reference.customers(
        unpaid, NOW, start=date(2026, 11, 1), end=date(2026, 11, 10), with_revenue=False
    )


def _random_history(ledger, rng, count):
    sources = [None, "", " Online", "online", "PHONE", "walk_in", "Instagram "]
    channels = [None, "", "Instagram", " referral", "GOOGLE", "google "]
    for customer in range(1, 31):
        ledger.customer(customer, channel=rng.choice(channels))
    base = datetime(2026, 6, 1, tzinfo=UTC)
    for _ in range(count):
        start = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
        a = ledger.book(
            start,
            status=rng.choice(["confirmed", "confirmed", "cancelled", "no_show"]),
            service=rng.randint(1, 3),
            resource=rng.randint(1, 2),
            customer=rng.choice([None, *range(1, 31)]),
            source=rng.choice(sources),
        )
        if rng.random() < 0.7:
            ledger.pay(
                a,
                rng.randrange(0, 9000),
                status=rng.choice(["succeeded", "succeeded", "refunded", "pending"]),
                paid_at=rng.choice([None, start + timedelta(hours=rng.randint(-400, 400))]),
            )


def test_random_history_with_changes_in_two_time_zones(api, make_tenant):
    rng = random.Random(19)
    for zone in ("Asia/Kolkata", "America/New_York"):
        ledger = shop(make_tenant, zone=zone)
        _random_history(ledger, rng, 250)
        # Changes after the fact: status, customer and source moves, payments refunded or
        # re-amounted, channels renamed (the rollups follow).
        for p in rng.sample(ledger.payments, 20):
            p.status = rng.choice(["succeeded", "refunded"])
            p.amount_cents += 7
            ledger.tenant.sql(
                "UPDATE payments SET status = %s, amount_cents = %s"
                " WHERE appointment_id = %s AND paid_at IS NOT DISTINCT FROM %s",
                (p.status, p.amount_cents, p.appointment.id, p.paid_at),
            )
        for customer in rng.sample(range(1, 31), 6):
            ledger.channels[customer] = rng.choice([" TikTok", None, "referral"])
            ledger.tenant.sql(
                "UPDATE customers SET acquisition_channel = %s WHERE id = %s",
                (ledger.channels[customer], customer),
            )
        for a in rng.sample(ledger.appointments, 40):
            a.status = rng.choice(["confirmed", "cancelled", "no_show"])
            a.customer_id = rng.choice([None, *range(1, 31)])
            a.source = rng.choice([None, "Phone", " ONLINE "])
            ledger.tenant.sql(
                "UPDATE appointments SET status = %s, customer_id = %s, source = %s WHERE id = %s",
                (a.status, a.customer_id, a.source, a.id),
            )
        periods = [
            (date(2026, 6, 1), date(2026, 12, 31)),
            (date(2026, 7, 1), date(2026, 7, 31)),
            (date(2026, 11, 1), date(2026, 11, 30)),  # New York's clocks go back on Nov 1
            (date(2026, 9, 15), date(2026, 9, 15)),
        ]
        for start, end in periods:
            span = {"start": start.isoformat(), "end": end.isoformat()}
            assert api(ledger.tenant, "customers", **span).get_json() == reference.customers(
                ledger, NOW, start=start, end=end
            ), (zone, start)
            for query in ({}, {"status": "confirmed"}, {"service_id": "1,3", "resource_id": "2"}):
                got = api(ledger.tenant, "appointments", **span, **query).get_json()
                assert got == reference.appointments(
                    ledger,
                    NOW,
                    start=start,
                    end=end,
                    status=query.get("status"),
                    service_id=[1, 3] if "service_id" in query else None,
                    resource_id=[2] if "resource_id" in query else None,
                ), (zone, start, query)
        assert set(bad for _, _, bad in ledger.tenant.sql("SELECT * FROM verify_rollups()")) == {0}


def test_the_dashboard_shows_sources_channels_and_value(api, browser, runner, make_tenant):
    ledger = shop(make_tenant)
    ledger.customer(1, channel="Google ")
    ledger.customer(2, channel="google")
    for day, customer, source, cents in [
        (3, 1, "Online", 1000),
        (4, 2, "phone", 2001),
        (5, None, None, 0),
    ]:
        a = ledger.book(ledger.local(date(2026, 11, day), 10), customer=customer, source=source)
        if cents:
            ledger.pay(a, cents, paid_at=a.end)
    email, password = "owner@shop.example", "correct horse battery"
    result = runner.invoke(
        args=["users", "create", "--tenant", ledger.tenant.schema, "--email", email]
        + ["--password", password]
    )
    assert result.exit_code == 0, result.output
    owner = browser(ledger.tenant)
    owner.login(email, password)
    page = owner.get("/?start=2026-11-01&end=2026-11-07").get_data(as_text=True)
    body = api(ledger.tenant, "customers", start="2026-11-01", end="2026-11-07").get_json()
    assert body["average_lifetime_value_cents"] == 1501  # 3,001 / 2, half up
    assert '<dd data-metric="average_lifetime_value_cents">$15.01</dd>' in page
    assert '<dd data-metric="revenue_per_visit_cents">$15.01</dd>' in page
    sources = re.search(r'<table class="sources">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">(\d+)</td></tr>", sources) == [
        ("online", "1"),
        ("phone", "1"),
        ("unknown", "1"),
    ]
    channels = re.search(r'<table class="channels">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">(\d+)</td></tr>", channels) == [
        ("google", "2")
    ]
