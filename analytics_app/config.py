"""Settings read from the environment (a `.env` file is loaded by the flask CLI)."""

import os


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _prepare_threshold(value):
    if value is None or value.strip() == "":
        return 5  # psycopg's default
    if value.strip().lower() == "none":
        return None
    return int(value)


def from_environment():
    """Return the app's settings; every key can be overridden by `create_app(config)`."""
    return {
        # Absent: an embedded PostgreSQL server is started under EMBEDDED_PG_DATA.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or None,
        # A streaming standby for report and export reads (docs/scale-out.md); when it
        # cannot answer, the primary does and the replica rests REPLICA_RETRY_S seconds.
        "DATABASE_REPLICA_URL": os.environ.get("DATABASE_REPLICA_URL") or None,
        "REPLICA_RETRY_S": _int("REPLICA_RETRY_S", 10),
        "EMBEDDED_PG_DATA": os.environ.get("EMBEDDED_PG_DATA") or None,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # Tenants created without --domain get "<schema>.<TENANT_BASE_DOMAIN>".
        "TENANT_BASE_DOMAIN": os.environ.get("TENANT_BASE_DOMAIN", "localhost").lower(),
        "STATEMENT_TIMEOUT_MS": _int("STATEMENT_TIMEOUT_MS", 5000),
        # Exports: a whole-export deadline, how long a client may accept nothing, and
        # their own pool (reports never wait for a connection an export holds).
        "EXPORT_DEADLINE_S": _int("EXPORT_DEADLINE_S", 600),
        "EXPORT_IDLE_S": _int("EXPORT_IDLE_S", 30),
        "EXPORT_POOL_SIZE": _int("EXPORT_POOL_SIZE", 3),
        "DB_POOL_SIZE": _int("DB_POOL_SIZE", 5),
        "DB_CONNECT_TIMEOUT_S": _int("DB_CONNECT_TIMEOUT_S", 5),
        # psycopg prepares a statement on the server after it ran this many times on a
        # connection. "none" never prepares: needed behind PgBouncer < 1.21 in
        # transaction mode, where the next transaction may be on another server
        # connection (docs/decisions.md "PgBouncer").
        "DB_PREPARE_THRESHOLD": _prepare_threshold(os.environ.get("DB_PREPARE_THRESHOLD")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "").lower()
        in ("1", "true", "yes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # Sign-in attempts: per client address, and per tenant host + email (whether or
        # not the account exists). Memory storage is per process: point
        # RATELIMIT_STORAGE_URI at e.g. redis:// when running several workers.
        "LOGIN_LIMIT_PER_CLIENT": os.environ.get("LOGIN_LIMIT_PER_CLIENT", "20/minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5/minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Email reports (docs/email-reports.md): where mail goes (unset: printed), who it
        # is from, and the address of a tenant's dashboard in links ({host}: its domain).
        "MAIL_URL": os.environ.get("MAIL_URL") or None,
        "MAIL_TIMEOUT_S": _int("MAIL_TIMEOUT_S", 30),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Tenant Analytics <reports@localhost>"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://{host}:5000"),
        # Webhooks (SPEC Part 6): plain http:// and private, loopback or link-local
        # addresses only for tests and the demo.
        "WEBHOOKS_ALLOW_PRIVATE": os.environ.get("WEBHOOKS_ALLOW_PRIVATE") == "1",
    }
