"""400, 401 and 403 answers with the SPEC's exact bodies, and their order."""

import pytest

ANALYTICS_403 = {
    "detail": "Your current plan does not include Advanced Analytics. "
    "Please upgrade your subscription to access this feature."
}
PAYMENTS_403 = {
    "error": "Payment analytics not available",
    "detail": "Your plan does not include payment processing.",
}
ENDPOINTS = [
    "dashboard",
    "appointments",
    "revenue",
    "customers",
    "team",
    "heatmap",
    "seasonality",
    "outlook",
    "retention",
    "at-risk",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_credentials(client, make_tenant, endpoint):
    tenant = make_tenant()
    response = client.get(f"/api/analytics/analytics/{endpoint}/", base_url=f"http://{tenant.host}")
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}
    assert response.headers["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Tokenabc", "", "   "])
def test_other_schemes_count_as_no_credentials(client, make_tenant, header):
    tenant = make_tenant()
    response = client.get(
        "/api/analytics/analytics/dashboard/",
        base_url=f"http://{tenant.host}",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    "header",
    [
        "Token nope",
        "Bearer nope",
        "Token ",
        "token ta_x_y",
        "Token ta_abc_def ghi",
        "Bearer " + "x" * 5000,
        "Token ' OR 1=1 --",
        "Token ta_%_%",
    ],
)
def test_bad_keys(client, make_tenant, header):
    tenant = make_tenant()
    response = client.get(
        "/api/analytics/analytics/dashboard/",
        base_url=f"http://{tenant.host}",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}


def test_bearer_and_lowercase_scheme_work(client, make_tenant, make_key):
    tenant = make_tenant()
    key = make_key(tenant)
    for header in (f"Bearer {key}", f"token {key}", f"Token  {key} "):
        response = client.get(
            "/api/analytics/analytics/dashboard/",
            base_url=f"http://{tenant.host}",
            headers={"Authorization": header},
        )
        assert response.status_code == 200, header


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_analytics_gate(api, make_tenant, endpoint):
    tenant = make_tenant(plan="none")
    response = api(tenant, endpoint)
    assert response.status_code == 403
    assert response.get_json() == ANALYTICS_403


def test_revenue_needs_payments_too(api, make_tenant):
    tenant = make_tenant(plan="analytics only")
    assert api(tenant, "dashboard").status_code == 200
    response = api(tenant, "revenue")
    assert response.status_code == 403
    assert response.get_json() == PAYMENTS_403


def test_authentication_comes_before_the_gate(client, make_tenant):
    tenant = make_tenant(plan="none")
    response = client.get(
        "/api/analytics/analytics/revenue/",
        base_url=f"http://{tenant.host}",
        headers={"Authorization": "Token wrong"},
    )
    assert response.status_code == 401


def test_gate_comes_before_argument_checks(api, make_tenant):
    tenant = make_tenant(plan="none")
    response = api(tenant, "appointments", days="zero")
    assert response.status_code == 403


def test_overrides_and_plan_changes_apply_on_the_next_request(api, runner, make_tenant):
    tenant = make_tenant(plan="analytics only")
    runner.invoke(args=["plans", "create", "changing", "--feature", "advanced_analytics"])
    tenant.sql(
        "UPDATE public.tenants SET plan_id = (SELECT id FROM public.subscription_plans"
        " WHERE name = 'changing') WHERE schema_name = %s",
        (tenant.schema,),
    )
    steps = [
        (["tenants", "set-feature", tenant.schema, "can_accept_payments", "on"], 200),
        (["tenants", "set-feature", tenant.schema, "can_accept_payments", "plan"], 403),
        (["plans", "set-feature", "changing", "can_accept_payments", "on"], 200),
        (["tenants", "set-feature", tenant.schema, "can_accept_payments", "off"], 403),
        (["tenants", "set-feature", tenant.schema, "can_accept_payments", "plan"], 200),
        (["plans", "set-feature", "changing", "advanced_analytics", "off"], 403),
        (["tenants", "set-feature", tenant.schema, "advanced_analytics", "on"], 200),
    ]
    for args, status in steps:
        assert runner.invoke(args=args).exit_code == 0
        assert api(tenant, "revenue").status_code == status, args


