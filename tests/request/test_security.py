"""Hardening: sign-in rate limits, security headers, request logs, no leaks."""

import json
import logging

import pytest

from tests.request.test_auth import _user


def test_sign_in_is_limited_per_account_the_same_for_unknown_emails(runner, browser, make_tenant):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    for who in (email, "nobody@example.com"):
        b = browser(tenant)
        answers = [b.login(who, "wrong").status_code for _ in range(6)]
        assert answers == [401] * 5 + [429], who
    # The right password is refused too while the account is limited.
    response = browser(tenant).login(email, password)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_sign_in_is_limited_per_client(app, runner, browser, make_tenant, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_CLIENT", "3/minute")
    tenant = make_tenant()
    b = browser(tenant)
    answers = [b.login(f"user{i}@example.com", "wrong").status_code for i in range(4)]
    assert answers == [401, 401, 401, 429]


def test_page_headers(runner, browser, make_tenant):
    tenant = make_tenant()
    b = browser(tenant)
    b.login(*_user(runner, tenant))
    response = b.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.get_data(as_text=True)


def test_api_headers_and_request_id(api, make_tenant, client):
    tenant = make_tenant()
    response = api(tenant, "dashboard")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-ID"]) == 32
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    bad = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert bad.headers["X-Request-ID"] != "<script>"


def test_one_structured_log_line_per_request(api, make_tenant, caplog):
    tenant = make_tenant()
    with caplog.at_level(logging.INFO, logger="analytics_app.requests"):
        response = api(tenant, "appointments", days=7)
    (line,) = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "analytics_app.requests"
    ]
    assert line["tenant"] == tenant.schema
    assert line["status"] == 200 and line["user"] is not None
    assert line["path"] == "/api/analytics/analytics/appointments/"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(line["ms"], float)


@pytest.mark.parametrize("path", ["/api/analytics/analytics/nope/", "/api/nothing", "/x"])
def test_unknown_paths_are_json_404(client, make_tenant, path):
    tenant = make_tenant()
    response = client.get(path, base_url=f"http://{tenant.host}")
    assert response.status_code == 404
    assert "detail" in response.get_json()
