"""Headless Chromium (Debian's package) driven by Playwright, and a live WSGI server."""

import os
import threading

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
