"""Response headers and one structured log line per request.

Pages get a strict Content-Security-Policy (no inline script anywhere: the
charts are images), and every response a request id, nosniff and no caching of
tenant data by shared caches.
"""

import json
import logging
import re
import time
import uuid

from flask import g, request
from flask_login import current_user

from analytics_app.request.context import known_context

log = logging.getLogger("analytics_app.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _start():
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
    context = known_context()
    tenant = context.tenant if context else None
    user_id = None
    if "_login_user" in g and getattr(current_user, "is_authenticated", False):
        user_id = current_user.get_id()
    log.info(
        json.dumps(
            {
                "request_id": g.get("request_id"),
                "tenant": tenant.schema_name if tenant is not None else None,
                "user": user_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
                ),
            }
        )
    )
    return response


def init_app(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
