"""`?format=xlsx` (SPEC Part 4): every report and export that answers CSV answers a
worksheet with typed cells; read back with openpyxl (the library that wrote it), it
equals the CSV row for row."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from analytics_app.formats.spreadsheets import MEDIA_TYPE
from tests.reference import Ledger

REPORTS = {
    "dashboard": {},
    "appointments": {"start": "2026-03-01", "end": "2026-03-14", "service_id": "1,2"},
    "revenue": {"start": "2026-03-01", "end": "2026-03-14"},
    "customers": {"start": "2026-03-01", "end": "2026-03-14"},
    "team": {"start": "2026-03-01", "end": "2026-03-14"},
    "heatmap": {"start": "2026-03-01", "end": "2026-03-14", "status": "confirmed"},
    "seasonality": {"years": 2},
    "outlook": {"period": "week"},
    "retention": {"months": 3},
}


@pytest.fixture
def salon(make_tenant, runner):
    ledger = Ledger(make_tenant(timezone="America/New_York"))
    runner.invoke(args=["tenants", "set-feature", ledger.tenant.schema, "can_export_data", "on"])
    ledger.service(1, '=HYPERLINK("http://x")', price=2500)  # would be a formula
    ledger.service(2, "Colour\x07 & <b>", price=None)  # a control character, XML specials
    ledger.resource(1, "+Chair")
    ledger.customer(1, name="@Ann", channel=" Instagram ")
    ledger.customer(2, name="Zoë\ttab")
    # Around New York's spring-forward night (March 8, 2026) and on either side of it.
    for day, hour, status, customer in [
        (7, 23, "confirmed", 1),
        (8, 1, "confirmed", 2),
        (8, 3, "no_show", None),
        (9, 9, "cancelled", 1),
        (13, 17, "confirmed", 2),
    ]:
        a = ledger.book(
            ledger.local(date(2026, 3, day), hour, 30),
            status=status,
            service=1 + day % 2,
            customer=customer,
            source="-Phone" if customer == 1 else None,
        )
        if status == "confirmed":
            ledger.pay(a, 2500 + day, paid_at=a.end + timedelta(microseconds=123456))
    neighbour = Ledger(make_tenant())
    neighbour.service(1, "Other")
    neighbour.resource(1, "Other")
    neighbour.book(datetime(2026, 3, 8, 12, tzinfo=UTC))
    return ledger


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == MEDIA_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    (sheet,) = book.worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # An empty cell is not written; a row read back ends at its last written cell.
    return [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def _csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _as_csv_text(value, column, csv_text):
    """The xlsx cell as the CSV writes the same value (with the CSV's formula guard)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time() and len(csv_text) == 10:
            return value.date().isoformat()  # a date cell
        # A timestamp: the CSV has the tenant's offset and microseconds; the cell has
        # the local wall time to the millisecond.
        parsed = datetime.fromisoformat(csv_text).replace(tzinfo=None)
        assert abs(parsed - value) <= timedelta(microseconds=500), (column, csv_text, value)
        return csv_text
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # the CSV's guard against formulas
    return str(value)


@pytest.mark.parametrize("report", list(REPORTS))
def test_every_report_as_xlsx_equals_its_csv(api, salon, report):
    query = REPORTS[report]
    rows = _sheet(api(salon.tenant, report, format="xlsx", **query))
    expected = _csv(api(salon.tenant, report, format="csv", **query))
    assert rows[0] == expected[0]  # the header
    assert len(rows) == len(expected) and len(rows) > 1
    for got, want in zip(rows[1:], expected[1:], strict=True):
        for column, value, text in zip(rows[0], got, want, strict=True):
            if isinstance(value, float) or (isinstance(value, int) and "." in text):
                # A number cell: 30.0 and 30 are one number to Excel (and openpyxl reads
                # a whole one back as an int).
                assert value == float(text), (report, column)
            else:
                assert _as_csv_text(value, column, text) == text, (report, column)
    # Typed cells: the daily rows' dates are dates and their counts integers.
    if report in ("appointments", "customers", "revenue"):
        assert isinstance(rows[1][0], datetime) and rows[1][0].date() == date(2026, 3, 1)
        assert all(isinstance(v, int) for v in rows[1][1:] if not isinstance(v, str))


def test_report_values_are_the_apis(api, salon):
    rows = _sheet(api(salon.tenant, "appointments", format="xlsx", **REPORTS["appointments"]))
    body = api(salon.tenant, "appointments", **REPORTS["appointments"]).get_json()
    header = rows[0]
    assert header == ["date", "count", "confirmed", "cancelled", "no_show"]
    assert [(r[0].date().isoformat(), r[1], r[2], r[3], r[4]) for r in rows[1:]] == [
        (
            d["date"],
            d["count"],
            d["status_breakdown"]["confirmed"],
            d["status_breakdown"]["cancelled"],
            d["status_breakdown"]["no_show"],
        )
        for d in body["daily_breakdown"]
    ]
    revenue = _sheet(api(salon.tenant, "revenue", format="xlsx", **REPORTS["revenue"]))
    assert revenue[0] == ["date", "revenue_cents", "transaction_count", "currency"]
    by_day = {r[0].date(): r[1] for r in revenue[1:] if r[1]}
    # March 7's 23:30 visit ends, and is paid, just after midnight: March 8 (with 2,508).
    assert by_day == {date(2026, 3, 8): 2507 + 2508, date(2026, 3, 13): 2513}


def _export(client, make_key, tenant, kind, fmt, **query):
    return client.get(
        f"/api/export/{kind}/",
        query_string={"format": fmt, **query},
        headers={"Authorization": f"Token {make_key(tenant)}"},
        base_url=f"http://{tenant.host}",
    )


@pytest.mark.parametrize("kind", ["appointments", "payments", "customers", "services", "resources"])
def test_every_export_as_xlsx_equals_its_csv(client, make_key, salon, kind):
    response = _export(client, make_key, salon.tenant, kind, "xlsx")
    assert response.headers["Content-Disposition"].endswith(f'-{kind}.xlsx"')
    rows = _sheet(response)
    expected = _csv(_export(client, make_key, salon.tenant, kind, "csv"))
    assert rows[0] == expected[0]
    assert len(rows) == len(expected) > 1
    for got, want in zip(rows[1:], expected[1:], strict=True):
        for column, value, text in zip(rows[0], got, want, strict=True):
            if isinstance(value, str) and "\ufffd" in value:
                # XML cannot carry a control character: the cell has U+FFFD instead.
                assert value == text.replace("\x07", "\ufffd"), column
            else:
                assert _as_csv_text(value, column, text) == text, (kind, column)


def test_export_cells_are_typed_and_text_stays_text(client, make_key, salon):
    rows = _sheet(_export(client, make_key, salon.tenant, "appointments", "xlsx"))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[-1] == "source"
    assert isinstance(first["id"], int) and isinstance(first["service_id"], int)
    # 23:30 local (EST) on March 7, written as the local wall time.
    assert first["start_time"] == datetime(2026, 3, 7, 23, 30)
    assert first["source"] == "-phone"  # stored lower-cased; a text cell, not a formula
    third = dict(zip(header, rows[3], strict=True))
    assert third["start_time"] == datetime(2026, 3, 8, 3, 30)  # EDT, after the jump
    assert third["customer_id"] is None and third["source"] is None
    services = _sheet(_export(client, make_key, salon.tenant, "services", "xlsx"))
    assert services[1][1] == '=HYPERLINK("http://x")'  # text, not a formula
    assert services[2][3] is None  # no price: an empty cell
    payments = _sheet(_export(client, make_key, salon.tenant, "payments", "xlsx"))
    # paid_at has microseconds in the database: the cell has the millisecond.
    assert payments[1][5] == datetime(2026, 3, 8, 0, 0, 0, 123000)
    # The raw file: the formula-looking name is an inline string, no <f> element.
    raw = _export(client, make_key, salon.tenant, "services", "xlsx").get_data()
    sheet_xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"HYPERLINK" in sheet_xml


def test_dates_filter_and_other_tenants_stay_out(client, make_key, salon):
    rows = _sheet(
        _export(
            client,
            make_key,
            salon.tenant,
            "appointments",
            "xlsx",
            start="2026-03-08",
            end="2026-03-08",
        )
    )
    assert [r[4] for r in rows[1:]] == [datetime(2026, 3, 8, 1, 30), datetime(2026, 3, 8, 3, 30)]
    assert _sheet(_export(client, make_key, salon.tenant, "resources", "xlsx"))[1:] == [
        [1, "+Chair", True]
    ]


def test_an_empty_team_is_a_header_row(api, make_tenant):
    empty = Ledger(make_tenant())
    rows = _sheet(api(empty.tenant, "team", format="xlsx", days=7))
    expected = _csv(api(empty.tenant, "team", format="csv", days=7))
    assert rows == expected and len(rows) == 1


def test_a_cut_export_leaves_no_temporary_sheet_behind():
    """openpyxl writes a write-only sheet to a temporary file; an export cut before the
    end (client gone, deadline) must not leave it on disk until the worker exits."""
    import glob
    import os
    import tempfile

    from analytics_app.formats import spreadsheets

    def sheets():
        return set(glob.glob(os.path.join(tempfile.gettempdir(), "openpyxl.*")))

    before = sheets()
    cut = spreadsheets.stream_rows("t", ["a"], iter([[(1,)], [(2,)], [(3,)]]))
    next(cut)
    next(cut)
    assert len(sheets() - before) == 1  # the half-written sheet
    cut.close()
    assert sheets() - before == set()
    whole = b"".join(spreadsheets.stream_rows("t", ["a"], iter([[(1,)]])))
    assert whole[:2] == b"PK" and sheets() - before == set()
