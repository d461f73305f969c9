"""`flask tenants create-many FILE --jobs N`: each row its own transaction, failures
listed without stopping the others, a rerun creating only what is missing."""

import os
from datetime import UTC, datetime, timedelta

from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from tests.conftest import TenantHandle
from tests.reference import Ledger


def _write(tmp_path, lines):
    path = tmp_path / "tenants.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_create_many_creates_each_row_reports_failures_and_a_rerun_resumes(
    app, runner, tmp_path, make_tenant, api, dsn
):
    pid = os.getpid()
    taken = make_tenant()  # its host is taken: a row asking for it fails
    a, b, c, d = (f"bulk{pid}_{x}" for x in "abcd")
    rows = [
        "schema,name,plan,timezone,domains",
        f'{a},"Salon A, Paris",all,Europe/Paris,{a}.example {a}-alt.example',
        f"{b},Studio B,analytics only,Asia/Kolkata,",
        f"{c},Clinic C,no such plan,UTC,",
        f"{d},Dentist D,all,Mars/Olympus,",
        f"bulk{pid}_e,Taken E,all,UTC,{taken.host}",
    ]
    result = runner.invoke(args=["tenants", "create-many", _write(tmp_path, rows), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert "2 created, 0 skipped (existing), 3 failed." in result.output
    assert f"{c}: No plan named 'no such plan'." in result.output
    assert f"{d}: Unknown time zone 'Mars/Olympus'" in result.output
    assert f"bulk{pid}_e: Domain already in use: {taken.host}." in result.output

    with app.app_context():
        made = {s: tenant_admin.get_tenant(s) for s in (a, b)}
        a_id = made[a].id
        assert made[a].name == "Salon A, Paris" and made[a].timezone == "Europe/Paris"
        assert sorted(x.domain for x in made[a].domains) == [f"{a}-alt.example", f"{a}.example"]
        # The default domain: <schema>.<TENANT_BASE_DOMAIN>.
        assert [x.domain for x in made[b].domains] == [f"{b}.localhost"]
        assert made[b].plan.name == "analytics only"
        for schema in (c, d, f"bulk{pid}_e"):
            assert (
                db.session.execute(db.text("SELECT to_regnamespace(:s)"), {"s": schema}).scalar()
                is None
            )  # a failed row leaves no schema behind
        db.session.rollback()

    # The new tenants work: rows in, the report out, in their own time zones.
    tenant = TenantHandle(a_id, a, f"{a}-alt.example", "Europe/Paris", dsn)
    ledger = Ledger(tenant)
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    ledger.book(datetime.now(UTC) - timedelta(days=1))
    ledger.book(datetime.now(UTC) - timedelta(days=2), status="cancelled")
    body = api(tenant, "appointments", days=7).get_json()
    assert body["total"] == 2 and body["window"]["time_zone"] == "Europe/Paris"

    fixed = rows[:3] + [f"{c},Clinic C,all,UTC,", f"{d},Dentist D,all,America/Denver,"]
    again = runner.invoke(args=["tenants", "create-many", _write(tmp_path, fixed), "--jobs", "2"])
    assert again.exit_code == 0, again.output
    assert "2 created, 2 skipped (existing), 0 failed." in again.output
    with app.app_context():
        assert tenant_admin.get_tenant(d).timezone == "America/Denver"
        db.session.rollback()


def test_create_many_refuses_a_file_it_cannot_read_whole(runner, tmp_path):
    no_plan = _write(tmp_path, ["schema,name", "x1,X"])
    result = runner.invoke(args=["tenants", "create-many", no_plan])
    assert result.exit_code == 1
    assert (
        "The header lacks: plan (columns: schema, name, plan, timezone, domains, currency, locale)."
        in result.output
    )
    twice = _write(tmp_path, ["schema,name,plan", "x1,X,all", "x2,Y,all", "x1,Z,all"])
    result = runner.invoke(args=["tenants", "create-many", twice])
    assert "Line 4: schema 'x1' given twice." in result.output
    empty = _write(tmp_path, ["schema,name,plan", "x1,,all"])
    result = runner.invoke(args=["tenants", "create-many", empty])
    assert result.exit_code == 1 and "Line 2: no name." in result.output
