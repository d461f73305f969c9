"""`flask demo` as a newcomer runs it: a real process, its own embedded server, SIGTERM."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.local import free_port

ROOT = Path(__file__).resolve().parents[2]


def _postmaster_pid(data_dir):
    pid_file = data_dir / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_serves_then_sigterm_stops_its_embedded_server(tmp_path):
    data_dir, port = tmp_path / "pgdata", free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({"EMBEDDED_PG_DATA": str(data_dir), "FLASK_APP": "wsgi"})
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "flask", "demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "API key" not in log.read_text() and time.monotonic() < deadline:
            assert demo.poll() is None, log.read_text()
            time.sleep(0.5)
        output = log.read_text()
        key = re.search(r"API key\s+(\S+)", output).group(1)
        time.sleep(1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "GET",
            "/api/analytics/analytics/revenue/",
            headers={"Host": "demo.localhost", "Authorization": f"Token {key}"},
        )
        response = conn.getresponse()
        assert response.status == 200
        assert b'"total_revenue_cents":0' not in response.read().replace(b" ", b"")
        # The history fills the channels (SPEC Part 4), normalised by the database.
        for path, field, name, expected in (
            ("appointments", "by_source", "source", {"online", "phone", "walk_in", "unknown"}),
            ("customers", "new_customers_by_channel", "channel", {"instagram", "google"}),
        ):
            conn.request(
                "GET",
                f"/api/analytics/analytics/{path}/?days=365",
                headers={"Host": "demo.localhost", "Authorization": f"Token {key}"},
            )
            body = json.loads(conn.getresponse().read())
            names = {row[name] for row in body[field]}
            assert expected <= names and "Instagram " not in names, (field, names)
        # The second salon speaks French (SPEC Part 7), printed beside the first.
        assert re.search(
            r"Salon Lumière \(in French, euros, Europe/Paris\): \d+ appointments", output
        )
        conn.request("GET", "/login", headers={"Host": "lumiere.localhost"})
        login = conn.getresponse().read().decode()
        assert '<html lang="fr">' in login and "Se connecter à Salon Lumière" in login
        conn.close()
        # Yesterday's no-show spike is an alert, delivered signed to the demo's receiver
        # (verified there with standardwebhooks); `flask webhooks test` reaches it too.
        assert "% of the appointments of " in output.split("Alerts", 1)[1]
        endpoint = re.search(r"flask webhooks test --tenant demo (\d+)", output).group(1)
        tested = subprocess.run(
            [sys.executable, "-m", "flask", "webhooks", "test", "--tenant", "demo", endpoint],
            cwd=ROOT,
            env={**env, "WEBHOOKS_ALLOW_PRIVATE": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert tested.returncode == 0 and ": delivered (HTTP 204)" in tested.stdout, tested
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
            f"Demo receiver: {kind} " in log.read_text() for kind in ("alert.triggered", "ping")
        ):
            time.sleep(0.5)
        output = log.read_text()
        assert re.search(
            r"Demo receiver: alert\.triggered msg_demo_alert_\d+ \(signature verified\): "
            r"\d+\.\d\d% of the appointments of ",
            output,
        ), output
        assert re.search(r"Demo receiver: ping msg_\w+ \(signature verified\)", output), output
        # The console shows the demo, not Alembic's progress.
        assert "alembic." not in output and "Running upgrade" not in output
        server_pid = _postmaster_pid(data_dir)
        assert server_pid and _alive(server_pid)

        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(server_pid), "the embedded server outlived flask demo"

        # The demo owner's weekly report, printed (no MAIL_URL) by the command the demo
        # names, once: the second run has nothing left to send.
        assert "MAIL_URL is not set: reports are printed to the console" in output
        env.pop("MAIL_URL", None)
        runs = [
            subprocess.run(
                [sys.executable, "-m", "flask", "reports", "send"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            for _ in range(2)
        ]
        assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
        assert "Subject: Demo Salon: your weekly report" in runs[0].stdout
        assert "To: owner@demo.example" in runs[0].stdout
        # (and the French salon's owner hers, in French)
        assert "Sent 2, failed 0, skipped 0, expired 0." in runs[0].stderr
        assert "To: proprietaire@lumiere.example" in runs[0].stdout
        assert "MAIL_URL is not set: messages are printed here, not sent" in runs[0].stderr
        assert runs[1].stdout == "" and "Sent 0," in runs[1].stderr
        # The alert email owed to the owner, printed by the command the demo names, once.
        checks = [
            subprocess.run(
                [sys.executable, "-m", "flask", "alerts", "check"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            for _ in range(2)
        ]
        assert [c.returncode for c in checks] == [0, 0], checks[0].stderr
        printed = checks[0].stdout.replace("\n ", " ")  # headers unfolded
        assert "Subject: Demo Salon: More cancellations and no-shows than usual on" in printed
        assert "To: owner@demo.example" in checks[0].stdout
        assert "Alert emails sent: 0," in checks[1].stdout
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
