"""Issue 10's smaller findings, each reproduced over real HTTP against a live server."""

import csv
import http.client
import io
import json
import re
from urllib.parse import quote

import psycopg
import pytest

from analytics_app import create_app
from analytics_app.extensions import db
from tests.browser import LiveServer
from tests.reference import Ledger
from tests.request.test_auth import _user


def _request(port, host, path, method="GET", headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def http_login(port, host, email, password, next_path=None):
    """The login form as a browser posts it: cookie and CSRF token from GET /login."""
    _, headers, page = _request(port, host, "/login")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = f"csrf_token={token.decode()}&email={quote(email)}&password={quote(password)}"
    path = "/login" + (f"?next={next_path}" if next_path else "")
    return _request(
        port,
        host,
        path,
        "POST",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body,
    )


# Item 3: a full pool is a 503 with Retry-After, never a 500.
def test_a_full_pool_answers_503_with_retry_after(database_url, make_tenant, make_key):
    tenant = make_tenant()
    key = make_key(tenant)
    small = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 1,
            "DB_CONNECT_TIMEOUT_S": 1,
        }
    )
    auth = {"Authorization": f"Token {key}"}
    path = "/api/analytics/analytics/dashboard/"
    with LiveServer(small) as server, small.app_context():
        held = db.engine.connect()  # the pool's only connection
        try:
            status, headers, body = _request(server.port, tenant.host, path, headers=auth)
        finally:
            held.close()
        assert status == 503
        assert headers["Retry-After"] == "5"
        assert json.loads(body) == {"detail": "The service is busy; try again shortly."}
        assert _request(server.port, tenant.host, path, headers=auth)[0] == 200
        for engine in db.engines.values():
            engine.dispose()


# Item 5: the port part of Host is digits or nothing.
@pytest.mark.parametrize("suffix", [":@evil.example", ":80@evil.example", ":x", ":", ":123456"])
def test_a_host_with_a_port_that_is_not_digits_is_an_unknown_tenant(live, make_tenant, suffix):
    tenant = make_tenant()
    status, _, body = _request(live.port, tenant.host + suffix, "/api/analytics/")
    assert (status, json.loads(body)) == (404, {"detail": "Unknown tenant."})


def test_endpoint_links_are_built_from_the_validated_host(live, make_tenant):
    tenant = make_tenant()
    status, _, body = _request(live.port, f"{tenant.host.upper()}:8080", "/api/analytics/")
    assert status == 200
    assert json.loads(body)["dashboard"] == (
        f"http://{tenant.host}:8080/api/analytics/analytics/dashboard/"
    )


# Item 6: control characters in `next` are refused, never a 5xx.
@pytest.mark.parametrize("next_path", ["/%0d%0aX-Injected:%201", "/%0aa", "/%09x", "/%7f"])
def test_login_with_a_next_holding_control_characters(live, runner, make_tenant, next_path):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    status, headers, _ = http_login(live.port, tenant.host, email, password, next_path)
    assert status == 302
    assert headers["Location"] == "/"
    assert "X-Injected" not in headers