@pytest.mark.parametrize(
    ("endpoint", "query", "errors"),
    [
        ("appointments", {"days": "0"}, {"days": ["Must be between 1 and 3650."]}),
        ("appointments", {"days": "3651"}, {"days": ["Must be between 1 and 3650."]}),
        ("appointments", {"days": "-5"}, {"days": ["Must be between 1 and 3650."]}),
        ("appointments", {"days": "abc"}, {"days": ["Not a valid integer."]}),
        ("appointments", {"days": "7.5"}, {"days": ["Not a valid integer."]}),
        ("appointments", {"days": ""}, {"days": ["Not a valid integer."]}),
        ("appointments", {"days": "9" * 5000}, {"days": ["Not a valid integer."]}),
        (
            "appointments",
            {"days": "99999999999999999999"},
            {"days": ["Must be between 1 and 3650."]},
        ),
        (
            "appointments",
            {"status": "done"},
            {"status": ["Must be one of: confirmed, cancelled, no_show."]},
        ),
        (
            "appointments",
            {"status": "CONFIRMED"},
            {"status": ["Must be one of: confirmed, cancelled, no_show."]},
        ),
        ("appointments", {"service_id": "0"}, {"service_id": ["Must be a positive integer."]}),
        ("appointments", {"resource_id": "-1"}, {"resource_id": ["Must be a positive integer."]}),
        (
            "appointments",
            {"service_id": "9223372036854775808"},
            {"service_id": ["Must be a positive integer."]},
        ),
        (
            "appointments",
            {"service_id": "1; DROP TABLE appointments"},
            {"service_id": ["Not a valid integer."]},
        ),
        (
            "appointments",
            {"days": "x", "status": "y", "service_id": "-2", "resource_id": "z"},
            {
                "days": ["Not a valid integer."],
                "status": ["Must be one of: confirmed, cancelled, no_show."],
                "service_id": ["Must be a positive integer."],
                "resource_id": ["Not a valid integer."],
            },
        ),
        ("revenue", {"days": "0"}, {"days": ["Must be between 1 and 3650."]}),
        ("revenue", {"service_id": "abc"}, {"service_id": ["Not a valid integer."]}),
    ],
)
def test_bad_query_values(api, make_tenant, endpoint, query, errors):
    tenant = make_tenant()
    response = api(tenant, endpoint, **query)
    assert response.status_code == 400
    assert response.get_json() == {"errors": errors}


def test_unknown_parameters_are_ignored_and_limits_accepted(api, make_tenant):
    tenant = make_tenant()
    assert api(tenant, "appointments", days=3650, colour="blue").status_code == 200
    assert api(tenant, "appointments", days=1).get_json()["period_days"] == 1
    assert api(tenant, "revenue", days=3650, service_id=2**63 - 1).status_code == 200
    assert api(tenant, "dashboard", days="nonsense").status_code == 200


def test_only_get(client, make_tenant, make_key):
    tenant = make_tenant()
    response = client.post(
        "/api/analytics/analytics/dashboard/",
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {make_key(tenant)}"},
    )
    assert response.status_code == 405
    assert "detail" in response.get_json()


def test_api_index_lists_the_endpoints(client, make_tenant):
    tenant = make_tenant()
    body = client.get("/api/analytics/", base_url=f"http://{tenant.host}").get_json()
    base = f"http://{tenant.host}/api/analytics/analytics"
    assert body == {
        "dashboard": f"{base}/dashboard/",
        "appointments": f"{base}/appointments/",
        "revenue": f"{base}/revenue/",
        "customers": f"{base}/customers/",
        "team": f"{base}/team/",
        "heatmap": f"{base}/heatmap/",
        "seasonality": f"{base}/seasonality/",
        "outlook": f"{base}/outlook/",
        "retention": f"{base}/retention/",
        "at_risk": f"{base}/at-risk/",
        "alerts": f"http://{tenant.host}/api/analytics/alerts/",
    }
