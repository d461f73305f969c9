"""DATABASE_REPLICA_URL against a real streaming standby (tests/standby.py).

Reports and exports are read on the standby; tenant, key and plan are checked on the
primary. Pausing the standby's replay makes the two visibly different: the answers
keep the standby's rows until replay resumes. A stopped standby hands reads to the
primary, and gets them back REPLICA_RETRY_S seconds after it is up again.
"""

import csv
import io
import logging
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from analytics_app import create_app
from analytics_app.db import replica
from tests.conftest import Browser
from tests.reference import Ledger
from tests.standby import Standby


@pytest.fixture(scope="module")
def standby(app, database_url):
    """A standby of the test server, copied once it is migrated (the app fixture)."""
    server = Standby(database_url)
    server.create()
    yield server
    server.remove()


@pytest.fixture(scope="module")
def replica_app(standby, database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "DATABASE_REPLICA_URL": standby.url(),
            "REPLICA_RETRY_S": 3,  # long enough for the outage test's reads to share one warning
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 2,
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("replica-instance"))
    yield app
    with app.app_context():
        from analytics_app.extensions import db

        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def shop(make_tenant, runner):
    """A tenant with three confirmed appointments two days ago, exports on."""
    ledger = Ledger(make_tenant(timezone="Europe/Paris"))
    runner.invoke(args=["tenants", "set-feature", ledger.tenant.schema, "can_export_data", "on"])
    ledger.service(1, "Cut")
    ledger.resource(1, "Chair")
    now = datetime.now(UTC)
    for hours in range(3):
        ledger.book(now - timedelta(days=2, hours=hours))
    neighbour = Ledger(make_tenant())  # rows next door, on both servers
    neighbour.service(1, "Other")
    neighbour.resource(1, "Other")
    neighbour.book(now - timedelta(days=1))
    ledger.now = now
    return ledger


def _get(app, tenant, key, path, **query):
    return app.test_client().get(
        path,
        query_string=query,
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    )


def total(app, tenant, key):
    response = _get(app, tenant, key, "/api/analytics/analytics/appointments/", days=7)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def exported(app, tenant, key):
    response = _get(app, tenant, key, "/api/export/appointments/", format="csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def primary_total(tenant):
    """What a DBA on the primary gets from the same report function."""
    return tenant.scalar("SELECT (appointments_report(7) ->> 'total')::int")


def test_reports_and_exports_come_from_the_replica_and_show_writes_once_replayed(
    standby, replica_app, shop, make_key, runner
):
    tenant = shop.tenant
    key = make_key(tenant)
    standby.catch_up()
    assert total(replica_app, tenant, key) == 3
    assert len(exported(replica_app, tenant, key)) == 3

    standby.pause_replay()
    try:
        shop.book(shop.now - timedelta(days=1))
        shop.book(shop.now - timedelta(days=1, hours=1))
        assert primary_total(tenant) == 5
        # Read on the standby: the rows it has replayed, not the primary's newest.
        assert total(replica_app, tenant, key) == 3
        assert len(exported(replica_app, tenant, key)) == 3
        # Keys are checked on the primary: a key made now works at once ...
        partner = make_key(tenant, "partner@example.com")
        assert total(replica_app, tenant, partner) == 3
        # Logins too: the partner signs in; the dashboard page is read on the standby.
        browser = Browser(replica_app.test_client(), tenant.host)
        assert browser.login("partner@example.com", "pw-123456").status_code == 302
        page = browser.get("/", query_string={"days": 7}).get_data(as_text=True)
        assert "split into confirmed, cancelled and no-show; 3 in all." in page
        # ... and a revoked one stops at once, whatever the standby has replayed.
        result = runner.invoke(
            args=[
                "tokens", "revoke", "--tenant", tenant.schema,
                "--email", "partner@example.com", "--name", "test",
            ]
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        response = _get(replica_app, tenant, partner, "/api/analytics/analytics/appointments/")
        assert response.status_code == 401
        ready = replica_app.test_client().get("/readyz").get_json()
        assert ready["status"] == "ready"
        assert ready["replica"]["status"] == "ok"
        # Received, waiting to be replayed (streaming is asynchronous: watched, not read once).
        deadline = time.monotonic() + 30
        while not ready["replica"]["backlog_bytes"]:
            assert time.monotonic() < deadline, "the paused standby received nothing"
            time.sleep(0.1)
            ready = replica_app.test_client().get("/readyz").get_json()
    finally:
        standby.resume_replay()
    standby.catch_up()
    assert total(replica_app, tenant, key) == 5
    rows = exported(replica_app, tenant, key)
    assert sorted(int(r["id"]) for r in rows) == sorted(a.id for a in shop.appointments)
    # The backlog drains (WAL the primary writes meanwhile, e.g. a key's last-used time,
    # may show for an instant, so it is watched, not read once).
    deadline = time.monotonic() + 30
    while replica_app.test_client().get("/readyz").get_json()["replica"]["backlog_bytes"]:
        assert time.monotonic() < deadline, "the standby's backlog did not drain"
        time.sleep(0.1)


def test_a_stopped_replica_hands_reads_to_the_primary_then_gets_them_back(
    standby, replica_app, shop, make_key, caplog
):
    tenant = shop.tenant
    key = make_key(tenant)
    standby.catch_up()
    standby.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="analytics_app.db.replica"):
            shop.book(shop.now - timedelta(hours=5))  # on the primary only
            for _ in range(3):
                assert total(replica_app, tenant, key) == 4
            assert len(exported(replica_app, tenant, key)) == 4
        # One warning for the outage, not one per request.
        warnings = [r for r in caplog.records if "replica unusable" in r.getMessage()]
        assert len(warnings) == 1
        ready = replica_app.test_client().get("/readyz")
        assert ready.status_code == 200  # the service still answers everything
        assert ready.get_json()["replica"]["status"] == "unreachable"
    finally:
        standby.start()
    # Back after REPLICA_RETRY_S (3 s here): paused replay shows who answers again.
    standby.catch_up()
    time.sleep(3.2)
    standby.pause_replay()
    try:
        shop.book(shop.now - timedelta(hours=6))
        assert primary_total(tenant) == 5
        assert total(replica_app, tenant, key) == 4
    finally:
        standby.resume_replay()
    standby.catch_up()
    assert total(replica_app, tenant, key) == 5


def test_a_statement_timeout_on_the_replica_is_an_answer_a_lost_server_is_not(standby):
    """Which of the standby's real errors send the report to the primary."""
    with psycopg.connect(standby.url(), autocommit=True) as conn:
        conn.execute("SET statement_timeout = 50")
        with pytest.raises(psycopg.errors.QueryCanceled) as timeout:
            conn.execute("SELECT pg_sleep(2)")
    assert not replica.fall_back_for(timeout.value)
    with pytest.raises(psycopg.OperationalError) as unreachable:
        psycopg.connect(standby.url().replace(str(standby.folder), "/nonexistent"))
    assert replica.fall_back_for(unreachable.value)
    with (
        psycopg.connect(standby.url(), autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("CREATE TABLE nope (id int)")  # a standby takes no writes