# Item 7: CSV exports neutralise spreadsheet formulas; JSON lines stay exact.
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def test_csv_export_neutralises_formulas(live, runner, make_tenant, make_key):
    ledger = Ledger(make_tenant())
    runner.invoke(args=["tenants", "set-feature", ledger.tenant.schema, "can_export_data", "on"])
    for name in [*FORMULAS, "Plain", "a=b"]:
        ledger.tenant.sql("INSERT INTO customers (name, email) VALUES (%s, %s)", (name, name))
    auth = {"Authorization": f"Token {make_key(ledger.tenant)}"}

    status, _, body = _request(
        live.port, ledger.tenant.host, "/api/export/customers/?format=csv", headers=auth
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    assert [r["name"] for r in rows] == [*("'" + f for f in FORMULAS), "Plain", "a=b"]
    assert [r["email"] for r in rows] == [r["name"] for r in rows]

    status, _, body = _request(
        live.port, ledger.tenant.host, "/api/export/customers/", headers=auth
    )
    assert [json.loads(line)["name"] for line in body.decode().splitlines()] == [
        *FORMULAS,
        "Plain",
        "a=b",
    ]


# Item 8: `flask demo` holds no transaction open while it serves.
def test_demo_serves_with_no_transaction_open(app, runner, dsn, monkeypatch):
    seen = {}

    def fake_serve(host, port, application, **kw):
        with psycopg.connect(dsn) as conn:
            seen["idle"] = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
            ).fetchone()[0]

    monkeypatch.setattr("analytics_app.cli.demo.run_simple", fake_serve)
    with app.app_context():  # `flask demo` gets one from FlaskGroup
        result = runner.invoke(args=["demo", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert seen == {"idle": 0}


# Item 4: sessions end on the server: logout, a new password and deactivation end
# every session of the user, and logging in starts a new session.
def _cookie(headers):
    return headers["Set-Cookie"].split(";", 1)[0]


def _logged_in(port, runner, tenant):
    email, password = _user(runner, tenant)
    status, headers, _ = http_login(port, tenant.host, email, password)
    assert status == 302
    return email, _cookie(headers)


def _api_status(port, tenant, cookie):
    path = "/api/analytics/analytics/dashboard/"
    return _request(port, tenant.host, path, headers={"Cookie": cookie})[0]


def _logout(port, tenant, cookie):
    _, headers, page = _request(port, tenant.host, "/", headers={"Cookie": cookie})
    cookie = _cookie(headers) if "Set-Cookie" in headers else cookie  # now holds the token
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    return _request(
        port,
        tenant.host,
        "/logout",
        "POST",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        f"csrf_token={token}",
    )


def test_logout_ends_every_session_of_the_user(live, runner, make_tenant):
    tenant = make_tenant()
    email, copied = _logged_in(live.port, runner, tenant)
    other_device = _cookie(http_login(live.port, tenant.host, email, "correct horse")[1])
    assert _api_status(live.port, tenant, copied) == 200
    assert _logout(live.port, tenant, copied)[0] == 302
    assert _api_status(live.port, tenant, copied) == 401
    assert _api_status(live.port, tenant, other_device) == 401
    # Logging in again works, with a new session.
    status, headers, _ = http_login(live.port, tenant.host, email, "correct horse")
    assert _api_status(live.port, tenant, _cookie(headers)) == 200


@pytest.mark.parametrize(
    "action",
    [
        ["users", "create", "--email", "owner@example.com", "--password", "a new one"],
        ["users", "deactivate", "--email", "owner@example.com"],
    ],
    ids=["password-reset", "deactivation"],
)
def test_a_new_password_or_deactivation_ends_copied_sessions(live, runner, make_tenant, action):
    tenant = make_tenant()
    _, copied = _logged_in(live.port, runner, tenant)
    assert _api_status(live.port, tenant, copied) == 200
    result = runner.invoke(args=[*action[:2], "--tenant", tenant.schema, *action[2:]])
    assert result.exit_code == 0, result.output
    assert _api_status(live.port, tenant, copied) == 401


def test_deactivated_users_keys_stop_working(live, runner, make_tenant, make_key):
    tenant = make_tenant()
    key = make_key(tenant, email="leaver@example.com")
    auth = {"Authorization": f"Token {key}"}
    path = "/api/analytics/analytics/dashboard/"
    assert _request(live.port, tenant.host, path, headers=auth)[0] == 200
    args = ["users", "deactivate", "--tenant", tenant.schema, "--email", "leaver@example.com"]
    assert runner.invoke(args=args).exit_code == 0
    assert _request(live.port, tenant.host, path, headers=auth)[0] == 401


def test_login_starts_a_new_session(live, runner, make_tenant):
    """A CSRF token known before the login (e.g. planted) is worth nothing after it."""
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    _, headers, page = _request(live.port, tenant.host, "/login")
    before = _cookie(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"Cookie": before, "Content-Type": "application/x-www-form-urlencoded"}
    body = f"csrf_token={token.decode()}&email={quote(email)}&password={quote(password)}"
    status, headers, _ = _request(live.port, tenant.host, "/login", "POST", form, body)
    assert status == 302
    after = _cookie(headers)
    assert after != before
    stale = {"Cookie": after, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = _request(
        live.port, tenant.host, "/logout", "POST", stale, f"csrf_token={token.decode()}"
    )
    assert status == 400
    assert _api_status(live.port, tenant, after) == 200
