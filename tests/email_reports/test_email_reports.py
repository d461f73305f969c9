"""Email reports (issue 14, SPEC Part 3) through `flask reports send` and a real SMTP
server (aiosmtpd) in-process: due times in each tenant's zone, once per user across
reruns, concurrent senders and failures, figures equal to the API's, unsubscribe links."""

import base64
import json
import re
import subprocess
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from analytics_app.email_reports import schedule, transport
from analytics_app.extensions import db
from analytics_app.tenants import accounts, tenant_admin
from tests.local import Inbox, free_port
from tests.reference import WEEKDAYS, Ledger

LONG_AGO = "2026-01-01T00:00:00Z"


def send(runner, now, *schemas, dry_run=False):
    args = ["reports", "send", "--now", now]
    for schema in schemas:
        args += ["--tenant", schema]
    if dry_run:
        args.append("--dry-run")
    return runner.invoke(args=args)


def add_user(app, tenant, email, frequency=None, created=LONG_AGO):
    """A user (the tenant's first is its owner: weekly), created at `created`."""
    with app.app_context():
        t = tenant_admin.get_tenant(tenant.schema)
        user, _ = accounts.create_user(t, email, "pw-123456")
        if frequency is not None:
            accounts.set_report_frequency(t, email, frequency)
        db.session.commit()
        user_id = user.id
    tenant.sql("UPDATE public.users SET created_at = %s WHERE id = %s", (created, user_id))
    return user_id


def report_frequency(tenant, address):
    return tenant.scalar(
        "SELECT report_frequency FROM public.users WHERE tenant_id = %s AND email = %s",
        (tenant.id, address),
    )


def deliveries(tenant):
    return tenant.sql(
        "SELECT u.email, d.frequency, d.period_start, d.status, d.attempts, d.last_error"
        " FROM public.report_deliveries d JOIN public.users u ON u.id = d.user_id"
        " WHERE u.tenant_id = %s ORDER BY u.email, d.period_start",
        (tenant.id,),
    )


class Figures(HTMLParser):
    """The text of every element with a data-figure attribute in the HTML part."""

    def __init__(self, html):
        super().__init__()
        self.found, self.open = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("data-figure")
        self.open.append(name)
        if name:
            self.found[name] = ""
        for figure in self.open:  # cells and rows are separate words
            if figure:
                self.found[figure] += " "

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for name in self.open:
            if name:
                self.found[name] += data


def html_figures(message):
    html = message.get_body(("html",)).get_content()
    return {k: " ".join(v.split()) for k, v in Figures(html).found.items()}


def count(text):
    return int(text.replace(",", ""))


def percent(text):
    return None if text == "–" else float(text.rstrip("%"))


def cents(text):
    return int(Decimal(text.replace(",", "").replace("$", "")) * 100)


def expected_busiest_day(body):
    best = None
    for d in body["daily_breakdown"]:
        if d["count"] and (best is None or d["count"] > best["count"]):
            best = d
    day = date.fromisoformat(best["date"])
    # en_US (the test tenants' locale), as CLDR writes it: "Thu, Mar 5".
    return f"{WEEKDAYS[(day.weekday() + 1) % 7][:3]}, {day:%b} {day.day} ({best['count']})"


def clock(hour):
    """en_US short time: "2:00 PM" (a narrow no-break space before PM)."""
    return f"{hour % 12 or 12}:00\u202f{'AM' if hour < 12 else 'PM'}"


def expected_busiest_hour(heatmap):
    per_hour = [sum(row[h] for row in heatmap["counts"]) for h in range(24)]
    hour = per_hour.index(max(per_hour))
    return f"{clock(hour)} – {clock((hour + 1) % 24)} ({per_hour[hour]})"


