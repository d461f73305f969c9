"""The README's production command as shipped: `gunicorn wsgi:app` reads gunicorn.conf.py."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.local import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_configuration_serves_reports_and_logs_json(
    database_url, make_tenant, make_key, tmp_path
):
    tenant = make_tenant(timezone="Asia/Tokyo")
    key = make_key(tenant)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-only-secret",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "3",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(3):  # keep-alive: one connection, several requests
            conn.request(
                "GET",
                "/api/analytics/analytics/heatmap/?days=7",
                headers={
                    "Host": tenant.host,
                    "Authorization": f"Token {key}",
                    "X-Request-ID": "prod-check-1",
                },
            )
            response = conn.getresponse()
            body = json.loads(response.read())
            assert response.status == 200
            assert body["window"]["time_zone"] == "Asia/Tokyo" and body["total"] == 0
        conn.close()

        # The configuration's worker class and counts: a master, two workers.
        master = psutil.Process(server.pid)
        assert len(master.children()) == 2
        assert "Using worker: gthread" in log.read_text()

        # The access log: one JSON object per request, with the request id.
        time.sleep(0.5)
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        access = [line for line in lines if line.get("request_id") == "prod-check-1"]
        assert len(access) == 3
        assert access[0]["status"] == 200 and access[0]["path"].endswith("/heatmap/")
        assert access[0]["query"] == "days=7" and access[0]["ms"] > 0

        # SIGTERM: a graceful stop, exit status 0.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
