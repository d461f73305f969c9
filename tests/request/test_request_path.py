"""The API's request path: two statements per report request (issue 15), and the same
answers as before for keys, plans, overrides and time zones changed between requests."""

import pytest
from sqlalchemy import event

from analytics_app.extensions import db

REPORTS = ["dashboard", "appointments", "revenue", "customers", "team", "heatmap"]


@pytest.fixture
def statements(app):
    """The statements the app's engine sends while the block runs."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_request_is_two_statements(api, make_tenant, make_key, statements, report):
    tenant = make_tenant(timezone="Europe/Berlin")
    key = make_key(tenant)
    api(tenant, "dashboard", key=key)  # the key's first use writes last_used_at
    statements.clear()
    response = api(tenant, report, key=key, days=7)
    assert response.status_code == 200
    assert len(statements) == 2, statements
    assert "begin_api_request" in statements[0]
    assert f"{report}_report(" in statements[1]


def test_refusals_take_one_statement(api, client, make_tenant, make_key, statements):
    basic = make_tenant(plan="none")
    key = make_key(basic)
    api(basic, "appointments", key=key)
    statements.clear()
    assert api(basic, "appointments", key=key).status_code == 403
    assert api(basic, "appointments", key="ta_000000000000_nope").status_code == 401
    response = client.get("/api/analytics/analytics/appointments/", base_url=f"http://{basic.host}")
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}
    assert len(statements) == 3, statements


def test_changes_apply_on_the_next_request(api, make_tenant, make_key, runner):
    tenant = make_tenant(timezone="UTC", plan="analytics only")
    key = make_key(tenant)
    assert api(tenant, "team", key=key).get_json()["resources"] == []
    assert api(tenant, "revenue", key=key).status_code == 403
    # A plan change, then an override back off, each on the very next request.
    tenant.sql(
        "UPDATE public.tenants SET plan_id = (SELECT id FROM public.subscription_plans"
        " WHERE name = 'all') WHERE id = %s",
        (tenant.id,),
    )
    assert api(tenant, "revenue", key=key).status_code == 200
    tenant.sql("UPDATE public.tenants SET can_accept_payments = false WHERE id = %s", (tenant.id,))
    assert api(tenant, "revenue", key=key).status_code == 403
    # A new time zone.
    result = runner.invoke(args=["tenants", "set-timezone", tenant.schema, "Asia/Kolkata"])
    assert result.exit_code == 0, result.output
    assert api(tenant, "customers", key=key).get_json()["window"]["time_zone"] == "Asia/Kolkata"
    # A revoked key.
    tenant.sql("UPDATE public.api_tokens SET revoked_at = now()")
    response = api(tenant, "dashboard", key=key)
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}


def test_last_used_is_written_once_a_minute_and_kept(api, make_tenant, make_key):
    tenant = make_tenant()
    key = make_key(tenant)
    prefix = key.split("_")[1]

    def last_used():
        return tenant.scalar(
            "SELECT last_used_at FROM public.api_tokens WHERE key_prefix = %s", (prefix,)
        )

    assert last_used() is None
    assert api(tenant, "heatmap", key=key).status_code == 200
    first = last_used()
    assert first is not None
    assert api(tenant, "heatmap", key=key).status_code == 200
    assert last_used() == first  # not again within the minute
    tenant.sql(
        "UPDATE public.api_tokens SET last_used_at = now() - interval '2 minutes'"
        " WHERE key_prefix = %s",
        (prefix,),
    )
    assert api(tenant, "heatmap", key=key).status_code == 200
    assert last_used() > first
