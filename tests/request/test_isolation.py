"""Tenant isolation under concurrency, over real HTTP with a small connection pool.

ISOLATION_REQUESTS sets the request count (default 2,000 in the suite; the full run
of docs/reliability.md uses 10,000).
"""

import http.client
import json
import os
import re
import threading
from collections import Counter

import pytest

from analytics_app import create_app
from tests.browser import LiveServer

TENANTS = 20
CLIENTS = 8
REQUESTS = int(os.environ.get("ISOLATION_REQUESTS", "2000"))


@pytest.fixture(scope="module")
def fleet(app, database_url):
    """20 tenants, tenant i with i+1 appointments and (i+1)*100 cents of revenue."""
    from analytics_app.extensions import db
    from analytics_app.tenants import accounts, tenant_admin

    tenants = []
    with app.app_context():
        for i in range(TENANTS):
            schema = f"iso{os.getpid()}_{i}"
            tenant = tenant_admin.create_tenant(
                schema,
                schema,
                "all",
                [f"iso{i}.iso"],
                ["UTC", "Asia/Kolkata", "America/New_York"][i % 3],
            )
            conn = db.session.connection()
            conn.exec_driver_sql(
                "INSERT INTO services (id, name) VALUES (1, 'S'); INSERT INTO resources (id, name)"
                " VALUES (1, 'R');"
                " INSERT INTO appointments (id, service_id, resource_id, start_time, end_time)"
                f" SELECT g, 1, 1, now() - interval '2 days', now() - interval '47 hours'"
                f" FROM generate_series(1, {i + 1}) g;"
                " INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
                " SELECT id, 100, 'succeeded', now() - interval '2 days' FROM appointments"
            )
            user, password = accounts.create_user(tenant, f"owner{i}@iso.example", "iso-password")
            _, key = accounts.create_token(user)
            db.session.commit()
            tenants.append(
                {
                    "host": f"iso{i}.iso",
                    "key": key,
                    "total": i + 1,
                    "revenue": (i + 1) * 100,
                    "email": f"owner{i}@iso.example",
                }
            )
    return tenants


@pytest.fixture(scope="module")
def server(database_url):
    small_pool = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 3,
            "LOGIN_LIMIT_PER_CLIENT": "1000/minute",
        }
    )
    with LiveServer(small_pool) as live:
        yield live
    from analytics_app.extensions import db

    with small_pool.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _request(conn, host, path, headers=None, method="GET", body=None):
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    response = conn.getresponse()
    return response.status, response.getheaders(), response.read()


def _session_cookie(port, tenant):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    _, headers, page = _request(conn, tenant["host"], "/login")
    cookie = dict(headers)["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    form = f"csrf_token={token}&email={tenant['email']}&password=iso-password"
    status, headers, _ = _request(
        conn,
        tenant["host"],
        "/login",
        method="POST",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302
    return dict(headers)["Set-Cookie"].split(";")[0]


def test_every_response_carries_its_own_tenants_figures(server, fleet):
    for tenant in fleet[::2]:  # half the tenants are also used through a browser session
        tenant["cookie"] = _session_cookie(server.port, tenant)
    endpoints = ["appointments", "revenue", "dashboard"]
    outcome, lock = Counter(), threading.Lock()

    def client(worker):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        seen = Counter()
        for n in range(worker, REQUESTS, CLIENTS):
            tenant = fleet[(n * 7 + worker) % TENANTS]
            endpoint = endpoints[n % 3]
            auth = (
                {"Cookie": tenant["cookie"]}
                if "cookie" in tenant and n % 2
                else {"Authorization": f"Token {tenant['key']}"}
            )
            status, _, body = _request(
                conn, tenant["host"], f"/api/analytics/analytics/{endpoint}/?days=7", auth
            )
            data = json.loads(body)
            if status != 200:
                seen["5xx" if status >= 500 else f"status {status}"] += 1
                continue
            expected = {
                "appointments": ("total", tenant["total"]),
                "revenue": ("total_revenue_cents", tenant["revenue"]),
                "dashboard": ("total_appointments_all_time", tenant["total"]),
            }[endpoint]
            seen["ok" if data[expected[0]] == expected[1] else "mismatch"] += 1
        with lock:
            outcome.update(seen)

    threads = [threading.Thread(target=client, args=(w,)) for w in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome == Counter({"ok": REQUESTS})


def test_credentials_of_one_tenant_get_401_on_another(server, fleet):
    home, other = fleet[1], fleet[2]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    status, _, body = _request(
        conn,
        other["host"],
        "/api/analytics/analytics/appointments/",
        {"Authorization": f"Token {home['key']}"},
    )
    assert (status, json.loads(body)) == (401, {"detail": "Invalid token."})
    cookie = _session_cookie(server.port, home)
    status, _, body = _request(
        conn, other["host"], "/api/analytics/analytics/appointments/", {"Cookie": cookie}
    )
    assert status == 401 and b"total" not in body
    # home's user and password on other's login form: refused.
    _, headers, page = _request(conn, other["host"], "/login")
    jar = dict(headers)["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    status, _, _ = _request(
        conn,
        other["host"],
        "/login",
        method="POST",
        body=f"csrf_token={token}&email={home['email']}&password=iso-password",
        headers={"Cookie": jar, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 401
