"""Headless Chromium (Debian's package) driven by Playwright, and a live WSGI server."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.local import require_program

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a machine with no internet: no background fetches, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# axe-core from npm (tests/js/package.json; .ci/run installs it with `npm ci`).
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def require_axe():
    """Skip without axe-core, except where it must be there (CI: REQUIRE_BROWSER=1)."""
    if AXE.exists():
        return
    message = f"axe-core missing ({AXE}); run: npm ci --prefix tests/js"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def axe_violations(page):
    """Every axe-core rule (WCAG 2.x A/AA and best practices) run on the page as shown:
    [(rule, impact, [selectors])] for each violation."""
    require_axe()
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations.map("
        "v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])"
    )
    return [tuple(v) for v in found]


def require_chromium():
    """Skip without Chromium, except where it must be there (CI, REQUIRE_BROWSER=1)."""
    require_program(CHROMIUM, "Chromium", "chromium", "REQUIRE_BROWSER")


class LiveServer:
    """The app served over real HTTP on 127.0.0.1, in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, host, path="/"):
        return f"http://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


PASSWORD = "browser-test-pw"


def log_in(page, live, tenant, email="owner@salon.example", password=PASSWORD):
    """Sign in through the real form, starting from the dashboard's redirect."""
    page.goto(live.url(tenant.host, "/"))
    assert page.url.startswith(live.url(tenant.host, "/login"))
    # By id, not by label: the form is in the tenant's language.
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live.url(tenant.host, "/"))
