"""The report views and functions of analytics_app/sql/, applied to a tenant schema.

They are "repeatable" migrations (as Flyway calls them): one `CREATE` file per
object, named after it, applied in the order of OBJECTS. A checksum of the
whole set is kept in the schema's analytics_objects_state table; when it
differs, every object is dropped (reverse order) and created again inside the
caller's transaction, and the rollups are rebuilt, so editing a .sql file and running `flask db upgrade`
is all a change takes, and a second run changes nothing. Table changes stay
in versioned Alembic revisions (migrations/tenant).
"""

import functools
import hashlib
from pathlib import Path

from sqlalchemy import text

from . import db_security

SQL_DIR = Path(__file__).resolve().parent / "sql"

# (file stem, the DROP statement that removes what the file creates), in creation order.
OBJECTS = [
    ("tenant_timezone", "DROP FUNCTION IF EXISTS tenant_timezone()"),
    ("rfc3339", "DROP FUNCTION IF EXISTS rfc3339(timestamptz, text)"),
    ("report_period", "DROP FUNCTION IF EXISTS report_period(integer, timestamptz)"),
    (
        "rollup_recount",
        "DROP FUNCTION IF EXISTS rollup_recount_daily(),"
        " rollup_recount_weekday_hour(), rollup_recount_payments()",
    ),
    ("rebuild_rollups", "DROP FUNCTION IF EXISTS rebuild_rollups()"),
    ("verify_rollups", "DROP FUNCTION IF EXISTS verify_rollups()"),
    # CASCADE: the function's triggers go with it and come back with the file.
    (
        "rollup_appointments_trigger",
        "DROP FUNCTION IF EXISTS rollup_appointments_changed() CASCADE",
    ),
    ("rollup_payments_trigger", "DROP FUNCTION IF EXISTS rollup_payments_changed() CASCADE"),
    ("analytics_daily", "DROP VIEW IF EXISTS analytics_daily"),
    ("analytics_by_service", "DROP VIEW IF EXISTS analytics_by_service"),
    ("analytics_peak_times", "DROP VIEW IF EXISTS analytics_peak_times"),
    ("revenue_daily", "DROP VIEW IF EXISTS revenue_daily"),
    ("dashboard_report", "DROP FUNCTION IF EXISTS dashboard_report(timestamptz)"),
    (
        "appointments_report",
        "DROP FUNCTION IF EXISTS appointments_report(integer, text, bigint, bigint, timestamptz)",
    ),
    ("revenue_report", "DROP FUNCTION IF EXISTS revenue_report(integer, bigint, timestamptz)"),
    ("reader_grants", None),  # grants go with the objects they are on
]

# What a read-only analyst may use in a tenant schema (see analytics_app/dba.py).
READER_VIEWS = ("analytics_daily", "analytics_by_service", "analytics_peak_times", "revenue_daily")
READER_FUNCTIONS = (
    "dashboard_report(timestamptz)",
    "appointments_report(integer, text, bigint, bigint, timestamptz)",
    "revenue_report(integer, bigint, timestamptz)",
    "tenant_timezone()",
    "rfc3339(timestamptz, text)",
)


@functools.cache
def _sources():
    return tuple((SQL_DIR / f"{stem}.sql").read_text() for stem, _ in OBJECTS)


# Bumped when how the objects are applied changes (not their text): 2 = definer
# functions pinned with pg_temp last and handed to the schema's owner role.
APPLY_VERSION = b"2"


def checksum():
    digest = hashlib.sha256(APPLY_VERSION)
    for source in _sources():
        digest.update(source.encode())
    return digest.hexdigest()


def apply(connection):
    """(Re)create the objects in the current search_path's schema if they changed."""
    wanted = checksum()
    have = connection.execute(text("SELECT checksum FROM analytics_objects_state")).scalar()
    if have == wanted:
        return False
    raw = connection.connection.driver_connection  # psycopg: runs whole files as written
    for _, drop in reversed(OBJECTS):
        if drop:
            raw.execute(drop)
    for source in _sources():
        raw.execute(source)
    schema = connection.execute(text("SELECT current_schema()")).scalar()
    db_security.secure_definer_functions(raw, schema)
    # The rollups are recomputed whenever this SQL changes: a fixed trigger or a new
    # rollup definition can never leave figures computed the old way behind.
    raw.execute("SELECT rebuild_rollups()")
    from .dba import regrant_schema  # the reader roles lose their grants with the objects

    regrant_schema(connection)
    connection.execute(text("DELETE FROM analytics_objects_state"))
    connection.execute(
        text("INSERT INTO analytics_objects_state (checksum) VALUES (:c)"), {"c": wanted}
    )
    return True
