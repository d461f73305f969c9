"""Multi-value `service_id` / `resource_id` (SPEC Part 4): any of the ids, AND between
parameters, the same figures as tests/reference.py, 400s naming the parameter, and the
dashboard's multi-selects kept in the URL."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import reference
from tests.reference import Ledger


@pytest.fixture
def salon(make_tenant):
    rng = random.Random(7)
    ledger = Ledger(make_tenant(timezone="America/Denver"))
    for i in range(1, 5):
        ledger.service(i, f"Service {i}", price=1500 * i)
    for i in range(1, 4):
        ledger.resource(i, f"Chair {i}")
    now = datetime.now(UTC)
    for _ in range(120):
        start = now - timedelta(days=rng.uniform(-3, 400), minutes=rng.randrange(1440))
        a = ledger.book(
            start,
            status=rng.choice(["confirmed"] * 4 + ["cancelled", "no_show"]),
            service=rng.randint(1, 4),
            resource=rng.randint(1, 3),
        )
        if rng.random() < 0.5:
            ledger.pay(a, rng.randrange(1000, 9000), paid_at=start + timedelta(hours=1))
    neighbour = Ledger(make_tenant())
    neighbour.service(1, "Other")
    neighbour.resource(1, "Other")
    neighbour.book(now - timedelta(days=1))
    return ledger


CASES = [
    ({"service_id": "1,3"}, {"service_id": [1, 3]}),
    ({"service_id": "4,2,1"}, {"service_id": [4, 2, 1]}),
    ({"resource_id": "2,3"}, {"resource_id": [2, 3]}),
    ({"service_id": "1,2", "resource_id": "3"}, {"service_id": [1, 2], "resource_id": [3]}),
    ({"service_id": "2,99"}, {"service_id": [2, 99]}),  # 99 matches nothing: adds nothing
    ({"service_id": "99,100"}, {"service_id": [99, 100]}),  # nothing at all: zeros
]


@pytest.mark.parametrize(("query", "ids"), CASES)
def test_every_report_takes_a_list_of_ids(api, salon, query, ids):
    now = datetime.now(UTC)
    body = api(salon.tenant, "appointments", days=365, **query).get_json()
    assert body == reference.appointments(salon, now, 365, **ids)
    body = api(salon.tenant, "heatmap", days=90, **query).get_json()
    assert body == reference.heatmap(salon, now, 90, **ids)
    assert api(salon.tenant, "seasonality", **query).get_json() == reference.seasonality(
        salon, now, **ids
    )
    if "resource_id" not in query:  # revenue takes service_id only
        body = api(salon.tenant, "revenue", days=365, **query).get_json()
        assert body == reference.revenue(salon, now, 365, **ids)


def test_a_list_equals_the_sum_of_its_ids(api, salon):
    """Counting 1,3 is counting 1 and counting 3 (the filters partition the rows)."""
    both = api(salon.tenant, "appointments", days=365, service_id="1,3").get_json()
    one = api(salon.tenant, "appointments", days=365, service_id="1").get_json()
    three = api(salon.tenant, "appointments", days=365, service_id="3").get_json()
    assert both["total"] == one["total"] + three["total"] > 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,,3", "Must not have an empty item."),
        (",1", "Must not have an empty item."),
        ("1,", "Must not have an empty item."),
        ("2,5,2", "Must not repeat an id (2)."),
        (",".join(str(i) for i in range(1, 102)), "Must have at most 100 ids."),
        ("1,0", "Must be a positive integer."),
        ("1, 2", "Not a valid integer."),
        ("1;2", "Not a valid integer."),
    ],
)
def test_bad_lists_are_a_400_naming_the_parameter(api, make_tenant, value, message):
    tenant = make_tenant()
    for endpoint in ("appointments", "heatmap", "seasonality", "revenue"):
        response = api(tenant, endpoint, service_id=value)
        assert response.status_code == 400, endpoint
        assert response.get_json() == {"errors": {"service_id": [message]}}, endpoint
    response = api(tenant, "appointments", resource_id=value)
    assert response.get_json() == {"errors": {"resource_id": [message]}}
    assert (
        api(tenant, "appointments", service_id=",".join(map(str, range(1, 101)))).status_code == 200
    )


def test_the_dashboard_keeps_several_services_in_its_url(api, salon, runner, browser):
    result = runner.invoke(
        args=["users", "create", "--tenant", salon.tenant.schema, "--email", "m@salon.example"]
        + ["--password", "pw-multi-1"]
    )
    assert result.exit_code == 0
    session = browser(salon.tenant)
    assert session.login("m@salon.example", "pw-multi-1").status_code == 302
    # What a multi-select sends: one value per chosen option.
    html = session.get("/?days=365&service_id=1&service_id=3&resource_id=2").get_data(as_text=True)
    selected = re.findall(r'<option value="(\d+)" selected>', html)
    assert selected == ["1", "3", "2"]  # services 1 and 3, resource 2
    total = re.search(r'data-metric="total">([^<]+)<', html).group(1)
    expected = api(salon.tenant, "appointments", days=365, service_id="1,3", resource_id="2")
    assert int(total.replace(",", "")) == expected.get_json()["total"]
    # The presets keep the choice: each link carries both services.
    week = re.search(r'<a href="([^"]*days=7[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "service_id=1" in week and "service_id=3" in week and "resource_id=2" in week
