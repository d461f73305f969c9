"""The catalogue of report objects in analytics_app/sql/, and applying it to a tenant schema.

One `CREATE` file per object (a file may hold a few functions that belong
together), named after it. Each file is a "repeatable" migration (as Flyway
calls them): `flask db upgrade` re-creates an object when its file changes, and
nothing else. The catalogue says, per file, what the file's objects are for:

- readers: the reader roles may SELECT the view / EXECUTE the functions;
- private: EXECUTE is revoked from PUBLIC (the report functions run as their owner);
- rollups: the file defines how rollups are computed, so changing it rebuilds them;
- after: files whose objects this one's depend on in a way PostgreSQL records (a view
  reading a view or calling a function): re-creating one of those re-creates this one.

Object names and signatures are read from the files and from pg_proc, so they are
written once, in the .sql file. Adding a report = one .sql file + one Entry here.
Table changes stay in versioned Alembic revisions (migrations/tenant).
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
CREATED = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|VIEW)\s+(\w+)", re.I | re.M)
# Part of every object's checksum: bumped when *how* objects are applied changes
# (2: definer functions pinned with pg_temp last and given the schema's owner role).
APPLY_VERSION = "2"


@dataclass(frozen=True)
class Entry:
    file: str
    readers: bool = False
    private: bool = False
    rollups: bool = False
    after: tuple = ()
    directory: Path = field(default=SQL_DIR, compare=False)

    @property
    def source(self):
        return (self.directory / f"{self.file}.sql").read_text()

    @property
    def objects(self):
        """[(kind, name)] the file creates: ('FUNCTION', 'dashboard_report'), ..."""
        return [(kind.upper(), name) for kind, name in CREATED.findall(self.source)]

    @property
    def checksum(self):
        return hashlib.sha256((APPLY_VERSION + self.source).encode()).hexdigest()


# In creation order: each entry comes after every entry its objects use.
CATALOGUE = [
    Entry("tenant_timezone", readers=True, private=True, rollups=True),
    Entry("rfc3339", readers=True),
    Entry("report_period"),
    Entry("rollup_recount", rollups=True),
    Entry("rebuild_rollups", rollups=True),
    Entry("verify_rollups"),
    Entry("repair_rollups"),
    Entry("compact_rollups"),
    Entry("rollup_appointments_trigger", rollups=True),
    Entry("rollup_payments_trigger", rollups=True),
    Entry("rollup_customers", rollups=True),
    Entry("analytics_daily", readers=True, after=("tenant_timezone",)),
    Entry("analytics_by_service", readers=True, after=("analytics_daily",)),
    Entry("analytics_peak_times", readers=True),
    Entry("revenue_daily", readers=True),
    Entry("lead_time_daily", readers=True),
    Entry("revenue_by_resource_daily", readers=True),
    Entry("customers_daily", readers=True),
    Entry("available_minutes", readers=True, private=True),
    Entry("dashboard_report", readers=True, private=True),
    Entry("appointments_report", readers=True, private=True),
    Entry("revenue_report", readers=True, private=True),
    Entry("customers_report", readers=True, private=True),
    Entry("team_report", readers=True, private=True),
    Entry("heatmap_report", readers=True, private=True),
]


def _functions(raw, schema, names):
    """Signatures (regprocedure text) of the schema's functions with these names."""
    return [
        row[0]
        for row in raw.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
            " WHERE p.pronamespace = %s::regnamespace AND p.proname = ANY(%s)"
            " ORDER BY 1",
            (schema, list(names)),
        )
    ]


def _drop(raw, schema, entry):
    for kind, name in reversed(entry.objects):
        if kind == "VIEW":
            raw.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(schema, name)))
        else:
            # CASCADE: a trigger function's triggers go with it and come back with its file.
            for signature in _functions(raw, schema, [name]):
                raw.execute("DROP FUNCTION " + signature + " CASCADE")


def _create(raw, schema, entry):
    raw.execute(entry.source)
    functions = [name for kind, name in entry.objects if kind == "FUNCTION"]
    if entry.private:
        for signature in _functions(raw, schema, functions):
            raw.execute("REVOKE EXECUTE ON FUNCTION " + signature + " FROM PUBLIC")


def reader_grants(raw, schema, catalogue=None):
    """[(privilege, object)] a reader role gets in this schema, as SQL to compose."""
    grants = []
    for entry in catalogue or CATALOGUE:
        if not entry.readers:
            continue
        for kind, name in entry.objects:
            if kind == "VIEW":
                grants.append(("SELECT ON", sql.Identifier(schema, name)))
            else:
                for signature in _functions(raw, schema, [name]):
                    grants.append(("EXECUTE ON FUNCTION", sql.SQL(signature)))
    return grants


def _dependents(catalogue, changed):
    """changed, plus every entry that (transitively) comes `after` one of them."""
    names = {e.file for e in changed}
    grew = True
    while grew:
        grew = False
        for entry in catalogue:
            if entry.file not in names and names.intersection(entry.after):
                names.add(entry.file)
                grew = True
    return [e for e in catalogue if e.file in names]


def apply(raw, schema, catalogue=None):
    """Re-create the entries whose file changed since the schema last saw them.

    raw: a psycopg connection inside the caller's transaction, already entered into
    the schema with pg_temp last (migrate does that). Returns the entries applied
    and whether the rollups must be rebuilt.
    """
    catalogue = catalogue or CATALOGUE
    have = dict(raw.execute("SELECT object, checksum FROM analytics_objects_state").fetchall())
    changed = [e for e in catalogue if have.get(e.file) != e.checksum]
    if not changed:
        return [], False
    todo = _dependents(catalogue, changed)
    for entry in reversed(todo):
        _drop(raw, schema, entry)
    for entry in todo:
        _create(raw, schema, entry)
        raw.execute(
            "INSERT INTO analytics_objects_state (object, checksum) VALUES (%s, %s)"
            " ON CONFLICT (object) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()",
            (entry.file, entry.checksum),
        )
    return todo, any(e.rollups for e in todo)


def drop_all(raw, schema, catalogue=None):
    """Remove every catalogue object (before a downgrade drops the tables under them)."""
    for entry in reversed(catalogue or CATALOGUE):
        _drop(raw, schema, entry)
    raw.execute("DELETE FROM analytics_objects_state")
