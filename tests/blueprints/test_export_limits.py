"""Exports are bounded (issue 10, item 2): over real HTTP, with clients that stop reading.

A stalled client is dropped after EXPORT_IDLE_S and its transaction ends; an
export past EXPORT_DEADLINE_S is cut visibly; exports have their own pool, so
reports keep answering while every export connection is held.
"""

import http.client
import json
import socket
import time

import psycopg
import pytest

from analytics_app import create_app
from analytics_app.extensions import db
from tests.browser import LiveServer

CUSTOMERS = 60_000  # about 2.5 MB of CSV: far more than the socket buffers hold


@pytest.fixture(scope="module")
def big(app, database_url):
    """A tenant with the export feature and many customers, and a neighbour with a report."""
    from analytics_app.tenants import accounts, tenant_admin

    schema = "exportbig"
    with app.app_context():
        tenant = tenant_admin.create_tenant(schema, "Big", "all", [f"{schema}.limits"])
        tenant.can_export_data = True
        user, _ = accounts.create_user(tenant, "owner@big.example")
        key = accounts.create_token(user)[1]
        neighbour = tenant_admin.create_tenant("exportnb", "Neighbour", "all", ["nb.limits"])
        nb_user, _ = accounts.create_user(neighbour, "owner@nb.example")
        nb_key = accounts.create_token(nb_user)[1]
        db.session.commit()
    with psycopg.connect(database_url) as conn:
        conn.execute(
            f"INSERT INTO {schema}.customers (name, email)"
            " SELECT 'Customer ' || i, 'customer' || i || '@example.com'"
            f" FROM generate_series(1, {CUSTOMERS}) i"
        )
    return {"schema": schema, "host": f"{schema}.limits", "key": key, "nb_key": nb_key}


@pytest.fixture
def served(database_url):
    """served(**config) -> a live server of an app with those export limits."""
    made = []

    def make(**config):
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "SECRET_KEY": "test-only-secret",
                "DB_POOL_SIZE": 2,
                **config,
            }
        )
        live = LiveServer(app).__enter__()
        made.append((app, live))
        return live

    yield make
    for app, live in made:
        live.__exit__(None, None, None)
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def _get(port, host, key, path="/api/analytics/analytics/dashboard/"):
    """(status, headers, body, seconds) of one GET on a new connection."""
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host, "Authorization": f"Token {key}"})
        response = conn.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.monotonic() - began
    finally:
        conn.close()


def _stalled_export(port, big, path="/api/export/customers/?format=csv"):
    """Ask for an export, read its status line, then read nothing more."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {big['host']}\r\n"
        f"Authorization: Token {big['key']}\r\n\r\n".encode()
    )
    assert sock.recv(12) == b"HTTP/1.1 200"
    return sock


def _drain(sock, timeout=15):
    """Everything left on the socket until the server closes it."""
    sock.settimeout(timeout)
    received = bytearray()
    while chunk := sock.recv(65536):
        received += chunk
    sock.close()
    return bytes(received)


def _open_exports(dsn, schema):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (f"export:{schema}",),
        ).fetchone()[0]


def _wait_for(condition, limit):
    """Seconds until condition() holds (polled), or None after limit seconds."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def test_a_stalled_client_is_dropped_and_its_transaction_ended(served, big, dsn):
    idle, deadline = 2, 30
    live = served(EXPORT_IDLE_S=idle, EXPORT_DEADLINE_S=deadline)
    started = time.monotonic()
    sock = _stalled_export(live.port, big)
    assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 1, 5) is not None
    ended = _wait_for(lambda: _open_exports(dsn, big["schema"]) == 0, idle + 10)
    assert ended is not None, "the export's transaction was still open"
    assert time.monotonic() - started <= idle + 5
    body = _drain(sock)
    assert body.count(b"\n") < CUSTOMERS  # cut short ...
    assert not body.endswith(b"0\r\n\r\n")  # ... and visibly: no closing chunk


def test_three_stalled_exports_leave_reports_answering(served, big, dsn):
    live = served(EXPORT_IDLE_S=8, EXPORT_DEADLINE_S=60, EXPORT_POOL_SIZE=3)
    stalled = [_stalled_export(live.port, big) for _ in range(3)]
    assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 3, 5) is not None

    # A fourth export finds the export pool full: a 503 at once, with Retry-After.
    status, headers, body, _ = _get(live.port, big["host"], big["key"], "/api/export/customers/")
    assert (status, headers["Retry-After"]) == (503, "30")
    assert json.loads(body) == {"detail": "Too many exports are running; try again shortly."}

    # Another tenant's report, over and over while the three exports hold on.
    for _ in range(5):
        status, _, _, seconds = _get(live.port, "nb.limits", big["nb_key"])
        assert status == 200 and seconds < 1.0
    assert _open_exports(dsn, big["schema"]) == 3
    for sock in stalled:
        sock.close()
    assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 0, 8 + 10) is not None


def _dechunk(raw):
    """(body, complete) from an HTTP/1.1 chunked response (headers included)."""
    _, _, rest = raw.partition(b"\r\n\r\n")
    body = bytearray()
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        if size == 0:
            return bytes(body), True
        body += rest[:size]
        rest = rest[size + 2 :]
    return bytes(body), False


def test_an_export_past_its_deadline_ends_with_an_error_line(served, big, dsn):
    live = served(EXPORT_IDLE_S=10, EXPORT_DEADLINE_S=1)
    sock = _stalled_export(live.port, big, "/api/export/customers/")
    sock.settimeout(15)
    raw = bytearray(b"HTTP/1.1 200")
    while chunk := sock.recv(16384):  # a client that reads, slowly
        raw += chunk
        time.sleep(0.02)
    sock.close()
    body, complete = _dechunk(bytes(raw))
    assert not complete
    lines = body.decode().splitlines()
    assert 0 < len(lines) < CUSTOMERS + 1
    assert json.loads(lines[-1]) == {
        "error": "export incomplete",
        "detail": "The export ran past its 1 s limit.",
    }
    assert json.loads(lines[0])["name"] == "Customer 1"
    assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 0, 5) is not None


def test_a_complete_export_ends_cleanly(served, big):
    live = served()
    # http.client raises IncompleteRead on a cut chunked body.
    status, _, body, _ = _get(
        live.port, big["host"], big["key"], "/api/export/customers/?format=csv"
    )
    assert status == 200
    assert body.count(b"\n") == CUSTOMERS + 1


def test_under_gunicorn_a_stalled_export_holds_up_nothing(big, database_url, dsn):
    """The README's production command, with the repository's gunicorn.conf.py."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-only-secret",
        "EXPORT_IDLE_S": "3",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(
        gunicorn, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        def up():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False

        assert _wait_for(up, 30) is not None, "gunicorn did not start"
        sock = _stalled_export(port, big)
        assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 1, 5) is not None
        for _ in range(3):
            status, _, _, seconds = _get(port, "nb.limits", big["nb_key"])
            assert status == 200 and seconds < 1.0
        assert _wait_for(lambda: _open_exports(dsn, big["schema"]) == 0, 3 + 10) is not None
        assert not _drain(sock).endswith(b"0\r\n\r\n")
    finally:
        server.terminate()
        server.wait(timeout=30)
