"""A pooled connection that has served many tenants is replaced: PostgreSQL keeps the plans
of each tenant's functions per connection (the outlook's is kept whole), so no server
process grows with the number of tenants (analytics_app/db/tenant_session.py)."""

import psycopg
import pytest
from sqlalchemy import create_engine, event

from analytics_app.db import tenant_session
from analytics_app.db.embedded import sqlalchemy_url
from analytics_app.extensions import db


def _pid(conn):
    return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def test_a_connection_past_its_tenants_is_closed_and_replaced(database_url):
    engine = create_engine(sqlalchemy_url(database_url), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            first = _pid(conn)
            tenant_session.remember_tenant(conn, "a", limit=2)
            tenant_session.remember_tenant(conn, "b", limit=2)
            tenant_session.remember_tenant(conn, "a", limit=2)  # the same tenant again
        with engine.connect() as conn:
            assert _pid(conn) == first  # two tenants: kept
            tenant_session.remember_tenant(conn, "c", limit=2)
        with engine.connect() as conn:
            assert _pid(conn) != first  # a third: a new server process, counting afresh
            assert "tenants_served" not in conn.info
        with psycopg.connect(database_url) as dba:
            alive = dba.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (first,)
            ).fetchone()[0]
        assert alive == 0  # the old one is gone, and its memory with it
    finally:
        engine.dispose()


@pytest.mark.parametrize(("limit", "few"), [(0, False), (100, True)])
def test_api_requests_count_their_tenants(app, api, make_tenant, monkeypatch, limit, few):
    tenants = [make_tenant() for _ in range(3)]
    for tenant in tenants:
        assert api(tenant, "dashboard").status_code == 200  # keys made, pool warm
    monkeypatch.setattr(tenant_session, "TENANTS_PER_CONNECTION", limit)
    opened = []

    def connected(*_):
        opened.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", connected)
    try:
        for _ in range(3):
            for tenant in tenants:
                assert api(tenant, "outlook").status_code == 200
    finally:
        event.remove(engine, "connect", connected)
    # limit 0: every connection that served a request is replaced before the next one
    # (9 requests over a pool of 3); the default: the warm pool serves them all.
    if few:
        assert len(opened) == 0
    else:
        assert len(opened) >= 6
