"""Webhooks (SPEC Part 6) against a real HTTP receiver (a thread on a free port): Standard
Webhooks signatures verified with the `standardwebhooks` library, retries with the same
id, a sender that dies mid-delivery, refused URLs, the secret sealed in the database."""

import http.server
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.security import generate_password_hash

from tests.local import free_port
from tests.reference import Ledger


class Receiver:
    """Records every request; answers the next status of `statuses` (then 200)."""

    def __init__(self, statuses=(), delay=0.0, redirect=None):
        self.requests, self.statuses, self.delay, self.redirect = (
            [],
            list(statuses),
            delay,
            redirect,
        )
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(302 if receiver.redirect else status)
                if receiver.redirect:
                    self.send_header("Location", receiver.redirect)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.stop()


@pytest.fixture
def private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


def add(runner, tenant, url, *events):
    args = ["webhooks", "add", "--tenant", tenant.schema, "--url", url]
    for event in events or ("alert.triggered", "ping"):
        args += ["--event", event]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    endpoint_id = int(result.output.split()[1].rstrip(":"))
    return endpoint_id, result.output.strip().splitlines()[-1]


def deliver(runner, tenant):
    result = runner.invoke(args=["webhooks", "deliver", "--tenant", tenant.schema])
    assert result.exit_code == 0, result.output
    return result.output


def verified(secret, request):
    headers, body = request
    lower = {k.lower(): v for k, v in headers.items()}
    return Webhook(secret).verify(body, lower)  # raises on a bad signature or timestamp


def test_ping_and_an_alert_signed_and_verified_by_standardwebhooks(
    runner, make_tenant, receiver, private
):
    tenant = make_tenant()
    hook = receiver()
    endpoint_id, secret = add(runner, tenant, hook.url)
    assert secret.startswith("whsec_")
    sealed = tenant.scalar("SELECT secret_sealed FROM webhook_endpoints")
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed

    result = runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    assert result.exit_code == 0, result.output
    assert verified(secret, hook.requests[0]) == {
        "type": "ping",
        "timestamp": verified(secret, hook.requests[0])["timestamp"],
        "data": {"endpoint_id": endpoint_id},
    }

    # An alert: recorded and queued in one transaction, sent by the deliverer.
    ledger = Ledger(tenant)
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    for i in range(10):
        ledger.book(
            ledger.local(date(2026, 6, 9), 9) + timedelta(minutes=10 * i),
            status="no_show" if i < 4 else "confirmed",
        )
    check = runner.invoke(
        args=["alerts", "check", "--now", now.isoformat(), "--tenant", tenant.schema]
    )
    assert check.exit_code == 0, check.output
    assert tenant.scalar("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'") == 1
    assert "Delivered 1" in deliver(runner, tenant)
    event = verified(secret, hook.requests[1])
    assert event["type"] == "alert.triggered"
    assert (event["data"]["rule"], event["data"]["subject"], event["data"]["value"]) == (
        "no_show_spike",
        "2026-06-09",
        40.0,
    )
    assert hook.requests[1][0]["webhook-id"] == tenant.scalar(
        "SELECT event_id FROM webhook_deliveries WHERE event_type = 'alert.triggered'"
    )
    assert "Delivered 0" in deliver(runner, tenant)  # nothing twice
    assert len(hook.requests) == 2
    with pytest.raises(WebhookVerificationError):  # another secret does not verify
        verified("whsec_" + "A" * 32, hook.requests[1])


def test_retries_on_500_and_a_timeout_keep_the_same_id_then_deliver(
    runner, make_tenant, receiver, private, monkeypatch
):
    from analytics_app.webhooks import delivery

    monkeypatch.setattr(delivery, "TIMEOUT_S", 1)
    tenant = make_tenant()
    hook = receiver(statuses=[500])
    endpoint_id, secret = add(runner, tenant, hook.url)
    runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    row = tenant.sql(
        "SELECT status, attempts, last_status, next_attempt_at - now() FROM webhook_deliveries"
    )[0]
    assert row[:3] == ("pending", 1, 500)
    assert timedelta(seconds=50) < row[3] <= timedelta(minutes=1)  # the first retry: 1 min
    assert "Delivered 0" in deliver(runner, tenant)  # not due yet
    tenant.sql("UPDATE webhook_deliveries SET next_attempt_at = now()")
    hook.delay = 2.5  # longer than the timeout
    deliver(runner, tenant)
    row = tenant.sql(
        "SELECT status, attempts, last_error, next_attempt_at - now() FROM webhook_deliveries"
    )[0]
    assert row[0] == "pending" and row[1] == 2 and "timed out" in row[2]
    assert timedelta(minutes=4) < row[3] <= timedelta(minutes=5)  # the second: 5 min
    hook.delay = 0
    tenant.sql("UPDATE webhook_deliveries SET next_attempt_at = now()")
    assert "Delivered 1" in deliver(runner, tenant)
    ids = {r[0]["webhook-id"] for r in hook.requests}
    assert len(hook.requests) == 3 and len(ids) == 1  # one event, one id, three attempts
    verified(secret, hook.requests[-1])


