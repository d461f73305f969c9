"""Streaming exports of a tenant's tables, straight from PostgreSQL.

CSV comes from `COPY (...) TO STDOUT WITH CSV HEADER`, passed on block by block;
JSON lines from a server-side cursor read in batches. Either way memory stays flat
however many rows there are, and the rows never pass through Python objects one
by one for CSV. Each export runs on its own pooled connection, in a READ ONLY
transaction pointed at the tenant's schema, for as long as the client reads.
"""

from psycopg import sql

from .extensions import db
from .tenancy import search_path_for

# kind -> (columns, the timestamp the start/end dates filter on, or None)
TABLES = {
    "appointments": (
        [
            "id",
            "service_id",
            "resource_id",
            "customer_id",
            "start_time",
            "end_time",
            "status",
            "created_at",
        ],
        "start_time",
    ),
    "payments": (["id", "appointment_id", "amount_cents", "status", "paid_at"], "paid_at"),
    "customers": (["id", "name", "email", "created_at"], "created_at"),
    "services": (["id", "name", "duration_minutes", "price_cents", "is_active"], None),
    "resources": (["id", "name", "is_active"], None),
}
BATCH = 5000


# Text cells a spreadsheet would read as a formula (OWASP "CSV injection"): in CSV
# they get a leading apostrophe, which spreadsheets show as text. JSON lines are exact.
FORMULA_START = "^[-=+@\t\r]"
TEXT_COLUMNS = {"name", "email", "status"}


def _column(name, for_csv):
    column = sql.Identifier(name)
    if for_csv and name in TEXT_COLUMNS:
        return sql.SQL("CASE WHEN {c} ~ {p} THEN chr(39) || {c} ELSE {c} END AS {c}").format(
            c=column, p=sql.Literal(FORMULA_START)
        )
    return column


def _query(kind, start, end, for_csv=False):
    """SELECT for the export; start/end are local dates (datetime.date), both inclusive.

    The dates are composed as quoted literals (COPY takes no parameters); they are
    date objects validated by the argument schema, never request text.
    """
    columns, stamp = TABLES[kind]
    conditions = []
    if stamp and start:
        conditions.append(
            sql.SQL("{} >= ({}::date)::timestamp AT TIME ZONE tenant_timezone()").format(
                sql.Identifier(stamp), sql.Literal(start)
            )
        )
    if stamp and end:
        conditions.append(
            sql.SQL("{} < ({}::date + 1)::timestamp AT TIME ZONE tenant_timezone()").format(
                sql.Identifier(stamp), sql.Literal(end)
            )
        )
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    return sql.SQL("SELECT {} FROM {}{} ORDER BY id").format(
        sql.SQL(", ").join(_column(c, for_csv) for c in columns), sql.Identifier(kind), where
    )


def open_connection(schema, timeout_ms):
    """A pooled connection in a READ ONLY transaction on the tenant's schema and time zone."""
    pooled = db.engine.raw_connection()
    conn = pooled.driver_connection
    try:
        conn.execute(
            "SELECT set_config('search_path', %s, true),"
            " set_config('transaction_read_only', 'on', true),"
            " set_config('statement_timeout', %s, true)",
            (search_path_for(schema), str(timeout_ms)),
        )
        # Timestamps are written with the tenant's own offset.
        conn.execute("SELECT set_config('TimeZone', tenant_timezone(), true)")
    except Exception:
        pooled.close()
        raise
    return pooled, conn


def stream_csv(pooled, conn, kind, start, end):
    """Yield the CSV blocks; closes (returns to the pool) the connection at the end."""
    query = _query(kind, start, end, for_csv=True)
    try:
        with (
            conn.cursor() as cur,
            cur.copy(
                sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)
            ) as copy,
        ):
            for block in copy:
                yield bytes(block)
    finally:
        conn.rollback()
        pooled.close()


def stream_jsonl(pooled, conn, kind, start, end):
    """Yield JSON lines in batches; closes (returns to the pool) the connection at the end."""
    json_query = sql.SQL("SELECT row_to_json(r)::text FROM ({}) r").format(_query(kind, start, end))
    try:
        with conn.cursor(name=f"export_{kind}") as cur:
            cur.execute(json_query)
            while rows := cur.fetchmany(BATCH):
                yield ("\n".join(r[0] for r in rows) + "\n").encode()
    finally:
        conn.rollback()
        pooled.close()