def dst_week_salon(make_tenant):
    """New York, the week 2026-03-02..08 (Sunday the 8th has 23 hours) and around it."""
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    ledger.service(1, "Cut", price=3500)
    ledger.service(2, "Color", price=8000)
    ledger.service(3, "Nails", price=None)
    ledger.resource(1, "Chair 1")
    for customer in range(1, 6):
        ledger.customer(customer)
    day = date.fromisoformat
    local = ledger.local
    a = ledger.book(local(day("2026-03-02")), customer=1)  # the first local midnight
    b = ledger.book(local(day("2026-03-08"), 1, 30), service=2, customer=2)
    ledger.book(local(day("2026-03-08"), 3, 30), service=2, status="no_show", customer=3)
    ledger.book(local(day("2026-03-08"), 23, 59), status="cancelled", customer=4)
    e = ledger.book(local(day("2026-03-05"), 10), service=2, customer=3)
    f = ledger.book(local(day("2026-03-05"), 10, 30), customer=5)
    ledger.book(local(day("2026-03-05"), 11), service=3, status="cancelled", customer=1)
    ledger.book(local(day("2026-03-05"), 10, 15), service=3)  # a walk-in
    # Outside the week: the next local midnight, the minute before, earlier visits.
    ledger.book(local(day("2026-03-09")), customer=2)
    j = ledger.book(local(day("2026-03-01"), 23, 59), customer=1)
    ledger.book(local(day("2026-02-10"), 10), customer=1)
    ledger.book(local(day("2026-02-25"), 12), service=2, customer=4)
    ledger.pay(a, 3500, paid_at=local(day("2026-03-02"), 9))
    ledger.pay(e, 8000, paid_at=local(day("2026-03-08"), 23, 30))
    ledger.pay(f, 3500, paid_at=local(day("2026-03-09"), 0, 30))  # next week
    ledger.pay(j, 3500, paid_at=local(day("2026-03-01"), 23, 59, 30))  # week before
    ledger.pay(b, 8000, status="refunded", paid_at=local(day("2026-03-08"), 2))
    return ledger


# 2026-03-09 08:00 in New York (EDT since the 8th) is 12:00 UTC.
DST_WEEK_DUE = "2026-03-09T12:00:00Z"