def test_after_the_last_retry_a_delivery_fails_and_a_dead_endpoint_is_disabled(
    runner, make_tenant, make_key, receiver, private, smtp
):
    tenant = make_tenant()
    make_key(tenant, "owner@example.com")  # the first user: the owner
    make_key(tenant, "desk@example.com")
    hook = receiver(statuses=[503] * 10)
    endpoint_id, _ = add(runner, tenant, hook.url)
    runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    for _ in range(6):  # 1 min, 5 min, 30 min, 2 h, 8 h, 24 h later
        tenant.sql("UPDATE webhook_deliveries SET next_attempt_at = now()")
        deliver(runner, tenant)
    assert tenant.sql("SELECT status, attempts FROM webhook_deliveries")[0] == ("failed", 7)
    assert len(hook.requests) == 7
    assert smtp.messages == []
    tenant.sql("UPDATE webhook_deliveries SET created_at = now() - interval '3 days 1 minute'")
    assert "disabled" in deliver(runner, tenant)
    assert tenant.scalar("SELECT disabled_at IS NOT NULL FROM webhook_endpoints")
    # Its owner is told, once, by email (the desk is not).
    deliver(runner, tenant)
    assert [m["To"] for m in smtp.messages] == ["owner@example.com"]
    notice = smtp.messages[0]
    assert notice["Subject"] == f"Tenant {tenant.schema}: webhook endpoint disabled"
    body = notice.get_content()
    assert f"Every delivery to {hook.url} failed for 3 days" in body
    assert "Its last answer: HTTP 503." in body
    assert f"http://{tenant.host}:5000/settings" in body


def test_an_endpoint_is_disabled_only_after_3_days_of_failures_since_its_last_success(
    runner, make_tenant, make_key, receiver, private, smtp
):
    """An endpoint "whose deliveries all failed for 3 days": a delivery that failed for
    good a week ago does not count against an endpoint that has delivered since; its
    days of failure start again after each success."""
    tenant = make_tenant()
    make_key(tenant, "owner@example.com")
    hook = receiver(statuses=[503] * 7)  # the first ping fails all 7 attempts, then 200s
    endpoint_id, _ = add(runner, tenant, hook.url)

    def ping(age):
        runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
        for _ in range(6):
            tenant.sql(
                "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'"
            )
            deliver(runner, tenant)
        tenant.sql(  # it happened `age` ago
            "UPDATE webhook_deliveries SET created_at = created_at - CAST(%s AS interval),"
            " delivered_at = delivered_at - CAST(%s AS interval) WHERE id = (SELECT max(id)"
            " FROM webhook_deliveries)",
            (age, age),
        )

    ping("7 days")  # failed for good
    ping("4 days")  # delivered at once
    assert tenant.sql("SELECT status, attempts FROM webhook_deliveries ORDER BY id") == [
        ("failed", 7),
        ("delivered", 1),
    ]
    assert "disabled" not in deliver(runner, tenant)
    assert tenant.scalar("SELECT disabled_at FROM webhook_endpoints") is None

    hook.statuses = [503] * 14  # failing again from 2 days ago: not yet 3 days
    ping("2 days")
    assert "disabled" not in deliver(runner, tenant)
    assert tenant.scalar("SELECT disabled_at FROM webhook_endpoints") is None
    tenant.sql(
        "UPDATE webhook_deliveries SET created_at = created_at - interval '1 day 1 minute'"
        " WHERE id = (SELECT max(id) FROM webhook_deliveries)"
    )
    assert "disabled" in deliver(runner, tenant)  # 3 days and a minute of nothing but failures
    assert smtp.messages and smtp.messages[0]["To"] == "owner@example.com"


