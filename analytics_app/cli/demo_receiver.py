"""The demo's webhook receiver: what an integrator's endpoint does, on 127.0.0.1.

`flask demo` serves it on a free port beside the app and adds it as an endpoint of the
demo tenant, so its alert (the no-show spike of yesterday) and every `flask webhooks
test` arrive here. Each delivery is verified as a receiver must, with the
`standardwebhooks` library and the endpoint's secret, and written to the console.
"""

import http.server
import json
import threading

import click
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PATH = "/demo-receiver"
MAX_BODY = 64 * 1024


class DemoReceiver:
    def __init__(self, echo=click.echo):
        self.secret, self.echo = None, echo
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                receiver.received(dict(self.headers), self.rfile.read(length))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # the line written by received() is enough
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}{PATH}"
        threading.Thread(
            target=self.server.serve_forever, name="demo-receiver", daemon=True
        ).start()

    def received(self, headers, body):
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            event = Webhook(self.secret).verify(body, lower) if self.secret else json.loads(body)
            verdict = "signature verified" if self.secret else "not verified (no secret yet)"
        except (WebhookVerificationError, ValueError) as err:
            self.echo(f"Demo receiver: refused {lower.get('webhook-id')}: {err}")
            return
        data = event.get("data") or {}
        detail = data.get("message") or json.dumps(data)
        self.echo(
            f"Demo receiver: {event.get('type')} {lower.get('webhook-id')} ({verdict}): {detail}"
        )

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
