"""Browser sessions: login form with CSRF, logout, and sessions bound to their tenant."""

import re


def _user(runner, tenant, email="owner@example.com", password="correct horse"):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--tenant",
            tenant.schema,
            "--email",
            email,
            "--password",
            password,
        ]
    )
    assert result.exit_code == 0, result.output
    return email, password


def test_login_then_api_with_the_session_then_logout(runner, browser, make_tenant):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    b = browser(tenant)
    assert b.get("/").status_code == 302  # pages send people to login
    response = b.login(email.upper(), password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert b.get("/").status_code == 200
    body = b.get("/api/analytics/analytics/dashboard/").get_json()
    assert body["total_appointments_all_time"] == 0
    page = b.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        b.client.post("/logout", base_url=b.base_url, data={"csrf_token": token}).status_code == 302
    )
    response = b.get("/api/analytics/analytics/dashboard/")
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}


def test_session_cookie_flags(runner, browser, make_tenant):
    tenant = make_tenant()
    b = browser(tenant)
    response = b.login(*_user(runner, tenant))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain=" not in cookie  # host-only: never sent to another tenant's host


def test_wrong_password_and_unknown_email_get_the_same_answer(runner, browser, make_tenant):
    tenant = make_tenant()
    email, _ = _user(runner, tenant)
    wrong = browser(tenant).login(email, "nope")
    unknown = browser(tenant).login("ghost@example.com", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_login_form_needs_its_csrf_token(runner, client, make_tenant):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    response = client.post(
        "/login", base_url=f"http://{tenant.host}", data={"email": email, "password": password}
    )
    assert response.status_code == 400
    assert client.get("/", base_url=f"http://{tenant.host}").status_code == 302


def test_a_user_of_one_tenant_cannot_log_in_on_another(runner, browser, make_tenant):
    home, other = make_tenant(), make_tenant()
    email, password = _user(runner, home)
    assert browser(other).login(email, password).status_code == 401


def test_a_session_cookie_replayed_on_another_host_is_not_a_login(runner, app, make_tenant):
    home, other = make_tenant(), make_tenant()
    email, password = _user(runner, home)
    from tests.conftest import Browser

    b = Browser(app.test_client(), home.host)
    cookie = b.login(email, password).headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("session=")
    thief = app.test_client(use_cookies=False)  # sends exactly the Cookie header below
    headers = {"Cookie": cookie}
    home_answer = thief.get(
        "/api/analytics/analytics/dashboard/", headers=headers, base_url=f"http://{home.host}"
    )
    assert home_answer.status_code == 200  # the cookie itself is good...
    response = thief.get(
        "/api/analytics/analytics/dashboard/", headers=headers, base_url=f"http://{other.host}"
    )
    assert response.status_code == 401  # ...but not on another tenant's host
    assert thief.get("/", headers=headers, base_url=f"http://{other.host}").status_code == 302


def test_next_is_followed_only_within_the_site(runner, browser, make_tenant):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    for target, expected in [
        ("/?days=7", "/?days=7"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = browser(tenant).login(email, password, next_path=target)
        assert response.headers["Location"] == expected, target


def test_inactive_user_cannot_log_in(runner, browser, make_tenant):
    tenant = make_tenant()
    email, password = _user(runner, tenant)
    tenant.sql(
        "UPDATE public.users SET is_active = false WHERE email = %s AND tenant_id = %s",
        (email, tenant.id),
    )
    assert browser(tenant).login(email, password).status_code == 401


def test_dashboard_reports_bad_filters_and_keeps_going(runner, browser, make_tenant):
    tenant = make_tenant()
    b = browser(tenant)
    b.login(*_user(runner, tenant))
    response = b.get("/?days=abc&status=&service_id=&resource_id=2")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Some filters were not valid" in page and "Not a valid integer." in page
    assert "Appointments, last 30 days" in page
    assert b.get("/?days=7&status=&service_id=").status_code == 200