def test_a_sender_that_dies_mid_delivery_loses_nothing(runner, make_tenant, receiver, private):
    tenant = make_tenant()
    hook = receiver()
    endpoint_id, secret = add(runner, tenant, hook.url, "ping")
    tenant.sql(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)"
        " VALUES (%s, 'msg_dies', 'ping', '{\"type\": \"ping\", \"data\": {}}')",
        (endpoint_id,),
    )
    # A sender claims it (the row is locked) and dies before it records anything.
    with psycopg.connect(tenant.dsn) as dead:
        dead.execute("SELECT set_config('search_path', %s, true)", (f'"{tenant.schema}", public',))
        dead.execute("SELECT id FROM webhook_deliveries FOR UPDATE")
        assert "Delivered 0" in deliver(runner, tenant)  # another sender skips the locked row
    # The connection closed without a commit: the row is pending again, and goes out once.
    assert "Delivered 1" in deliver(runner, tenant)
    assert [r[0]["webhook-id"] for r in hook.requests] == ["msg_dies"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/hook",  # a name resolving to 127.0.0.1
        "https://user:pw@example.com/hook",
    ],
)
def test_refused_urls(runner, make_tenant, url):
    tenant = make_tenant()
    result = runner.invoke(
        args=["webhooks", "add", "--tenant", tenant.schema, "--url", url, "--event", "ping"]
    )
    assert result.exit_code == 1, result.output
    assert tenant.scalar("SELECT count(*) FROM webhook_endpoints") == 0


def test_no_redirect_is_followed_and_the_address_is_checked_again_at_delivery(
    app, runner, make_tenant, receiver, private, monkeypatch
):
    tenant = make_tenant()
    inside = receiver()
    bouncer = receiver(redirect=inside.url)
    endpoint_id, _ = add(runner, tenant, bouncer.url, "ping")
    result = runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    assert result.exit_code == 1 and "HTTP 302" in result.output
    assert len(bouncer.requests) == 1 and inside.requests == []
    # Added while private addresses were allowed; refused when sending without it.
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    tenant.sql("UPDATE webhook_deliveries SET next_attempt_at = now()")
    deliver(runner, tenant)
    error = tenant.scalar("SELECT last_error FROM webhook_deliveries")
    assert "Only https://" in error
    assert len(bouncer.requests) == 1


def test_list_and_remove(runner, make_tenant, receiver, private):
    tenant = make_tenant()
    hook = receiver()
    endpoint_id, _ = add(runner, tenant, hook.url)
    runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    listing = runner.invoke(args=["webhooks", "list", "--tenant", tenant.schema]).output
    assert f"{endpoint_id}\t{hook.url}\talert.triggered,ping\tenabled" in listing
    assert "\tping\tdelivered\t1\tHTTP 200" in listing
    gone = runner.invoke(args=["webhooks", "remove", "--tenant", tenant.schema, str(endpoint_id)])
    assert gone.exit_code == 0
    assert tenant.scalar("SELECT count(*) FROM webhook_deliveries") == 0


def test_a_secret_sealed_with_another_key_is_an_error_not_a_crash(
    app, runner, make_tenant, receiver, private, monkeypatch
):
    tenant, other = make_tenant(), make_tenant()
    hook = receiver()
    add(runner, tenant, hook.url, "ping")
    other_id, _ = add(runner, other, hook.url, "ping")
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key")
    second_id, _ = add(runner, other, hook.url, "ping")  # sealed with the new key
    for t in (tenant, other):
        t.sql(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)"
            " SELECT id, 'msg_' || id, 'ping', '{\"type\": \"ping\", \"data\": {}}'"
            " FROM webhook_endpoints"
        )
    result = runner.invoke(
        args=["webhooks", "deliver", "--tenant", tenant.schema, "--tenant", other.schema]
    )
    assert result.exit_code == 0, result.output
    assert "Delivered 1, failed attempts 2" in result.output
    assert tenant.scalar("SELECT last_error FROM webhook_deliveries").startswith(
        "The webhook secret was sealed with another SECRET_KEY"
    )
    assert [r[0]["webhook-id"] for r in hook.requests] == [f"msg_{second_id}"]
    assert (
        other.scalar("SELECT status FROM webhook_deliveries WHERE endpoint_id = %s", (other_id,))
        == "pending"
    )


