"""The report views and functions of analytics_app/sql/, applied to a tenant schema.

They are "repeatable" migrations (as Flyway calls them): one `CREATE` file per
object, named after it, applied in the order of OBJECTS. A checksum of the
whole set is kept in the schema's analytics_objects_state table; when it
differs, every object is dropped (reverse order) and created again inside the
caller's transaction, so editing a .sql file and running `flask db upgrade`
is all a change takes, and a second run changes nothing. Table changes stay
in versioned Alembic revisions (migrations/tenant).
"""

import hashlib
from pathlib import Path

from sqlalchemy import text

SQL_DIR = Path(__file__).resolve().parent / "sql"

# (file stem, object kind, what DROP needs to name it), in creation order.
OBJECTS = [
    ("tenant_timezone", "FUNCTION", "tenant_timezone()"),
    ("rfc3339", "FUNCTION", "rfc3339(timestamptz, text)"),
    ("analytics_daily", "VIEW", "analytics_daily"),
    ("analytics_by_service", "VIEW", "analytics_by_service"),
    ("analytics_peak_times", "VIEW", "analytics_peak_times"),
    ("revenue_daily", "VIEW", "revenue_daily"),
    ("dashboard_report", "FUNCTION", "dashboard_report(timestamptz)"),
    ("appointments_report", "FUNCTION", "appointments_report(integer, text, bigint, bigint, timestamptz)"),
    ("revenue_report", "FUNCTION", "revenue_report(integer, bigint, timestamptz)"),
]


def _sources():
    return [(SQL_DIR / f"{stem}.sql").read_text() for stem, _, _ in OBJECTS]


def checksum():
    digest = hashlib.sha256()
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
    for _, kind, signature in reversed(OBJECTS):
        raw.execute(f"DROP {kind} IF EXISTS {signature}")
    for source in _sources():
        raw.execute(source)
    connection.execute(text("DELETE FROM analytics_objects_state"))
    connection.execute(
        text("INSERT INTO analytics_objects_state (checksum) VALUES (:c)"), {"c": wanted}
    )
    return True
