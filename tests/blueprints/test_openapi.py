"""The OpenAPI document, and schemathesis driving every operation from it."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from analytics_app.blueprints.api import openapi
from tests.browser import LiveServer
from tests.reference import Ledger

REPORTS = [
    "/api/analytics/analytics/dashboard/",
    "/api/analytics/analytics/appointments/",
    "/api/analytics/analytics/revenue/",
    "/api/analytics/analytics/customers/",
    "/api/analytics/analytics/team/",
    "/api/analytics/analytics/heatmap/",
    "/api/analytics/analytics/seasonality/",
    "/api/analytics/analytics/outlook/",
    "/api/analytics/analytics/retention/",
    "/api/analytics/analytics/at-risk/",
    "/api/analytics/alerts/",
    "/api/analytics/reports/summary.pdf",
]


def test_document_lists_every_operation_and_status(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc == openapi.document()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/analytics/", "/api/export/{kind}/", *REPORTS}
    for path in REPORTS:
        responses = doc["paths"][path]["get"]["responses"]
        assert set(responses) == {"200", "400", "401", "403", "404", "405", "503"}, path
    params = {
        p["name"]: p
        for p in doc["paths"]["/api/analytics/analytics/appointments/"]["get"]["parameters"]
    }
    assert params["days"]["schema"]["minimum"] == 1 and params["days"]["schema"]["maximum"] == 3650
    assert params["status"]["schema"]["enum"] == ["confirmed", "cancelled", "no_show"]
    assert doc["components"]["securitySchemes"]["token"]["name"] == "Authorization"


@pytest.fixture
def fuzz_target(app, make_tenant, make_key, runner):
    """A tenant with a little history, its key, and a live server for the app."""
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    runner.invoke(args=["tenants", "set-feature", ledger.tenant.schema, "can_export_data", "on"])
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    from datetime import UTC, datetime, timedelta

    a = ledger.book(datetime.now(UTC) - timedelta(days=2))
    ledger.pay(a, 1234, paid_at=a.end)
    with LiveServer(app) as live:
        yield live, ledger.tenant, make_key(ledger.tenant)


# The document the app serves (test_document_... checks that it is this one); built
# without a database, so it can be loaded when the module is collected.
schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms(case, fuzz_target):
    live, tenant, key = fuzz_target
    response = case.call_and_validate(
        base_url=f"http://127.0.0.1:{live.port}",
        headers={"Host": tenant.host, "Authorization": f"Token {key}"},
        # "days, or start with end, never both" cannot be said in OpenAPI 3.0 parameters,
        # so schema-valid combinations may be refused (400, naming the parameter, as
        # documented on it). Every other check, 5xx and response conformance included, runs.
        excluded_checks=[positive_data_acceptance],
    )
    assert response.status_code < 500
