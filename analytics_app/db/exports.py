"""Streaming exports of a tenant's tables, straight from PostgreSQL.

CSV comes from `COPY (...) TO STDOUT WITH CSV HEADER`, passed on block by block;
JSON lines from a server-side cursor read in batches; xlsx from the same cursor into a
write-only workbook on disk (spreadsheets.py). Either way memory stays flat
however many rows there are, and the rows never pass through Python objects one
by one for CSV. Each export runs on a connection of the exports' own pool, in a READ
ONLY transaction pointed at the tenant's schema, bounded by a whole-export deadline
and an idle-client limit (see stream()).
"""

import contextlib
import json
import logging
import socket
import time
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.types.datetime import TimestamptzLoader
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from analytics_app.db import replica
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.formats import spreadsheets

log = logging.getLogger(__name__)

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
            "source",
        ],
        "start_time",
    ),
    "payments": (
        ["id", "appointment_id", "amount_cents", "currency", "status", "paid_at"],
        "paid_at",
    ),
    "customers": (["id", "name", "email", "created_at", "acquisition_channel"], "created_at"),
    "services": (
        ["id", "name", "duration_minutes", "price_cents", "currency", "is_active"],
        None,
    ),
    "resources": (["id", "name", "is_active"], None),
}
BATCH = 1000  # JSON lines fetched per round trip
BLOCK_BYTES = 64 * 1024  # CSV bytes per write
SEND_BUFFER_BYTES = 256 * 1024


# Text cells a spreadsheet would read as a formula (OWASP "CSV injection"): in CSV
# they get a leading apostrophe, which spreadsheets show as text. JSON lines are exact.
FORMULA_START = "^[-=+@\t\r]"
TEXT_COLUMNS = {"name", "email", "status", "source", "acquisition_channel"}


def _column(name, for_csv):
    if name == "currency":  # not a column: the tenant's, beside each amount in minor units
        return sql.SQL("tenant_currency() AS currency")
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


class ExportBusy(Exception):
    """Every connection of the export pool is in use."""


@dataclass
class Limits:
    """How long one export may take: in all, and while the client accepts nothing."""

    deadline_s: float
    idle_s: float
    started: float = field(default_factory=time.monotonic)

    @property
    def expired(self):
        return time.monotonic() - self.started > self.deadline_s


def open_connection(schema, limits):
    """A connection of the export pool, in a READ ONLY transaction on the tenant's schema.

    The export pool is its own (SQLALCHEMY_BINDS["exports"]): exports never take a
    connection a report needs. With a replica, its own export pool serves first. The server ends the transaction by itself if the
    app stops reading (idle_in_transaction_session_timeout) or a statement runs
    past the whole export's deadline (statement_timeout).
    """
    pooled = _replica_connection() if replica.usable() else None
    if pooled is None:
        try:
            pooled = db.engines["exports"].raw_connection()
        except PoolTimeout:
            raise ExportBusy() from None
    conn = pooled.driver_connection
    try:
        enter_schema(
            conn,
            schema,
            read_only=True,
            timeout_ms=limits.deadline_s * 1000,
            idle_ms=(limits.idle_s + 5) * 1000,
            application_name=f"export:{schema}",
            tenant_time_zone=True,  # timestamps are written with the tenant's own offset
        )
    except Exception:
        pooled.close()
        raise
    return pooled, conn


def _replica_connection():
    """A connection of the replica's export pool; None when the primary must serve."""
    try:
        return db.engines[replica.EXPORT_BIND].raw_connection()
    except PoolTimeout:
        raise ExportBusy() from None
    except DBAPIError as err:
        if not replica.fall_back_for(err):
            raise
        replica.mark_down(type(err.orig).__name__)
        return None


def _csv_blocks(conn, kind, start, end):
    """COPY rows gathered into blocks of about BLOCK_BYTES (one write each, not one per row)."""
    query = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
        _query(kind, start, end, for_csv=True)
    )
    with conn.cursor() as cur, cur.copy(query) as copy:
        buffer = bytearray()
        for row in copy:
            buffer += row
            if len(buffer) >= BLOCK_BYTES:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)


def _jsonl_blocks(conn, kind, start, end):
    json_query = sql.SQL("SELECT row_to_json(r)::text FROM ({}) r").format(_query(kind, start, end))
    with conn.cursor(name=f"export_{kind}") as cur:
        cur.execute(json_query)
        while rows := cur.fetchmany(BATCH):
            yield ("\n".join(r[0] for r in rows) + "\n").encode()


class _InfinityAsText(TimestamptzLoader):
    """PostgreSQL's '-infinity' and 'infinity' as that text (Python's datetime has no
    infinity, and psycopg's own loader fails on them): a text cell in the sheet, as the
    CSV and JSON lines write them (docs/api.md, "Infinite times")."""

    def load(self, data):
        if data in (b"infinity", b"-infinity"):
            return bytes(data).decode()
        return super().load(data)


def _xlsx_blocks(conn, kind, start, end):
    """The rows as a worksheet (analytics_app/spreadsheets.py): fetched BATCH at a time
    into openpyxl's write-only sheet, the zipped file then read out in blocks."""
    columns, _ = TABLES[kind]

    def batches():
        with conn.cursor(name=f"export_{kind}") as cur:
            cur.adapters.register_loader("timestamptz", _InfinityAsText)
            cur.execute(_query(kind, start, end))
            while rows := cur.fetchmany(BATCH):
                yield rows

    yield from spreadsheets.stream_rows(kind, columns, batches())


def _cut_line(reason):
    return (json.dumps({"error": "export incomplete", "detail": reason}) + "\n").encode()


def stream(pooled, conn, fmt, kind, start, end, limits, client_socket=None):
    """Yield the export; always ends the transaction and returns the connection.

    A client that accepts nothing for idle_s seconds makes the server's write time
    out (the socket's timeout), which ends the response and closes this generator.
    An export past its deadline, or one the database stopped, is cut visibly: JSON
    lines get an error line, and either format ends without the closing chunk of
    HTTP/1.1 chunked encoding (the connection is shut, not finished).
    """
    if client_socket is not None:
        client_socket.settimeout(limits.idle_s)
        # A stalled client parks at most this much in the kernel (Linux would grow the
        # buffer to megabytes), so the idle limit starts soon after it stops reading.
        client_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    blocks = {"csv": _csv_blocks, "jsonl": _jsonl_blocks, "xlsx": _xlsx_blocks}[fmt]
    try:
        reason = None
        try:
            for block in blocks(conn, kind, start, end):
                if block:  # an empty block is the xlsx writer's pause between batches
                    yield block
                if limits.expired:
                    reason = f"The export ran past its {limits.deadline_s:g} s limit."
                    break
        except psycopg.Error as err:
            log.warning("export %s cut off: %s", kind, type(err).__name__)
            reason = "The database ended the export; ask for a shorter date range."
        if reason is not None:
            log.warning("export %s incomplete: %s", kind, reason)
            if fmt == "jsonl":
                yield _cut_line(reason)
            _abort(client_socket)
    finally:
        # The server may have ended the session already; the pool then drops it.
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
        pooled.close()


def _abort(client_socket):
    """End the response without its closing chunk: the client sees a cut transfer."""
    if client_socket is None:
        raise ExportCutOff()
    with contextlib.suppress(OSError):
        client_socket.shutdown(socket.SHUT_WR)  # sends what was written, then EOF


class ExportCutOff(Exception):
    """Raised to make a WSGI server without a known socket drop the connection."""
