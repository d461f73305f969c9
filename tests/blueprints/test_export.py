"""Data export: streamed CSV / JSON lines of the tenant's own rows, gated, date-filtered."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from tests.reference import Ledger

EXPORT_403 = {
    "detail": "Your current plan does not include Data Export. "
    "Please upgrade your subscription to access this feature."
}


@pytest.fixture
def shop(make_tenant, runner):
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    runner.invoke(args=["tenants", "set-feature", ledger.tenant.schema, "can_export_data", "on"])
    ledger.service(1, 'Cut, "deluxe"')
    ledger.service(2, "Dye\nnew line")
    ledger.resource(1, "Chair")
    today = datetime.now(ledger.zone).date()
    for days_ago, hour in [(0, 9), (3, 0), (3, 23), (10, 12)]:
        a = ledger.book(
            ledger.local(today - timedelta(days=days_ago), hour, 15),
            status="cancelled" if hour == 0 else "confirmed",
            service=1 + hour % 2,
        )
        ledger.pay(a, 1000 + hour, paid_at=a.end)
    neighbour = Ledger(make_tenant())
    neighbour.service(1, "Other")
    neighbour.resource(1, "Other")
    neighbour.book(datetime.now(UTC))
    return ledger


def _get(client, make_key, tenant, kind, **query):
    headers = {"Authorization": f"Token {make_key(tenant)}"}
    if "accept" in query:
        headers["Accept"] = query.pop("accept")
    return client.get(
        f"/api/export/{kind}/",
        query_string=query,
        headers=headers,
        base_url=f"http://{tenant.host}",
    )


def test_appointments_csv_round_trips(client, make_key, shop):
    response = _get(client, make_key, shop.tenant, "appointments", format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [
        (
            int(r["id"]),
            int(r["service_id"]),
            r["status"],
            datetime.fromisoformat(r["start_time"]),
            datetime.fromisoformat(r["end_time"]),
        )
        for r in rows
    ] == [(a.id, a.service_id, a.status, a.start, a.end) for a in shop.appointments]
    assert rows[0]["customer_id"] == ""


def test_accept_header_and_services_with_awkward_names(client, make_key, shop):
    response = _get(client, make_key, shop.tenant, "services", accept="text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["name"] for r in rows] == ['Cut, "deluxe"', "Dye\nnew line"]
    # Prices are in the currency's minor unit; each row says which currency.
    assert list(rows[0]) == [
        "id",
        "name",
        "duration_minutes",
        "price_cents",
        "currency",
        "is_active",
    ]
    assert {r["currency"] for r in rows} == {"USD"}


def test_payments_carry_their_tenants_currency(client, make_key, runner, shop):
    assert runner.invoke(args=["tenants", "set-currency", shop.tenant.schema, "JPY"]).exit_code == 0
    response = _get(client, make_key, shop.tenant, "payments", format="csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(int(r["amount_cents"]), r["currency"]) for r in rows] == [
        (p.amount_cents, "JPY") for p in shop.payments
    ]
    lines = _get(client, make_key, shop.tenant, "payments").get_data(as_text=True).splitlines()
    assert [json.loads(line)["currency"] for line in lines] == ["JPY"] * len(shop.payments)


def test_json_lines_and_local_date_filters(client, make_key, shop):
    today = datetime.now(shop.zone).date()
    day = (today - timedelta(days=3)).isoformat()
    response = _get(client, make_key, shop.tenant, "appointments", start=day, end=day)
    assert response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(lines) == 2  # 00:15 and 23:15 local on that day, whatever UTC says
    assert {
        datetime.fromisoformat(x["start_time"]).astimezone(shop.zone).date().isoformat()
        for x in lines
    } == {day}
    payments = _get(client, make_key, shop.tenant, "payments", start=day).get_data(as_text=True)
    assert len(payments.splitlines()) == 3
    assert _get(client, make_key, shop.tenant, "resources").get_data(as_text=True).count("\n") == 1


def test_end_before_start_is_an_empty_export(client, make_key, shop):
    body = _get(
        client,
        make_key,
        shop.tenant,
        "appointments",
        format="csv",
        start="2026-03-02",
        end="2026-03-01",
    ).get_data(as_text=True)
    assert body.splitlines() == [
        "id,service_id,resource_id,customer_id,start_time,end_time,status,created_at,source"
    ]


def test_no_other_tenants_rows(client, make_key, shop):
    body = _get(client, make_key, shop.tenant, "services", format="csv").get_data(as_text=True)
    assert "Other" not in body


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"format": "xml"}, {"format": ["Must be csv, jsonl or xlsx."]}),
        ({"start": "2026-02-30"}, {"start": ["Not a valid date."]}),
        ({"end": "yesterday"}, {"end": ["Not a valid date."]}),
    ],
)
def test_bad_export_arguments(client, make_key, shop, query, errors):
    response = _get(client, make_key, shop.tenant, "appointments", **query)
    assert response.status_code == 400
    assert response.get_json() == {"errors": errors}


def test_export_is_gated(client, make_key, make_tenant):
    tenant = make_tenant()
    response = _get(client, make_key, tenant, "appointments")
    assert response.status_code == 403
    assert response.get_json() == EXPORT_403
    assert (
        client.get("/api/export/appointments/", base_url=f"http://{tenant.host}").status_code == 401
    )
    assert _get(client, make_key, tenant, "users").status_code == 404


def test_analytics_csv(api, shop):
    appointments = api(shop.tenant, "appointments", days=3, format="csv")
    assert appointments.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(appointments.get_data(as_text=True))))
    body = api(shop.tenant, "appointments", days=3).get_json()
    assert [r["date"] for r in rows] == [d["date"] for d in body["daily_breakdown"]]
    assert [int(r["count"]) for r in rows] == [d["count"] for d in body["daily_breakdown"]]
    assert list(rows[0]) == ["date", "count", "confirmed", "cancelled", "no_show"]
    revenue = api(shop.tenant, "revenue", days=5, format="csv").get_data(as_text=True)
    # Amounts in minor units, and the currency they are in on every row.
    assert revenue.splitlines()[0] == "date,revenue_cents,transaction_count,currency"
    assert all(line.endswith(",USD") for line in revenue.splitlines()[1:])
    assert len(revenue.splitlines()) == 6
    dashboard = api(shop.tenant, "dashboard", format="csv").get_data(as_text=True).splitlines()
    assert dashboard[0].startswith("total_appointments_this_month,") and len(dashboard) == 2
    assert api(shop.tenant, "revenue", format="pdf").get_json() == {
        "errors": {"format": ["Must be json, csv or xlsx."]}
    }


def test_infinite_times_are_exported_as_postgresql_writes_them(client, make_key, shop):
    # '-infinity' and 'infinity' are timestamps to PostgreSQL, and none to Python: the
    # worksheet failed on them mid-stream (psycopg's loader); now every format says them.
    (nowhere,) = shop.tenant.sql(
        "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
        " created_at) VALUES (1, 1, '-infinity', 'infinity', 'confirmed', '-infinity')"
        " RETURNING id"
    )[0]
    times = ("-infinity", "infinity", "-infinity")

    rows = list(
        csv.DictReader(
            io.StringIO(
                _get(client, make_key, shop.tenant, "appointments", format="csv").get_data(
                    as_text=True
                )
            )
        )
    )
    assert [(r["start_time"], r["end_time"], r["created_at"]) for r in rows][-1] == times
    assert int(rows[-1]["id"]) == nowhere
    lines = _get(client, make_key, shop.tenant, "appointments").get_data(as_text=True)
    last = json.loads(lines.splitlines()[-1])
    assert (last["id"], last["start_time"], last["end_time"], last["created_at"]) == (
        nowhere,
        *times,
    )
    response = _get(client, make_key, shop.tenant, "appointments", format="xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(cells) == len(shop.appointments) + 1
    row = dict(zip(header, cells[-1], strict=False))  # the reader drops trailing empty cells
    assert (row["id"], row["start_time"], row["end_time"], row["created_at"]) == (nowhere, *times)
    assert isinstance(dict(zip(header, cells[0], strict=False))["start_time"], datetime)
