"""Issue 15's measurements: what the web layer adds to the database's own work.

- the report function's own p50 on a warm connection (psycopg, search path set once);
- a bare Flask route served by the same gunicorn configuration;
- statements per request (counted in-process) and transactions per request (server side);
- CPU per request of the server processes and of PostgreSQL during a throughput run.
"""

import statistics
import time
from pathlib import Path

import psutil
import psycopg

# The report each target endpoint calls, as a DBA would call it.
FUNCTIONS = {
    "dashboard": "SELECT dashboard_report()",
    "appointments days=30": "SELECT appointments_report(30)",
    "appointments days=365": "SELECT appointments_report(365)",
    "revenue days=30": "SELECT revenue_report(30)",
    "customers days=30": "SELECT customers_report(30)",
    "team days=30": "SELECT team_report(30)",
    "heatmap days=30": "SELECT heatmap_report(30)",
}


def function_p50(url, schema, requests=200, warmup=20):
    """Median ms of each report function on one warm connection."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}", public')
        for name, sql in FUNCTIONS.items():
            for _ in range(warmup):
                conn.execute(sql).fetchone()
            samples = []
            for _ in range(requests):
                started = time.perf_counter()
                conn.execute(sql).fetchone()
                samples.append((time.perf_counter() - started) * 1000)
            out[name] = statistics.median(samples)
    return out


def statements_per_request(app, host, key, paths):
    """Statements the app's engine sends for one request to each path (in-process).

    Call it outside an app context: inside one, Flask reuses that context (and `g`) for
    every test-client request, which a served request never does.
    """
    from sqlalchemy import event

    from analytics_app.extensions import db

    client = app.test_client()
    headers = {"Authorization": f"Token {key}"}
    with app.app_context():
        engine = db.engine
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    out = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        for name, path in paths.items():
            client.get(path, base_url=f"http://{host}", headers=headers)  # warm, key used
            seen.clear()
            response = client.get(path, base_url=f"http://{host}", headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            out[name] = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return out


def transactions(url, dbname):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()[0]


def cpu_seconds(pids):
    """User + system CPU of these processes and their children, now."""
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            procs = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


def postgres_pids(url):
    """The postmaster's pid when the server is on this machine (its backends are children)."""
    with psycopg.connect(url, autocommit=True) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    try:
        return [int((Path(data_dir) / "postmaster.pid").read_text().split()[0])]
    except (OSError, ValueError):
        return []