def test_readyz_shows_the_deliveries_waiting(client, runner, make_tenant, receiver, private):
    def due():
        return client.get("/readyz").get_json()["webhooks"]

    tenant = make_tenant()
    hook = receiver()
    endpoint_id, _ = add(runner, tenant, hook.url, "ping")
    before = due()["deliveries_due"]
    tenant.sql(  # queued as the product queues one: with the tenant marked for the sender
        "WITH queued AS (INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type,"
        " payload, next_attempt_at) VALUES (%s, 'msg_waiting', 'ping', '{}',"
        " now() - interval '90 seconds'))"
        " UPDATE public.tenants SET webhooks_due_at = least(webhooks_due_at, now())"
        " WHERE schema_name = current_schema()",
        (endpoint_id,),
    )
    waiting = due()
    assert waiting["deliveries_due"] == before + 1
    assert waiting["oldest_due_age_seconds"] >= 90
    deliver(runner, tenant)
    assert due()["deliveries_due"] == before


def test_a_round_visits_only_the_tenants_whose_time_has_come(
    runner, make_tenant, receiver, private
):
    """`flask webhooks deliver` without --tenant reads public.tenants.webhooks_due_at: set
    when a delivery is queued, then to the next retry due after each visit, NULL when
    nothing is left (at 3,000 tenants a round that visited every tenant took 10 s)."""
    from analytics_app.webhooks import endpoints

    def due_at(tenant):
        return tenant.scalar(
            "SELECT webhooks_due_at FROM public.tenants WHERE schema_name = current_schema()"
        )

    def round_():
        result = runner.invoke(args=["webhooks", "deliver"])
        assert result.exit_code == 0, result.output
        return result.output

    tenant, idle = make_tenant(), make_tenant()
    hook = receiver(statuses=[503])
    endpoint_id, _ = add(runner, tenant, hook.url, "ping")
    assert due_at(tenant) is None and due_at(idle) is None  # nothing queued yet
    runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    retry = tenant.scalar("SELECT next_attempt_at FROM webhook_deliveries")
    assert due_at(tenant) == retry  # the first retry, a minute on
    round_()
    assert len(hook.requests) == 1  # not due: not visited, nothing sent

    with runner.app.app_context():  # a second ping, queued and marked as the settings page does
        from analytics_app.extensions import db

        endpoints.queue_ping(db.session, tenant.schema, endpoint_id)
    assert due_at(tenant) <= tenant.scalar("SELECT now()")
    assert "Delivered 1" in round_()  # the new ping; the retry still waits
    assert len(hook.requests) == 2 and due_at(tenant) == retry

    tenant.sql(  # a minute passes: the retry and the tenant's time both come
        "WITH passed AS (UPDATE webhook_deliveries SET next_attempt_at = now()"
        " WHERE status = 'pending')"
        " UPDATE public.tenants SET webhooks_due_at = now() WHERE schema_name = current_schema()"
    )
    assert "Delivered 1" in round_()
    assert len(hook.requests) == 3
    assert tenant.sql("SELECT status FROM webhook_deliveries ORDER BY id") == [
        ("delivered",),
        ("delivered",),
    ]
    assert due_at(tenant) is None and due_at(idle) is None


