"""Reports through Debian's PgBouncer (1.18) in transaction pooling mode, with a server
pool smaller than the app's connections and the clients: every answer is its own
tenant's, and psycopg's prepared statements are off, as PgBouncer < 1.21 needs."""

import concurrent.futures
import http.client
import json
import random
import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from analytics_app import create_app
from tests.browser import LiveServer
from tests.pgbouncer import PgBouncer, require_pgbouncer


@pytest.fixture(scope="module")
def bouncer(database_url, tmp_path_factory):
    require_pgbouncer()
    if "127.0.0.1" in database_url:  # already behind a PgBouncer (TEST_PGBOUNCER=1)
        pytest.skip("the suite itself runs through PgBouncer")
    pgb = PgBouncer(database_url, tmp_path_factory.mktemp("pgbouncer"), pool_size=2).start()
    yield pgb
    pgb.stop()


def test_psycopg_prepared_statements_collide_behind_pgbouncer_unless_turned_off(
    bouncer, database_url
):
    url = bouncer.url(make_url(database_url).database)

    def run(threshold):
        a = psycopg.connect(url, autocommit=True, prepare_threshold=threshold)
        b = psycopg.connect(url, autocommit=True, prepare_threshold=threshold)
        try:
            for i in range(8):
                for conn in (a, b):
                    assert conn.execute("SELECT %s::int + 1", (i,)).fetchone() == (i + 1,)
        finally:
            a.close()
            b.close()

    # Two clients share two server connections; once psycopg prepares "_pg3_0" on one,
    # the other client's next transaction may land there and prepare it again.
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        run(0)  # prepare at once, so the collision is certain
    run(None)  # DB_PREPARE_THRESHOLD=none: never prepares


def test_mixed_tenant_reports_through_pgbouncer_are_each_their_own(
    bouncer, database_url, make_tenant, make_key
):
    """Six tenants with different figures, 16 client threads, an app pool of 8 and a
    server pool of 2: every body is the asked tenant's."""
    tenants = []
    now = datetime.now(UTC)
    for n, zone in enumerate(
        [
            "UTC",
            "Asia/Tokyo",
            "America/New_York",
            "Europe/Paris",
            "Pacific/Auckland",
            "Asia/Kolkata",
        ]
    ):
        tenant = make_tenant(timezone=zone)
        tenant.sql(
            "INSERT INTO services (id, name, duration_minutes, price_cents) VALUES (1, 'S', 30, 1000)"
        )
        tenant.sql("INSERT INTO resources (id, name) VALUES (1, 'R')")
        for i in range(n + 1):
            start = now - timedelta(days=2, minutes=i)
            tenant.sql(
                "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status)"
                " VALUES (1, 1, %s, %s, 'confirmed')",
                (start, start + timedelta(minutes=30)),
            )
        tenants.append((tenant, make_key(tenant), n + 1))

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": bouncer.url(make_url(database_url).database),
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 8,
            "DB_PREPARE_THRESHOLD": None,
        }
    )
    errors, checked, lock = [], [0], threading.Lock()
    with LiveServer(app) as live:

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
            for _ in range(40):
                tenant, key, expected = rng.choice(tenants)
                path = rng.choice(
                    [
                        "/api/analytics/analytics/appointments/?days=7",
                        "/api/analytics/analytics/customers/?days=7",
                        "/api/analytics/analytics/heatmap/?days=7",
                    ]
                )
                conn.request(
                    "GET", path, headers={"Host": tenant.host, "Authorization": f"Token {key}"}
                )
                response = conn.getresponse()
                body = json.loads(response.read())
                total = body.get("total", body.get("walk_in_visits"))
                with lock:
                    checked[0] += 1
                    if response.status != 200 or total != expected:
                        errors.append((tenant.schema, path, response.status, body))
                    elif body["window"]["time_zone"] != tenant.timezone:
                        errors.append((tenant.schema, path, "zone", body["window"]))
            conn.close()

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(client, range(16)))
    with app.app_context():
        from analytics_app.extensions import db

        for engine in db.engines.values():
            engine.dispose()
    assert errors == []
    assert checked[0] == 16 * 40
