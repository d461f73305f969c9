"""Sending the outbox: `flask webhooks deliver [--watch]`.

Each due delivery is claimed with FOR UPDATE SKIP LOCKED and marked in the same
transaction after the POST, so a sender killed midway leaves it pending and the next
run sends it again (at least once; the receiver deduplicates by `webhook-id`, the same
on every retry). A 2xx within 10 s is delivered; anything else is retried after 1 min,
5 min, 30 min, 2 h, 8 h and 24 h, then failed. An endpoint whose deliveries have all
failed for 3 days is disabled, and its owner is owed an email saying so (sent by
alerts.emails, from the same outbox as the alert emails).

A round visits only the tenants whose `public.tenants.webhooks_due_at` has come: whoever
queues a delivery sets it to now() in the same transaction (mark_due), and each visit
sets it to the tenant's next moment (the earliest retry due, or the earliest an endpoint
could reach its 3 days of failures; NULL for none) under a lock on the tenant's row, so
a delivery queued meanwhile keeps its now(). At 3,000 tenants a round that visited each
took 10.4 s (docs/scale-out.md).
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from sqlalchemy import text

from analytics_app.alerts import emails
from analytics_app.db.tenant_session import enter_schema
from analytics_app.email_reports import transport
from analytics_app.formats.languages import N_
from analytics_app.webhooks import secrets

RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
    timedelta(hours=24),
)
TIMEOUT_S = 10
MAX_RESPONSE = 64 * 1024
DISABLE_AFTER = timedelta(days=3)


class Refused(ValueError):
    """A URL the sender will not call: English in logs and the CLI (str), the reader's
    language on the settings page (translated())."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params

    def translated(self):
        return gettext(self.message, **self.params)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


def allow_private(allowed=None):
    """WEBHOOKS_ALLOW_PRIVATE, unless the caller says (the demo's sender allows it)."""
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE") if allowed is None else allowed)


