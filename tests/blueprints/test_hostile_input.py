"""Hostile and broken input: never a 5xx, always a JSON 4xx naming the problem, nothing written."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics_app.extensions import db

PATHS = [
    "/api/analytics/analytics/dashboard/",
    "/api/analytics/analytics/appointments/",
    "/api/analytics/analytics/revenue/",
    "/api/analytics/",
]
INJECTIONS = [
    "1; DROP TABLE appointments; --",
    "' OR '1'='1",
    "1 OR 1=1",
    "$$; SELECT pg_sleep(5); $$",
    "1') UNION SELECT * FROM public.users --",
    "\x00",
    "%00",
    "NaN",
    "Infinity",
    "1e308",
    "-0",
    "0x10",
    "١٢",
    "７",
    "\u202e30",
    "30\n",
    "30 ",
    "[30]",
    "{'a':1}",
    "null",
    "confirmed' --",
    "\\",
    "%",
    "𝟑𝟎",
]
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def guarded(app, make_tenant, make_key):
    """A tenant with data and a key; after the test, nothing anywhere may have changed."""
    tenant = make_tenant(timezone="Asia/Kolkata")
    tenant.sql(
        "INSERT INTO services (id, name) VALUES (1, 'S'); INSERT INTO resources (id, name)"
        " VALUES (1, 'R'); INSERT INTO appointments (service_id, resource_id, start_time,"
        " end_time) VALUES (1, 1, now() - interval '1 day', now() - interval '23 hours')"
    )

    def snapshot():
        return tenant.sql(
            "SELECT (SELECT count(*) FROM appointments), (SELECT count(*) FROM payments),"
            " (SELECT count(*) FROM services), (SELECT count(*) FROM public.tenants),"
            " (SELECT count(*) FROM public.users), (SELECT count(*) FROM public.domains),"
            " (SELECT count(*) FROM pg_namespace),"
            " (SELECT md5(string_agg(t::text, '')) FROM public.tenants t)"
        )

    key = make_key(tenant)
    before = snapshot()
    yield tenant, key
    assert snapshot() == before


def _assert_clean(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        body = response.get_json()
        assert isinstance(body, dict) and ("detail" in body or "errors" in body), body
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "psycopg", "sqlalchemy", "SELECT ", "syntax error"):
        assert leak not in text


@pytest.mark.parametrize("param", ["days", "status", "service_id", "resource_id"])
@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_every_parameter(client, guarded, param, value):
    tenant, key = guarded
    response = client.get(
        "/api/analytics/analytics/appointments/",
        query_string={param: value},
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    )
    _assert_clean(response)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [param]


@pytest.mark.parametrize(
    "host",
    [
        "x' OR '1'='1",
        "demo.localhost'; DROP SCHEMA public; --",
        "a" * 5000,
        "..",
        "-",
        "localhost:99999999",
        "[::1",
        "xn--80ak6aa92e.com",
        "t.test:abc",
        "%00",
        "UPPER.CASE",
    ],
)
def test_hostile_host_headers(client, guarded, host):
    _, key = guarded
    response = client.get(PATHS[0], headers={"Host": host, "Authorization": f"Token {key}"})
    _assert_clean(response)
    assert response.status_code in (400, 404)


@SETTINGS
@given(
    query=st.dictionaries(
        st.sampled_from(["days", "status", "service_id", "resource_id", "x", "days[]", ""]),
        st.one_of(
            st.text(max_size=40),
            st.integers().map(str),
            st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
        ),
        max_size=4,
    ),
    path=st.sampled_from(PATHS),
)
def test_any_query_string(client, guarded, query, path):
    tenant, key = guarded
    response = client.get(
        path,
        query_string=query,
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    )
    _assert_clean(response)


@SETTINGS
@given(
    authorization=st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda s, k: f"{s} {k}",
            st.sampled_from(["Token", "Bearer", "token", "Basic"]),
            st.text(max_size=200),
        ),
        st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    )
)
def test_any_authorization_header(client, guarded, authorization):
    tenant, _ = guarded
    if "\n" in authorization or "\r" in authorization:
        authorization = authorization.replace("\n", " ").replace("\r", " ")
    response = client.get(
        PATHS[1], base_url=f"http://{tenant.host}", headers={"Authorization": authorization}
    )
    _assert_clean(response)
    assert response.status_code == 401


@SETTINGS
@given(host=st.text(min_size=0, max_size=80).filter(lambda h: "\n" not in h and "\r" not in h))
def test_any_host_header(client, guarded, host):
    _, key = guarded
    response = client.get(PATHS[2], headers={"Host": host, "Authorization": f"Token {key}"})
    _assert_clean(response)


def test_long_and_binary_inputs(client, guarded):
    tenant, key = guarded
    for query in (
        {"days": "9" * 100_000},
        {"status": "\xff\xfe" * 1000},
        {"service_id": "1" * 20_000},
        {"x" * 10_000: "y"},
    ):
        response = client.get(
            PATHS[1],
            query_string=query,
            base_url=f"http://{tenant.host}",
            headers={"Authorization": f"Token {key}"},
        )
        _assert_clean(response)
    response = client.get(
        PATHS[1],
        base_url=f"http://{tenant.host}",
        headers={"Authorization": "Token " + "A" * 100_000},
    )
    _assert_clean(response)
    assert response.status_code == 401


@pytest.mark.server_error_expected
def test_reports_run_read_only(app, make_tenant):
    """Even a report function replaced by a writer cannot write through the API."""
    tenant = make_tenant()
    tenant.sql(
        "CREATE OR REPLACE FUNCTION dashboard_report(p_now timestamptz DEFAULT now())"
        " RETURNS json LANGUAGE plpgsql AS $$ BEGIN"
        " INSERT INTO services (name) VALUES ('written'); RETURN '{}'::json; END $$"
    )
    from analytics_app.tenants import accounts, tenant_admin

    with app.app_context():
        user, _ = accounts.create_user(tenant_admin.get_tenant(tenant.schema), "ro@example.com")
        _, key = accounts.create_token(user)
        db.session.commit()
    response = app.test_client().get(
        PATHS[0], base_url=f"http://{tenant.host}", headers={"Authorization": f"Token {key}"}
    )
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Internal server error."}
    assert tenant.scalar("SELECT count(*) FROM services WHERE name = 'written'") == 0


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "x\x01y"])
def test_nul_and_control_characters_anywhere(client, runner, guarded, value):
    """PostgreSQL refuses NUL in text: none may reach a query."""
    tenant, key = guarded
    _assert_clean(client.get(PATHS[0], headers={"Host": f"{value}.test", "Authorization": key}))
    response = client.get(
        PATHS[0],
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token ta_{value}_{value}"},
    )
    _assert_clean(response)
    assert response.status_code == 401
    response = client.get(
        PATHS[0],
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key[:16]}{value}{key[16:]}"},
    )
    assert response.status_code == 401
    response = client.get(
        PATHS[1],
        query_string={"status": value},
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 400
    page = client.get("/login", base_url=f"http://{tenant.host}").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        base_url=f"http://{tenant.host}",
        data={"csrf_token": token, "email": f"a{value}@b.c", "password": value},
    )
    assert response.status_code == 401
