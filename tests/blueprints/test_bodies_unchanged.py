"""Every body the service answers, for the demo's history at a fixed instant, as recorded.

A restructuring of the code must not change one byte a client receives: the OpenAPI
document, each report function's JSON at a fixed p_now (what the API sends as it is),
and the API's JSON, CSV and XLSX bodies for fixed date windows (which do not depend
on the request's instant). tests/bodies.json holds their SHA-256 digests; a change
meant to alter a body re-records them with RECORD_BODIES=1 and says so in its commit.
"""

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics_app.cli.demo import fill_history
from analytics_app.extensions import db

RECORDED = Path(__file__).with_name("bodies.json")
# A Sunday of a DST change in the demo's zone (America/New_York springs forward at 07:00 UTC).
NOW = datetime(2026, 3, 8, 15, 0, tzinfo=UTC)
NOW_SQL = "timestamptz '2026-03-08 15:00:00+00'"

FUNCTIONS = {
    "dashboard": f"dashboard_report(p_now => {NOW_SQL})",
    "appointments_30": f"appointments_report(p_now => {NOW_SQL})",
    "appointments_365_confirmed": (
        f"appointments_report(p_days => 365, p_status => 'confirmed', p_now => {NOW_SQL})"
    ),
    "appointments_resource_service": (
        "appointments_report(p_service_id => '{1,2}', p_resource_id => '{3}',"
        f" p_days => 90, p_now => {NOW_SQL})"
    ),
    "revenue_30": f"revenue_report(p_now => {NOW_SQL})",
    "revenue_window": (
        f"revenue_report(p_start => '2025-10-26', p_end => '2025-11-02', p_now => {NOW_SQL})"
    ),
    "customers_30": f"customers_report(p_now => {NOW_SQL})",
    "customers_400": f"customers_report(p_days => 400, p_now => {NOW_SQL})",
    "team_30": f"team_report(p_now => {NOW_SQL})",
    "team_365": f"team_report(p_days => 365, p_now => {NOW_SQL})",
    "heatmap_30": f"heatmap_report(p_now => {NOW_SQL})",
    "heatmap_365_resource": (
        f"heatmap_report(p_days => 365, p_resource_id => '{{1}}', p_now => {NOW_SQL})"
    ),
    "seasonality_2": f"seasonality_report(p_now => {NOW_SQL})",
    "seasonality_3_service": (
        f"seasonality_report(p_years => 3, p_service_id => '{{2}}', p_now => {NOW_SQL})"
    ),
    "outlook_month": f"outlook_report(p_now => {NOW_SQL})",
    "retention_12": f"retention_report(p_now => {NOW_SQL})",
    "at_risk_all": f"at_risk_report(p_state => 'all', p_limit => 500, p_now => {NOW_SQL})",
    "outlook_week_filtered": (
        f"outlook_report(p_period => 'week', p_resource_id => '{{1,2}}', p_now => {NOW_SQL})"
    ),
}
WINDOW = {"start": "2025-12-01", "end": "2026-02-28"}
HTTP = {
    "appointments": WINDOW,
    "revenue": WINDOW,
    "customers": WINDOW,
    "team": WINDOW,
    "heatmap": {**WINDOW, "status": "confirmed"},
    "appointments?status=no_show": {**WINDOW, "status": "no_show", "resource_id": "1,2"},
}


def digest(body):
    return hashlib.sha256(body).hexdigest()


def xlsx_digest(body):
    """The workbook's parts but its properties (which carry the instant it was written)."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        parts = sorted(n for n in book.namelist() if n != "docProps/core.xml")
        return digest(b"".join(n.encode() + b"\0" + book.read(n) for n in parts))


@pytest.fixture(scope="module")
def demo(app, make_module_tenant):
    tenant = make_module_tenant("America/New_York")
    with app.app_context():
        fill_history(tenant.schema, now=NOW)
        db.session.commit()
    tenant.fold()
    return tenant


def bodies(client, api, demo):
    found = {"openapi.json": digest(client.get("/api/openapi.json").data)}
    for name, call in FUNCTIONS.items():
        text = demo.scalar(f"SELECT CAST({call} AS text)")
        found[f"sql:{name}"] = digest(text.encode())
    for name, query in HTTP.items():
        path = name.split("?")[0]
        for fmt in ("json", "csv", "xlsx"):
            response = api(demo, path, **query, **({} if fmt == "json" else {"format": fmt}))
            assert response.status_code == 200, (name, fmt, response.data[:300])
            found[f"http:{name}:{fmt}"] = (xlsx_digest if fmt == "xlsx" else digest)(response.data)
    return found


def test_every_body_is_as_recorded(client, api, demo):
    found = bodies(client, api, demo)
    if os.environ.get("RECORD_BODIES") == "1":
        RECORDED.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(RECORDED.read_text())
    changed = sorted(k for k in recorded.keys() | found.keys() if recorded.get(k) != found.get(k))
    assert not changed, f"bodies differ from tests/bodies.json: {changed}"


def test_the_history_is_the_same_each_time(demo, app, make_tenant):
    """The recording means something only if the history is written identically."""
    other = make_tenant("America/New_York")
    with app.app_context():
        fill_history(other.schema, now=NOW)
        db.session.commit()
    counts = (
        "SELECT count(*), sum(hashtext(start_time::text || status || coalesce(customer_id, 0)))"
    )
    assert other.sql(counts + " FROM appointments") == demo.sql(counts + " FROM appointments")