def check_url(url, resolve=True, private=None):
    """The URL's target, or Refused: https only (http too with WEBHOOKS_ALLOW_PRIVATE), and
    a host whose every address is public (resolved now, so a DNS change is caught)."""
    parts = urlsplit(url)
    private = allow_private(private)
    allowed = ("https", "http") if private else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise Refused(N_("Only https:// URLs with a host name are allowed."))
    if parts.username or parts.password:
        raise Refused(N_("A webhook URL may not carry credentials."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not resolve:
        return Target(parts.scheme, parts.hostname, port, path, "")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as err:
        raise Refused(N_("The host does not resolve: %(error)s."), error=str(err)) from None
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not private and not ip.is_global:
            raise Refused(
                N_("The host resolves to a non-public address (%(address)s)."), address=address
            )
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


def sign(secret, message_id, timestamp, body):
    """Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secrets.signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class _Connection(http.client.HTTPConnection):
    """Connects to the address checked, not to whatever the name resolves to later."""

    def __init__(self, target):
        super().__init__(target.host, target.port, timeout=TIMEOUT_S)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), TIMEOUT_S)


class _TlsConnection(_Connection):
    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(url, secret, message_id, payload, private=None):
    """POST one event; (HTTP status, None) or (None, error text). Never follows redirects."""
    try:
        target = check_url(url, private=private)
    except Refused as err:
        return None, str(err)
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "user-agent": "tenant-analytics-webhooks",
    }
    conn = (_TlsConnection if target.scheme == "https" else _Connection)(target)
    try:
        conn.request("POST", target.path, body, headers)
        response = conn.getresponse()
        response.read(MAX_RESPONSE)
        return response.status, None
    except (OSError, http.client.HTTPException) as err:
        return None, f"{type(err).__name__}: {err}"[:300]
    finally:
        conn.close()


CLAIM_SQL = text(
    "SELECT d.id, d.event_id, d.payload, d.attempts, e.url, e.secret_sealed"
    " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    " WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.disabled_at IS NULL"
    " AND d.id <> ALL (CAST(:tried AS bigint[]))"
    " ORDER BY d.next_attempt_at, d.id LIMIT 1"
    " FOR UPDATE OF d SKIP LOCKED"
)
DONE_SQL = text(
    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = :status,"
    " last_error = :error, status = :state, delivered_at = CASE WHEN :state = 'delivered'"
    " THEN now() END, next_attempt_at = now() + CAST(:retry AS interval) WHERE id = :id"
)
# When an enabled endpoint's run of failures began: the first delivery made since its
# last successful one that was attempted and not delivered (NULL: it is not failing).
# A failure before the last success does not count: an endpoint that recovered starts
# its 3 days again.
FAILING_SINCE = (
    "(SELECT min(d.created_at) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
    " AND d.attempts > 0 AND d.status <> 'delivered'"
    " AND d.created_at > coalesce((SELECT max(ok.delivered_at) FROM webhook_deliveries ok"
    "     WHERE ok.endpoint_id = e.id AND ok.status = 'delivered'), '-infinity'))"
)

# Disabled: an endpoint whose deliveries have all failed for 3 days (SPEC Part 6): its run
# of failures began 3 days ago or more (so nothing was delivered in those 3 days).
# In the same statement, the owner is owed an email saying so (the notification outbox).
DISABLE_SQL = text(
    "WITH disabled AS ("
    " UPDATE webhook_endpoints e SET disabled_at = now() WHERE e.disabled_at IS NULL"
    f" AND {FAILING_SINCE} <= now() - CAST(:days AS interval)"
    " RETURNING e.id, e.url),"
    " told AS (INSERT INTO notification_emails (kind, endpoint_id, user_id)"
    "  SELECT 'endpoint_disabled', d.id, o.id FROM disabled d"
    "  JOIN (SELECT public.tenant_owner(current_schema()::text) AS id) o ON o.id IS NOT NULL)"
    " SELECT id, url FROM disabled"
)

# The tenant's next moment for the sender (see the module's text); the row is locked by
# the statement before, in the same transaction, so this one's snapshot sees every
# delivery queued by a transaction that marked the tenant before the lock.
LOCK_TENANT_SQL = text(
    "SELECT FROM public.tenants WHERE schema_name = current_schema() FOR NO KEY UPDATE"
)
RESCHEDULE_SQL = text(
    "UPDATE public.tenants SET webhooks_due_at = least("
    " (SELECT min(d.next_attempt_at) FROM webhook_deliveries d"
    "  JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    "  WHERE d.status = 'pending' AND e.disabled_at IS NULL),"
    f" (SELECT min({FAILING_SINCE}) FROM webhook_endpoints e WHERE e.disabled_at IS NULL)"
    "  + CAST(:days AS interval))"
    " WHERE schema_name = current_schema()"
)
MARK_DUE_SQL = text(
    "UPDATE public.tenants SET webhooks_due_at = least(webhooks_due_at, now())"
    " WHERE schema_name = current_schema()"
)
DUE_TENANTS_SQL = text(
    "SELECT schema_name FROM public.tenants WHERE webhooks_due_at <= now()"
    " ORDER BY webhooks_due_at, schema_name"
)


def mark_due(session):
    """In the transaction that queued a delivery (the tenant's schema entered): the
    sender's next round visits this tenant."""
    session.execute(MARK_DUE_SQL)


def deliver_one(session, schema, tried, private=None):
    """Send the next due delivery of one tenant: (its id, delivered?), or None when none is due."""
    enter_schema(session, schema)
    row = session.execute(CLAIM_SQL, {"tried": tried}).one_or_none()
    if row is None:
        session.commit()
        return None
    try:
        secret = secrets.unseal(row.secret_sealed)
    except ValueError as err:  # SECRET_KEY changed: the endpoint must be added again
        status, error = None, str(err)
    else:
        status, error = post(row.url, secret, row.event_id, row.payload, private)
    ok = status is not None and 200 <= status < 300
    retries_left = row.attempts < len(RETRY_AFTER)
    session.execute(
        DONE_SQL,
        {
            "id": row.id,
            "status": status,
            "error": None if ok else (error or f"HTTP {status}"),
            "state": "delivered" if ok else ("pending" if retries_left else "failed"),
            "retry": f"{RETRY_AFTER[min(row.attempts, len(RETRY_AFTER) - 1)].total_seconds()} s",
        },
    )
    session.commit()
    return row.id, ok


def deliver_tenant(session, schema, private=None):
    """Every due delivery of one tenant, each once in this run; (sent, failed) counts."""
    tried, sent, failed = [], 0, 0
    while (done := deliver_one(session, schema, tried, private)) is not None:
        tried.append(done[0])
        sent += done[1]
        failed += not done[1]
    enter_schema(session, schema)
    days = {"days": f"{DISABLE_AFTER.days} days"}
    disabled = session.execute(DISABLE_SQL, days).all()
    session.execute(LOCK_TENANT_SQL)
    session.execute(RESCHEDULE_SQL, days)
    session.commit()
    if disabled:  # tell the owner now (what fails to go is sent by `flask alerts check`)
        emails.send_pending(session, schema, transport.from_url(current_app.config["MAIL_URL"]))
    return sent, failed, disabled


def deliver_all(session, schemas=None, echo=print, private=None):
    tenants = schemas or session.execute(DUE_TENANTS_SQL).scalars().all()
    session.commit()
    totals = [0, 0]
    for schema in tenants:
        sent, failed, disabled = deliver_tenant(session, schema, private)
        totals[0] += sent
        totals[1] += failed
        for endpoint_id, url in disabled:
            echo(
                f"{schema}: endpoint {endpoint_id} ({url}) disabled: every delivery failed for 3 days"
            )
    return tuple(totals)


def backlog(raw, schemas, batch=100):
    """(deliveries due and not sent to an enabled endpoint, the oldest one's due time)
    over these tenants, one round trip per batch of schemas (psycopg connection, for
    /readyz: the tenants the sender is due to visit, which hold every such delivery).
    In autocommit each batch is a transaction holding seven locks a tenant until it
    ends: 100 tenants a batch keeps that to 700 of the server's ~7,000."""
    from psycopg import sql

    total, oldest = 0, None
    for i in range(0, len(schemas), batch):
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL(
                "SELECT count(*), min(d.next_attempt_at) FROM {} d JOIN {} e"
                " ON e.id = d.endpoint_id AND e.disabled_at IS NULL"
                " WHERE d.status = 'pending' AND d.next_attempt_at <= now()"
            ).format(
                sql.Identifier(schema, "webhook_deliveries"),
                sql.Identifier(schema, "webhook_endpoints"),
            )
            for schema in schemas[i : i + batch]
        )
        for count, first in raw.execute(query):
            total += count
            if first is not None and (oldest is None or first < oldest):
                oldest = first
    return total, oldest