def csrf_of(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_owner_adds_lists_and_removes_endpoints_on_the_settings_page(
    app, runner, browser, make_tenant, make_key, receiver, private
):
    tenant = make_tenant()
    make_key(tenant, "owner@example.com")
    make_key(tenant, "desk@example.com")
    for user in ("owner@example.com", "desk@example.com"):
        tenant.sql(
            "UPDATE public.users SET password_hash = %s WHERE email = %s AND tenant_id = %s",
            (generate_password_hash("pw-123456"), user, tenant.id),
        )
    hook = receiver()
    owner = browser(tenant)
    owner.login("owner@example.com", "pw-123456")
    page = owner.get("/settings").get_data(as_text=True)
    assert 'data-endpoints="none"' in page and "Add an endpoint" in page
    token = csrf_of(page)

    def post(path, **data):
        return owner.client.post(path, base_url=owner.base_url, data={"csrf_token": token, **data})

    # Refused: a scheme other than https (http too here, WEBHOOKS_ALLOW_PRIVATE), no event.
    refused = post("/settings/webhooks", url="ftp://example.com/hook", events="ping")
    assert refused.status_code == 400 and b"Only https:// URLs" in refused.data
    refused = post("/settings/webhooks", url=hook.url)
    assert refused.status_code == 400 and b"Choose at least one event." in refused.data
    assert tenant.scalar("SELECT count(*) FROM webhook_endpoints") == 0

    added = owner.client.post(
        "/settings/webhooks",
        base_url=owner.base_url,
        data={"csrf_token": token, "url": hook.url, "events": ["alert.triggered", "ping"]},
    )
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    secret = re.search(r"<code data-secret>(whsec_[^<]+)</code>", html).group(1)
    endpoint_id = tenant.scalar("SELECT id FROM webhook_endpoints")
    assert tenant.scalar("SELECT events FROM webhook_endpoints") == ["alert.triggered", "ping"]
    assert secret not in tenant.scalar("SELECT secret_sealed FROM webhook_endpoints")
    assert 'data-locked="advanced_analytics"' not in html  # the plan read in the tenant
    # Shown once: the next page has the endpoint, never its secret.
    again = owner.get("/settings").get_data(as_text=True)
    assert f'data-endpoint="{endpoint_id}"' in again and secret not in again
    assert 'data-locked="advanced_analytics"' not in again
    assert "No deliveries yet." in again

    # A ping, signed with the secret the page showed; the page lists the delivery.
    result = runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    assert result.exit_code == 0, result.output
    assert verified(secret, hook.requests[0])["type"] == "ping"
    listed = owner.get("/settings").get_data(as_text=True)
    event_id = hook.requests[0][0]["webhook-id"]
    row = re.search(rf'<tr data-delivery="{event_id}">(.*?)</tr>', listed, re.S).group(1)
    assert 'data-status="delivered"' in row and "HTTP 200" in row and "<td>ping</td>" in row

    # Another user of the tenant sees no endpoints and may not change them.
    desk = browser(tenant)
    desk.login("desk@example.com", "pw-123456")
    desk_page = desk.get("/settings").get_data(as_text=True)
    assert "Webhooks" not in desk_page and hook.url not in desk_page
    desk_token = csrf_of(desk_page)
    for path in ("/settings/webhooks", f"/settings/webhooks/{endpoint_id}/remove"):
        response = desk.client.post(
            path, base_url=desk.base_url, data={"csrf_token": desk_token, "url": hook.url}
        )
        assert response.status_code == 403, path
    assert tenant.scalar("SELECT count(*) FROM webhook_endpoints") == 1

    # The owner removes it (and its deliveries); a second remove is a 404.
    assert post(f"/settings/webhooks/{endpoint_id}/remove").status_code == 302
    assert tenant.scalar("SELECT count(*) FROM webhook_endpoints") == 0
    assert tenant.scalar("SELECT count(*) FROM webhook_deliveries") == 0
    assert post(f"/settings/webhooks/{endpoint_id}/remove").status_code == 404
    without_csrf = owner.client.post(
        "/settings/webhooks", base_url=owner.base_url, data={"url": hook.url}
    )
    assert without_csrf.status_code == 400


def test_alert_emails_are_a_setting_beside_the_reports(app, browser, make_tenant, make_key):
    tenant = make_tenant()
    make_key(tenant, "owner@example.com")
    make_key(tenant, "desk@example.com")
    tenant.sql(
        "UPDATE public.users SET password_hash = %s WHERE tenant_id = %s",
        (generate_password_hash("pw-123456"), tenant.id),
    )
    desk = browser(tenant)
    desk.login("desk@example.com", "pw-123456")
    page = desk.get("/settings").get_data(as_text=True)
    assert re.search(
        r'<input id="alert_emails" name="alert_emails" type="checkbox" value="y">', page
    )
    saved = desk.client.post(
        "/settings",
        base_url=desk.base_url,
        data={"csrf_token": csrf_of(page), "report_frequency": "off", "alert_emails": "y"},
    )
    assert saved.status_code == 302
    assert tenant.sql(
        "SELECT email, alert_emails, report_frequency FROM public.users WHERE tenant_id = %s"
        " ORDER BY email",
        (tenant.id,),
    ) == [("desk@example.com", True, "off"), ("owner@example.com", True, "weekly")]
    page = desk.get("/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="alert_emails"', page)
    desk.client.post(
        "/settings",
        base_url=desk.base_url,
        data={"csrf_token": csrf_of(page), "report_frequency": "off"},
    )
    assert (
        tenant.scalar(
            "SELECT alert_emails FROM public.users WHERE email = 'desk@example.com' AND tenant_id = %s",
            (tenant.id,),
        )
        is False
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_the_settings_page_with_endpoints_in_chromium(
    app, runner, make_tenant, receiver, private, live, chromium, width
):
    from analytics_app.extensions import db
    from analytics_app.tenants import accounts, tenant_admin
    from tests.browser import PASSWORD, axe_violations, log_in

    tenant = make_tenant(base="localhost")  # *.localhost is 127.0.0.1 to Chromium
    with app.app_context():
        accounts.create_user(
            tenant_admin.get_tenant(tenant.schema), "owner@salon.example", PASSWORD
        )
        db.session.commit()
    hook, dead = receiver(), receiver(statuses=[500])
    ok_id, _ = add(runner, tenant, hook.url)
    dead_id, _ = add(runner, tenant, dead.url + "/a-long-path/that/wraps?on=a&narrow=screen")
    for endpoint_id in (ok_id, dead_id):
        runner.invoke(args=["webhooks", "test", "--tenant", tenant.schema, str(endpoint_id)])
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        log_in(page, live, tenant)
        page.goto(live.url(tenant.host, "/settings"))
        rows = page.locator("tr[data-delivery]")
        assert rows.count() == 2
        assert page.locator(f'[data-endpoint="{ok_id}"] td[data-status]').inner_text() == (
            "delivered"
        )
        assert page.locator(f'[data-endpoint="{dead_id}"] td[data-status]').inner_text() == (
            "pending"
        )
        assert page.locator(f'[data-endpoint="{dead_id}"] tbody td').last.inner_text() == "HTTP 500"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert axe_violations(page) == []
    finally:
        context.close()


def test_an_alerts_message_is_in_the_tenants_language_in_the_api_and_the_webhook(
    runner, make_tenant, make_key, client, receiver, private
):
    """SPEC Part 6: `message` is a sentence in the tenant's language (Part 7's languages,
    the locale's formats): stored so, listed so by the API and sent so in the event's
    data; the CLI's line stays English. A neighbour in en_US, checked in the same run,
    gets its English sentence."""
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    salons = []
    for locale, currency in (("fr_FR", "EUR"), ("en_US", "USD")):
        tenant = make_tenant(timezone="Europe/Paris")
        for command in (["set-locale", locale], ["set-currency", currency]):
            result = runner.invoke(args=["tenants", command[0], tenant.schema, command[1]])
            assert result.exit_code == 0, result.output
        hook = receiver()
        _, secret = add(runner, tenant, hook.url, "alert.triggered")
        ledger = Ledger(tenant)
        ledger.service(1, "Cut")
        ledger.resource(1, "Chair")
        for i in range(10):  # 4 of 10 missed yesterday, no baseline: fires
            ledger.book(
                ledger.local(date(2026, 6, 9), 9) + timedelta(minutes=10 * i),
                status="no_show" if i < 4 else "confirmed",
            )
        salons.append((tenant, hook, secret))
    check = runner.invoke(
        args=["alerts", "check", "--now", now.isoformat()]
        + [arg for t, _, _ in salons for arg in ("--tenant", t.schema)]
    )
    assert check.exit_code == 0, check.output
    french = (
        "40,00\xa0% des rendez-vous du 9 juin 2026 ont été annulés ou non honorés, contre"
        " 0,00\xa0% le même jour de la semaine sur les 8 semaines précédentes."
    )
    english = (
        "40.00% of the appointments of Jun 9, 2026 were cancelled or missed, against"
        " 0.00% on the same weekday over the previous 8 weeks."
    )
    for (tenant, hook, secret), sentence in zip(salons, (french, english), strict=True):
        assert tenant.scalar("SELECT message FROM alerts") == sentence
        body = client.get(
            "/api/analytics/alerts/",
            base_url=f"http://{tenant.host}",
            headers={"Authorization": f"Token {make_key(tenant)}"},
        ).get_json()
        assert [a["message"] for a in body["alerts"]] == [sentence]
        assert "Delivered 1" in deliver(runner, tenant)
        event = verified(secret, hook.requests[0])
        assert (event["data"]["rule"], event["data"]["message"]) == ("no_show_spike", sentence)
        assert event["data"] == body["alerts"][0]
        # The CLI's line: English (log lines stay English), whatever the tenant's language.
        assert f"{tenant.schema}: no_show_spike 2026-06-09: 40.00% of yesterday's" in check.output
