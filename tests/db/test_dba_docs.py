"""docs/dba.md: every example runs against the demo history and agrees with the API."""

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "dba.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S)


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 5
    assert all("-- matches:" in block for block in BLOCKS)


@pytest.fixture(scope="module")
def demo_like(app):
    """A tenant with the demo's two-year history (the demo's own data generator)."""
    from analytics_app.cli.demo import fill_history
    from analytics_app.extensions import db
    from analytics_app.tenants import tenant_admin

    schema = f"dbadoc{os.getpid()}"
    with app.app_context():
        tenant_admin.create_tenant(
            schema, "Doc Salon", "all", [f"{schema}.doc"], "America/New_York"
        )
        fill_history(schema)
        db.session.commit()
    return schema


@pytest.mark.parametrize("block", BLOCKS, ids=[b.splitlines()[0][13:] for b in BLOCKS])
def test_example_matches_the_api(block, demo_like, dsn, make_key, client):
    import psycopg

    from tests.conftest import TenantHandle

    tenant = TenantHandle(0, demo_like, f"{demo_like}.doc", "America/New_York", dsn)
    target, field = re.search(r"-- matches: (\S+) -> (\S+)", block).groups()
    endpoint, _, query = target.partition("?")
    key = make_key(tenant, email=f"doc{abs(hash(block)) % 10**6}@example.com")
    answer = client.get(
        f"/api/analytics/analytics/{endpoint}/",
        query_string=dict(parse_qsl(query)),
        base_url=f"http://{tenant.host}",
        headers={"Authorization": f"Token {key}"},
    ).get_json()
    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{demo_like}", public')
        rows = conn.execute(block).fetchall()
    if field == "(body)":
        body = rows[0][0]
        assert (json.loads(body) if isinstance(body, str) else body) == answer
    elif field == "by_status":
        assert {s: n for s, n in rows} == {k: v for k, v in answer["by_status"].items() if v}
    elif field == "(none)":  # an example with no API twin: it runs, and gives rows
        assert rows
    elif field in ("by_service", "by_resource", "by_source", "new_customers_by_channel"):
        assert [list(r) for r in rows] == [list(x.values()) for x in answer[field]]
    else:
        expected = answer
        for part in field.split("."):  # lead_time.same_day
            expected = expected[part]
        assert rows[0][0] == expected


def test_demo_history_has_every_payment_and_appointment_outcome(demo_like, dsn):
    """Each row draws its own outcome (an uncorrelated random() once gave all one status)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{demo_like}", public')
        payments = dict(conn.execute("SELECT status, count(*) FROM payments GROUP BY 1"))
        appointments = dict(conn.execute("SELECT status, count(*) FROM appointments GROUP BY 1"))
    total = sum(payments.values())
    assert set(payments) == {"succeeded", "pending", "failed", "refunded"}
    assert 0.85 < payments["succeeded"] / total < 0.95
    assert set(appointments) == {"confirmed", "cancelled", "no_show"}


def test_demo_history_has_regulars_walk_ins_and_every_lead_time(demo_like, dsn):
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{demo_like}", public')
        walk_ins, regulars, once = conn.execute(
            "SELECT count(*) FILTER (WHERE customer_id IS NULL),"
            " (SELECT count(*) FROM (SELECT customer_id FROM appointments"
            "  WHERE customer_id IS NOT NULL GROUP BY 1 HAVING count(*) >= 20) r),"
            " (SELECT count(*) FROM (SELECT customer_id FROM appointments"
            "  WHERE customer_id IS NOT NULL GROUP BY 1 HAVING count(*) = 1) o)"
            " FROM appointments"
        ).fetchone()
        buckets = dict(
            conn.execute(
                "SELECT CASE WHEN d = 0 THEN 'same' WHEN d < 7 THEN 'week' WHEN d < 30 THEN"
                " 'month' ELSE 'later' END, count(*) FROM (SELECT (start_time AT TIME ZONE"
                " tenant_timezone())::date - (created_at AT TIME ZONE tenant_timezone())::date"
                " AS d FROM appointments WHERE created_at <= start_time) x GROUP BY 1"
            ).fetchall()
        )
        future_created = conn.execute(
            "SELECT count(*) FROM appointments WHERE created_at > now()"
        ).fetchone()[0]
        per_resource = [
            n for (n,) in conn.execute("SELECT count(*) FROM appointments GROUP BY resource_id")
        ]
    assert len(set(per_resource)) == len(per_resource) > 1  # each chair has its own book
    assert walk_ins > 0 and regulars > 0 and once > 0
    assert set(buckets) == {"same", "week", "month", "later"}
    assert future_created == 0