def test_the_dst_week_report_goes_out_once_with_the_apis_figures(
    app, runner, api, smtp, make_tenant
):
    ledger = dst_week_salon(make_tenant)
    tenant = ledger.tenant
    add_user(app, tenant, "owner@salon.example")  # the first user: weekly
    add_user(app, tenant, "staff@salon.example")  # later users: off
    add_user(app, tenant, "books@salon.example", "monthly")

    first = send(runner, DST_WEEK_DUE, tenant.schema)
    assert first.exit_code == 0, first.output
    second = send(runner, "2026-03-09T12:04:00Z", tenant.schema)
    assert second.exit_code == 0, second.output
    assert "Sent 0, failed 0" in second.output

    # Oldest due first: February's report fell due on 1 March.
    assert [m["To"] for m in smtp.messages] == ["books@salon.example", "owner@salon.example"]
    assert deliveries(tenant) == [
        ("books@salon.example", "monthly", date(2026, 2, 1), "sent", 1, None),
        ("owner@salon.example", "weekly", date(2026, 3, 2), "sent", 1, None),
    ]
    weekly = smtp.to("owner@salon.example")[0]
    assert (
        weekly["Subject"]
        == f"Tenant {tenant.schema}: your weekly report, Mar 2\u2009–\u20098, 2026"
    )
    assert smtp.to("books@salon.example")[0]["Subject"].endswith("monthly report, February 2026")

    # Every figure of the email is the API's for the same start and end ...
    query = {"start": "2026-03-02", "end": "2026-03-08"}
    appointments = api(tenant, "appointments", **query).get_json()
    revenue = api(tenant, "revenue", **query).get_json()
    customers = api(tenant, "customers", **query).get_json()
    heatmap = api(tenant, "heatmap", **query).get_json()
    shown = html_figures(weekly)
    read = {
        "appointments": count(shown["appointments"]),
        "appointments_trend": percent(shown["appointments_trend"]),
        "cancellation_rate": percent(shown["cancellation_rate"]),
        "cancelled_value": cents(shown["cancelled_value"]),
        "no_show_rate": percent(shown["no_show_rate"]),
        "no_show_value": cents(shown["no_show_value"]),
        "revenue": cents(shown["revenue"]),
        "revenue_trend": percent(shown["revenue_trend"]),
        "customers": count(shown["customers"]),
        "customers_trend": percent(shown["customers_trend"]),
        "new_customers": count(shown["new_customers"]),
        "returning_customers": count(shown["returning_customers"]),
    }
    assert read == {
        "appointments": appointments["total"],
        "appointments_trend": appointments["booking_trend_percent"],
        "cancellation_rate": appointments["cancellation_rate_percent"],
        "cancelled_value": appointments["cancelled_value_cents"],
        "no_show_rate": appointments["no_show_rate_percent"],
        "no_show_value": appointments["no_show_value_cents"],
        "revenue": revenue["total_revenue_cents"],
        "revenue_trend": revenue["revenue_trend_percent"],
        "customers": customers["customers"],
        "customers_trend": customers["customers_trend_percent"],
        "new_customers": customers["new_customers"],
        "returning_customers": customers["returning_customers"],
    }
    # ... and those are the hand-counted ones: 8 appointments against 2; 2 cancelled
    # (a Cut, 35.00, and Nails without a price, 0); the no-show a Color (80.00); revenue
    # 115.00 against 35.00; customers 1, 2, 3, 5 against 1 and 4, of them 2, 3, 5 new.
    assert read == {
        "appointments": 8,
        "appointments_trend": 300.0,
        "cancellation_rate": 25.0,
        "cancelled_value": 3500,
        "no_show_rate": 12.5,
        "no_show_value": 8000,
        "revenue": 11500,
        "revenue_trend": 228.57,
        "customers": 4,
        "customers_trend": 100.0,
        "new_customers": 3,
        "returning_customers": 1,
    }
    assert shown["busiest_day"] == expected_busiest_day(appointments) == "Thu, Mar 5 (4)"
    # (html_figures folds every kind of space into one, the narrow one before AM too.)
    assert shown["busiest_hour"] == " ".join(expected_busiest_hour(heatmap).split())
    assert shown["busiest_hour"] == "10:00 AM – 11:00 AM (3)"
    # Top services: Cut and Color tie at 3 (the lower id first), then Nails.
    assert shown["top_services"] == "Cut 3 Color 3 Nails 2"
    assert [(s["service_name"], s["count"]) for s in appointments["by_service"]] == [
        ("Cut", 3),
        ("Color", 3),
        ("Nails", 2),
    ]
    # The week ahead: the outlook of the week holding the send instant, as the API has it.
    ahead = tenant.scalar("SELECT outlook_report(p_period => 'week', p_now => %s)", (DST_WEEK_DUE,))
    assert count(shown["week_ahead_on_the_books"]) == ahead["on_the_books"]["appointments"]
    assert shown["week_ahead_days"].count("Mar") == 7  # the next 7 local days
    first = ahead["next_days"][0]
    text = weekly.get_body(("plain",)).get_content()
    assert "The week ahead" in text
    assert f": {first['appointments']} booked, " in text
    assert "Appointments: 8 (+300.00%)" in text
    assert "Revenue: $115.00 (+228.57%)" in text
    assert f"http://{tenant.host}:5000/?start=2026-03-02&end=2026-03-08" in text
    chart = [p for p in weekly.walk() if p.get_content_type() == "image/png"]
    assert len(chart) == 1 and chart[0]["Content-ID"] == "<appointments-chart>"
    assert chart[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert weekly["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert weekly["List-Unsubscribe"].startswith(f"<http://{tenant.host}:5000/reports/unsubscribe/")


def test_nothing_goes_out_before_eight_local_in_auckland(app, runner, smtp, make_tenant):
    """Monday 2026-11-30 08:00 in Auckland (NZDT, +13) is Sunday 19:00 UTC; New York is
    still on Sunday then."""
    auckland = make_tenant(timezone="Pacific/Auckland")
    new_york = make_tenant(timezone="America/New_York")
    # Created after the previous week's report fell due there, so only this one is due.
    add_user(app, auckland, "kia.ora@example.com", created="2026-11-25T00:00:00Z")
    add_user(app, new_york, "hello@example.com", created="2026-11-25T00:00:00Z")

    early = send(runner, "2026-11-29T18:59:59Z", auckland.schema, new_york.schema)
    assert early.exit_code == 0, early.output
    assert smtp.messages == []
    assert deliveries(auckland) == deliveries(new_york) == []
    dry = send(runner, "2026-11-29T19:00:00Z", auckland.schema, new_york.schema, dry_run=True)
    assert "Reports due at 2026-11-29T19:00:00+00:00: 1" in dry.output
    assert "kia.ora@example.com\tweekly\t2026-11-23..2026-11-29" in dry.output
    assert "not recorded yet" in dry.output
    assert smtp.messages == [] and deliveries(auckland) == []

    on_time = send(runner, "2026-11-29T19:00:00Z", auckland.schema, new_york.schema)
    assert on_time.exit_code == 0, on_time.output
    assert [m["To"] for m in smtp.messages] == ["kia.ora@example.com"]
    assert smtp.messages[0]["Subject"].endswith("weekly report, Nov 23\u2009–\u200929, 2026")
    # Already sent: a later run sends nothing more; New York's falls due at 13:00 UTC Monday.
    assert send(runner, "2026-11-30T12:59:00Z", auckland.schema, new_york.schema).exit_code == 0
    assert len(smtp.messages) == 1
    assert send(runner, "2026-11-30T13:00:00Z", auckland.schema, new_york.schema).exit_code == 0
    assert [m["To"] for m in smtp.messages] == ["kia.ora@example.com", "hello@example.com"]
    dry = send(runner, "2026-11-30T13:00:00Z", auckland.schema, new_york.schema, dry_run=True)
    assert dry.output.count("\tsent") == 2


def test_two_concurrent_senders_send_each_report_once(app, smtp, make_tenant):
    tenant = make_tenant(timezone="Europe/London")
    users = [f"user{i}@example.com" for i in range(6)]
    for email_address in users:
        add_user(app, tenant, email_address, "weekly")
    smtp.delay = 0.15  # each message takes a while, so both senders are busy at once
    results, barrier = [], threading.Barrier(2)

    def run():
        with app.app_context():
            barrier.wait()
            mail = transport.from_url(app.config["MAIL_URL"])
            now = datetime(2026, 11, 30, 8, tzinfo=UTC)  # 08:00 in London in winter
            results.append(schedule.send_due(mail, now, [tenant.schema]))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(m["To"] for m in smtp.messages) == users
    assert all(r.failed == [] for r in results)
    sent = [s for r in results for s in r.sent]
    assert len(sent) == len(set(sent)) == 6
    assert all(r.sent for r in results), "both senders took part"
    assert {(row[0], row[3], row[4]) for row in deliveries(tenant)} == {
        (u, "sent", 1) for u in users
    }


def test_a_tenant_without_analytics_gets_nothing(app, runner, smtp, make_tenant):
    basic = make_tenant(plan="none")
    add_user(app, basic, "owner@basic.example")
    dry = send(runner, "2026-11-30T08:00:00Z", basic.schema, dry_run=True)
    assert "Reports due at 2026-11-30T08:00:00+00:00: 0" in dry.output
    assert send(runner, "2026-11-30T08:00:00Z", basic.schema).exit_code == 0
    assert smtp.messages == [] and deliveries(basic) == []

    # A tenant that loses analytics between a delivery's recording and its sending.
    losing = make_tenant(plan="all")
    add_user(app, losing, "owner@losing.example")
    smtp.refuse = 1
    assert send(runner, "2026-11-30T08:00:00Z", losing.schema).exit_code == 1
    losing.sql("UPDATE public.tenants SET advanced_analytics = false WHERE id = %s", (losing.id,))
    result = send(runner, "2026-11-30T09:00:00Z", losing.schema)
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and smtp.messages == []
    (row,) = deliveries(losing)
    assert row[3:5] == ("skipped", 2)


def test_an_unsubscribed_user_gets_nothing_and_a_tampered_link_changes_nothing(
    app, client, runner, smtp, make_tenant
):
    tenant = make_tenant(timezone="UTC")
    other = make_tenant(timezone="UTC")
    add_user(app, tenant, "owner@example.com")
    add_user(app, tenant, "partner@example.com", "weekly")
    add_user(app, other, "owner@other.example")
    assert send(runner, "2026-11-30T08:00:00Z", tenant.schema, other.schema).exit_code == 0
    assert len(smtp.messages) == 3
    link = smtp.to("owner@example.com")[0]["List-Unsubscribe"].strip("<>")
    path = urlsplit(link).path
    partner_path = urlsplit(smtp.to("partner@example.com")[0]["List-Unsubscribe"].strip("<>")).path

    def frequency(address):
        return report_frequency(tenant, address)

    host = f"http://{tenant.host}"
    # Tampered: one character of the signature changed; the payload changed; used on
    # another tenant's host. Each is a 400 and changes nothing.
    token = path.rsplit("/", 1)[1]
    # The signature's first character: every one of its six bits is signature (the
    # last character's low bits are padding a decoder ignores, so changing it may not).
    payload, stamp, signature = token.split(".")
    flipped = ".".join([payload, stamp, ("B" if signature[0] == "A" else "A") + signature[1:]])
    # The partner's user id in the owner's signed token.
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["u"] = tenant.scalar(
        "SELECT id FROM public.users WHERE tenant_id = %s AND email = 'partner@example.com'",
        (tenant.id,),
    )
    forged_payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    forged = ".".join([forged_payload.decode().rstrip("="), stamp, signature])
    for bad, base in (
        (flipped, host),
        (forged, host),
        ("not-a-token", host),
        (token, f"http://{other.host}"),
    ):
        for method in (client.get, client.post):
            response = method(f"/reports/unsubscribe/{bad}", base_url=base)
            assert response.status_code == 400, (bad, base)
            assert b"not valid" in response.data
    assert frequency("owner@example.com") == "weekly"

    # An expired link (older than 90 days) is refused too.
    from itsdangerous import TimestampSigner

    from analytics_app.blueprints.pages.unsubscribe import make_token

    with app.app_context():
        real = TimestampSigner.get_timestamp
        TimestampSigner.get_timestamp = lambda self: int(time.time()) - 91 * 86400
        try:
            user_id = tenant.scalar(
                "SELECT id FROM public.users WHERE tenant_id = %s AND email = 'owner@example.com'",
                (tenant.id,),
            )
            old = make_token(tenant.id, user_id, "weekly")
        finally:
            TimestampSigner.get_timestamp = real
    response = client.post(f"/reports/unsubscribe/{old}", base_url=host)
    assert response.status_code == 400 and b"expired" in response.data
    assert frequency("owner@example.com") == "weekly"

    # GET only asks (link scanners open every URL); the button's POST unsubscribes.
    page = client.get(path, base_url=host)
    assert page.status_code == 200 and b'data-unsubscribe="confirm"' in page.data
    assert frequency("owner@example.com") == "weekly"
    response = client.post(path, base_url=host)
    assert response.status_code == 200 and b'data-unsubscribe="done"' in response.data
    assert frequency("owner@example.com") == "off"
    # The RFC 8058 one-click POST a mail client sends, without any session or CSRF token.
    response = client.post(
        partner_path,
        base_url=host,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert frequency("partner@example.com") == "off"

    # The next week: only the other tenant's owner gets a report.
    assert send(runner, "2026-12-07T08:00:00Z", tenant.schema, other.schema).exit_code == 0
    assert [m["To"] for m in smtp.messages[3:]] == ["owner@other.example"]


def test_a_failing_smtp_server_leaves_the_delivery_pending_and_the_next_run_sends_it(
    app, runner, smtp, make_tenant, monkeypatch
):
    tenant = make_tenant(timezone="UTC")
    add_user(app, tenant, "owner@example.com")
    smtp.refuse = 1
    failed = send(runner, "2026-11-30T08:00:00Z", tenant.schema)
    assert failed.exit_code == 1
    assert "failed 1" in failed.output and "451" in failed.output
    ((_, _, _, status, attempts, error),) = deliveries(tenant)
    assert (status, attempts) == ("pending", 1) and "451" in error
    assert smtp.messages == []

    # No server at all: still pending, the error recorded.
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    assert send(runner, "2026-11-30T08:05:00Z", tenant.schema).exit_code == 1
    ((_, _, _, status, attempts, error),) = deliveries(tenant)
    assert (status, attempts) == ("pending", 2) and "Connection" in error

    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{smtp.port}")
    again = send(runner, "2026-11-30T08:10:00Z", tenant.schema)
    assert again.exit_code == 0, again.output
    assert [m["To"] for m in smtp.messages] == ["owner@example.com"]
    assert deliveries(tenant)[0][3:6] == ("sent", 3, None)


def test_a_late_sender_sends_within_seven_days_and_skips_after(app, runner, smtp, make_tenant):
    """Weekly reports may go out up to 7 days after they fell due, monthly up to 28."""
    tenant = make_tenant(timezone="UTC")
    add_user(app, tenant, "owner@example.com")
    add_user(app, tenant, "monthly@example.com", "monthly")
    # Due Monday 2026-11-02 08:00 (the week 10-26..11-01) and 2026-11-01 08:00 (October).
    smtp.refuse = 2
    assert send(runner, "2026-11-02T08:00:00Z", tenant.schema).exit_code == 1
    # A week later the old weekly report expires (the next one is due instead); the
    # monthly one may still go out.
    result = send(runner, "2026-11-09T08:00:00Z", tenant.schema)
    assert result.exit_code == 0, result.output
    assert "expired 1" in result.output
    assert sorted((m["To"], m["Subject"].split("report, ")[-1]) for m in smtp.messages) == [
        ("monthly@example.com", "October 2026"),
        ("owner@example.com", "Nov 2\u2009–\u20098, 2026"),
    ]
    assert [(r[0], r[2], r[3]) for r in deliveries(tenant)] == [
        ("monthly@example.com", date(2026, 10, 1), "sent"),
        ("owner@example.com", date(2026, 10, 26), "expired"),
        ("owner@example.com", date(2026, 11, 2), "sent"),
    ]
    # A sender down for 28 days or more never sends November's report.
    assert send(runner, "2026-12-29T08:00:00Z", tenant.schema).exit_code == 0
    assert ("monthly@example.com", date(2026, 11, 1)) not in {
        (r[0], r[2]) for r in deliveries(tenant)
    }
    # A user created after a report fell due does not get it.
    add_user(app, tenant, "new@example.com", "weekly", created="2026-12-28T08:00:01Z")
    assert send(runner, "2026-12-28T09:00:00Z", tenant.schema).exit_code == 0
    assert smtp.to("new@example.com") == []


def test_first_user_is_weekly_settings_page_and_cli_change_it(app, runner, browser, make_tenant):
    tenant = make_tenant()
    add_user(app, tenant, "owner@example.com")
    add_user(app, tenant, "second@example.com")

    def frequency(address):
        return report_frequency(tenant, address)

    assert (frequency("owner@example.com"), frequency("second@example.com")) == ("weekly", "off")

    def set_reports(address, value):
        args = ["users", "set-reports", "--tenant", tenant.schema, "--email", address, value]
        return runner.invoke(args=args)

    result = set_reports("second@example.com", "monthly")
    assert result.exit_code == 0 and frequency("second@example.com") == "monthly"
    result = set_reports("second@example.com", "daily")
    assert result.exit_code == 2 and frequency("second@example.com") == "monthly"
    result = set_reports("nobody@example.com", "off")
    assert result.exit_code == 1 and "No user" in result.output

    b = browser(tenant)
    assert b.get("/settings").status_code == 302  # login first
    b.login("owner@example.com", "pw-123456")
    page = b.get("/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="report_frequency-1"[^>]*value="weekly"', page)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    saved = b.client.post(
        "/settings", base_url=b.base_url, data={"csrf_token": token, "report_frequency": "monthly"}
    )
    assert saved.status_code == 302 and frequency("owner@example.com") == "monthly"
    refused = b.client.post(
        "/settings", base_url=b.base_url, data={"csrf_token": token, "report_frequency": "daily"}
    )
    assert refused.status_code == 400 and frequency("owner@example.com") == "monthly"
    no_csrf = b.client.post("/settings", base_url=b.base_url, data={"report_frequency": "off"})
    assert no_csrf.status_code == 400 and frequency("owner@example.com") == "monthly"


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for "localhost", trusted by ssl.create_default_context()."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_smtp_upgrades_with_starttls_and_authenticates_and_smtps_is_tls_throughout(
    app, runner, make_tenant, certificate, monkeypatch
):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.password == b"s3cret")

    tenant = make_tenant(timezone="UTC")
    add_user(app, tenant, "owner@example.com")
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="localhost",
        port=port,
        tls_context=certificate,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        monkeypatch.setitem(
            app.config, "MAIL_URL", f"smtp://reports%40salon:wrong@localhost:{port}"
        )
        # (aiosmtpd stops answering after a refused AUTH; a real server says 535.)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT_S", 2)
        assert send(runner, "2026-11-30T08:00:00Z", tenant.schema).exit_code == 1
        assert deliveries(tenant)[0][3:5] == ("pending", 1)
        assert logins[0][:3] == ("PLAIN", b"reports@salon", b"wrong")
        monkeypatch.setitem(
            app.config, "MAIL_URL", f"smtp://reports%40salon:s3cret@localhost:{port}"
        )
        assert send(runner, "2026-11-30T08:01:00Z", tenant.schema).exit_code == 0
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["owner@example.com"]
    assert logins[-1] == ("PLAIN", b"reports@salon", b"s3cret", True)  # after STARTTLS

    implicit, port = Inbox(), free_port()
    controller = Controller(implicit, hostname="localhost", port=port, ssl_context=certificate)
    controller.start()
    try:
        tenant.sql("UPDATE public.users SET report_frequency = 'monthly'")
        monkeypatch.setitem(app.config, "MAIL_URL", f"smtps://localhost:{port}")
        assert send(runner, "2026-12-01T08:00:00Z", tenant.schema).exit_code == 0
    finally:
        controller.stop()
    assert [m["Subject"].split(", ")[-1] for m in implicit.messages] == ["November 2026"]


def test_mail_url_is_checked_and_unset_means_printed(app, runner, make_tenant, monkeypatch):
    with pytest.raises(transport.MailConfigError):
        transport.from_url("http://mail.example.com")
    with pytest.raises(transport.MailConfigError):
        transport.from_url("smtp://mail.example.com:port")
    smtp_url = transport.from_url("smtp://a%40b.example:p%2Fw@mail.example.com")
    assert (smtp_url.user, smtp_url.password, smtp_url.port) == ("a@b.example", "p/w", 25)
    assert transport.from_url("smtps://mail.example.com").port == 465

    tenant = make_tenant(timezone="UTC")
    add_user(app, tenant, "owner@example.com")
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    result = send(runner, "2026-11-30T08:00:00Z", tenant.schema)
    assert result.exit_code == 0
    assert "MAIL_URL is not set: messages are printed here, not sent" in result.output
    assert "To: owner@example.com" in result.output
    assert deliveries(tenant)[0][3] == "sent"


@pytest.mark.browser
def test_the_html_report_in_chromium_shows_the_apis_figures(
    app, runner, api, smtp, make_tenant, tmp_path
):
    """The message as sent (its chart put back from the attached PNG) and the preview
    `flask reports preview --html` writes, rendered by Chromium, read as a person would."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    ledger = dst_week_salon(make_tenant)
    tenant = ledger.tenant
    add_user(app, tenant, "owner@salon.example")
    assert send(runner, DST_WEEK_DUE, tenant.schema).exit_code == 0
    (sent,) = smtp.messages
    png = next(p for p in sent.walk() if p.get_content_type() == "image/png").get_content()
    html = sent.get_body(("html",)).get_content()
    html = html.replace(
        "cid:appointments-chart", "data:image/png;base64," + base64.b64encode(png).decode()
    )
    preview = tmp_path / "preview.html"
    result = runner.invoke(
        args=["reports", "preview", "--tenant", tenant.schema, "--email", "owner@salon.example"]
        + ["--now", DST_WEEK_DUE, "--html", str(preview)]
    )
    assert result.exit_code == 0, result.output

    query = {"start": "2026-03-02", "end": "2026-03-08"}
    appointments = api(tenant, "appointments", **query).get_json()
    revenue = api(tenant, "revenue", **query).get_json()
    customers = api(tenant, "customers", **query).get_json()
    expected = {
        "appointments": f"{appointments['total']:,}",
        "appointments_trend": f"{appointments['booking_trend_percent']:+.2f}%",
        "cancellation_rate": f"{appointments['cancellation_rate_percent']:.2f}%",
        "cancelled_value": f"${appointments['cancelled_value_cents'] / 100:,.2f}",
        "no_show_rate": f"{appointments['no_show_rate_percent']:.2f}%",
        "no_show_value": f"${appointments['no_show_value_cents'] / 100:,.2f}",
        "revenue": f"${revenue['total_revenue_cents'] / 100:,.2f}",
        "revenue_trend": f"{revenue['revenue_trend_percent']:+.2f}%",
        "customers": f"{customers['customers']:,}",
        "customers_trend": f"{customers['customers_trend_percent']:+.2f}%",
        "new_customers": f"{customers['new_customers']:,}",
        "returning_customers": f"{customers['returning_customers']:,}",
        "busiest_day": expected_busiest_day(appointments),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 700, "height": 900})
        for source in (html, preview.read_text()):
            page.set_content(source)
            shown = {
                name: page.locator(f'[data-figure="{name}"]').inner_text().strip()
                for name in expected
            }
            assert shown == expected
            chart = page.locator('img[data-figure="chart"]')
            assert chart.evaluate("img => img.complete && img.naturalWidth") == 1120
            assert chart.get_attribute("alt").startswith("Appointments per day: 3/2: 1, 3/3: 0")
            assert page.get_by_role("link", name="Open the dashboard for this week").get_attribute(
                "href"
            ) == (f"http://{tenant.host}:5000/?start=2026-03-02&end=2026-03-08")
            # Readable on a phone: nothing wider than the screen.
            page.set_viewport_size({"width": 375, "height": 800})
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            page.set_viewport_size({"width": 700, "height": 900})
        browser.close()


def test_the_weekly_report_names_the_customers_who_turned_at_risk(app, runner, smtp, make_tenant):
    """Sent Monday 2026-11-30: at risk now and not 7 days before (days since their last
    visit in (1.5 x gap, 1.5 x gap + 7]), nothing booked ahead, not lapsed."""
    ledger = Ledger(make_tenant(timezone="UTC"))
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    add_user(app, ledger.tenant, "owner@example.com")
    visits = {  # customer: visit dates (gap 10 but for 6)
        1: ["2026-11-04", "2026-11-14"],  # 16 days since: turned this week
        2: ["2026-10-29", "2026-11-08"],  # 22 days since: turned on the week's first day
        3: ["2026-10-28", "2026-11-07"],  # 23 days since: at risk before the week began
        4: ["2026-11-05", "2026-11-15"],  # 15 days since: exactly 1.5 x, not at risk
        5: ["2026-11-04", "2026-11-14", "2026-12-03"],  # booked ahead
        6: ["2026-11-10", "2026-11-12"],  # gap 2, 18 days since: lapsed
    }
    for customer, days in visits.items():
        ledger.customer(customer)
        for day in days:
            ledger.book(ledger.local(date.fromisoformat(day), 10), customer=customer)
    assert send(runner, "2026-11-30T08:00:00Z", ledger.tenant.schema).exit_code == 0
    message = smtp.to("owner@example.com")[0]
    text = message.get_body(("plain",)).get_content()
    assert (
        "2 customers turned at risk this week: past 1.5 times their usual gap between"
        " visits, with nothing booked."
    ) in text
    assert f"http://{ledger.tenant.host}:5000/#at-risk" in text
    assert html_figures(message)["turned_at_risk"].startswith("2 customers turned at risk")
    # The at-risk list at that instant: the three at risk (the two turned, and the third).
    listed = ledger.tenant.scalar(
        "SELECT at_risk_report(p_limit => NULL, p_now => '2026-11-30T08:00:00Z')"
    )
    assert sorted(c["customer_id"] for c in listed["customers"]) == [1, 2, 3]
