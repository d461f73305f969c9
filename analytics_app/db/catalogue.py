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

The shared schema's functions (the API's first statement, the key check, the feature
rule, the search-path entry, email scheduling, platform totals) are the same kind of
object: PUBLIC_CATALOGUE, files in analytics_app/sql/public/, applied by
apply_public() after the public revisions, recorded in public.analytics_public_objects.
migrations/public keeps only tables.
"""

import contextlib
import contextvars
import functools
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
CREATED = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|VIEW)\s+(?:public\.)?(\w+)", re.I | re.M
)
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

    @functools.cached_property
    def path(self):
        return self.directory / f"{self.file}.sql"

    @property
    def source(self):
        return _read(self.path)

    @property
    def objects(self):
        """[(kind, name)] the file creates: ('FUNCTION', 'dashboard_report'), ..."""
        return _objects(self.source)

    @property
    def checksum(self):
        return _checksum(self.source)


# Creating a tenant asks each entry for these several times, and 10,000 creations ask
# again each time: worked out once per text (a changed file is a new text).
@functools.lru_cache(maxsize=512)
def _objects(text):
    return tuple((kind.upper(), name) for kind, name in CREATED.findall(text))


@functools.lru_cache(maxsize=512)
def _checksum(text):
    return hashlib.sha256((APPLY_VERSION + text).encode()).hexdigest()


_sources = {}


def _read(path):
    """A file's text, read again only when it changed (creating a tenant asks often)."""
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _sources.get(path)
    if cached is None or cached[0] != key:
        cached = _sources[path] = (key, path.read_text())
    return cached[1]


# A file's top-level statements: each begins a line with CREATE or COMMENT outside quoted
# text and comments (_SKIPPED), and runs to the next. An upgrade replaces in place only
# the CREATE statements whose text changed since the schema last applied the file: each
# statement it runs looks up the functions its body or view names, and a function name
# is looked up among every tenant's function of that name, each one's stored body
# detoasted, once any function changed anywhere (beside 10,000 tenants, the seven
# statements of customer_visits.sql cost 592 ms a tenant, the one changed 31 ms:
# docs/scale-out.md, "Statement by statement"). The checksums of
# a file's statements are kept in one more row of the state table, "<file>:statements",
# trusted only beside the file checksum they were recorded with: a file row set to
# anything else (a test or benchmark marking it changed, a schema copied) re-applies
# the whole file.
_STATEMENT = re.compile(r"^(?:CREATE|COMMENT)\b", re.M)
STATEMENTS = ":statements"


@functools.lru_cache(maxsize=512)
def _statements(text):
    """`text` as ((is a CREATE, its text, its checksum), ...): the leading comments, then
    each statement (the comments after its last line belong to the next)."""
    skipped = [m.span() for m in _SKIPPED.finditer(text)]
    starts = [
        m.start()
        for m in _STATEMENT.finditer(text)
        if not any(a <= m.start() < b for a, b in skipped)
    ]
    parts = []
    for start, end in zip([0] + starts, starts + [len(text)], strict=True):
        chunk = text[start:end]
        lines = chunk.rstrip().split("\n")
        while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
            lines.pop()
        statement = "\n".join(lines)
        digest = hashlib.sha256((APPLY_VERSION + statement).encode()).hexdigest()[:16]
        parts.append((chunk.startswith("CREATE"), chunk, digest))
    return tuple(parts)


def _creates(text):
    """The checksums of `text`'s CREATE statements."""
    return [digest for create, _chunk, digest in _statements(text) if create]


def statements_row(entry):
    """(object, checksum) of the entry's statements row, or None for a file of one CREATE
    (its own checksum says it all)."""
    creates = _creates(entry.source)
    if len(creates) < 2:
        return None
    return entry.file + STATEMENTS, " ".join([entry.checksum] + creates)


def released(entry, names):
    """The statements row the entry's file would have if a release had changed only the
    statements creating `names` (and the file checksum marked 'changed'): what a
    benchmark writes to upgrade as after such a release."""
    creates = [
        "changed" if (made := CREATED.search(chunk)) and made.group(2) in names else digest
        for create, chunk, digest in _statements(entry.source)
        if create
    ]  # (a CREATE TRIGGER names no function or view: kept)
    return entry.file + STATEMENTS, " ".join(["changed"] + creates)


def _kept(have, entry):
    """The checksums of the entry's CREATE statements the schema has applied as they are
    (have: {object: checksum} of its state table), if the row recording them was written
    with the file checksum the schema has; else none."""
    recorded = have.get(entry.file + STATEMENTS, "").split()
    if not recorded or recorded[0] != have.get(entry.file):
        return frozenset()
    return frozenset(recorded[1:])


def _to_run(entry, kept):
    """The entry's file without the CREATE statements in `kept` (applied as they are)."""
    if not kept:
        return entry.source
    return "".join(
        chunk for create, chunk, digest in _statements(entry.source)
        if not (create and digest in kept)
    )  # fmt: skip


def _runs_a_create(entry, kept):
    return any(digest not in kept for digest in _creates(entry.source))


# In creation order: each entry comes after every entry its objects use.
CATALOGUE = [
    Entry("tenant_timezone", readers=True, private=True, rollups=True),
    Entry("tenant_currency", readers=True, private=True),
    Entry("rfc3339", readers=True),
    Entry("report_period"),
    Entry("channel_names"),
    # The rollups (db/rollups.py generates rollup_* and fold/verify/rebuild from its
    # registry; customer_visits and change_log are written by hand).
    Entry("customer_visits", readers=True, private=True, rollups=True, after=("tenant_timezone",)),
    # The views the other generated files read the functions above through (made once).
    Entry("rollup_inputs", rollups=True, after=("tenant_timezone", "customer_visits")),
    Entry("rollup_facts", rollups=True, after=("rollup_inputs",)),
    Entry("rollup_views", after=("rollup_facts", "rollup_inputs")),
    Entry("rollup_recount", rollups=True),
    Entry("fold_rollups", rollups=True),
    Entry("rebuild_rollups", rollups=True),
    Entry("verify_rollups"),
    Entry("change_log", rollups=True),
    Entry("analytics_daily", readers=True, after=("tenant_timezone", "rollup_views")),
    Entry("analytics_by_service", readers=True, after=("analytics_daily",)),
    Entry("analytics_peak_times", readers=True, after=("rollup_views",)),
    Entry("revenue_daily", readers=True, after=("rollup_views",)),
    Entry("lead_time_daily", readers=True, after=("rollup_views",)),
    Entry("revenue_by_resource_daily", readers=True, after=("rollup_views",)),
    Entry("customers_daily", readers=True, after=("rollup_views",)),
    Entry("channels_and_value", readers=True, after=("rollup_views",)),
    Entry("available_minutes", readers=True, private=True, after=("rollup_views",)),
    Entry("dashboard_report", readers=True, private=True),
    Entry("appointments_report", readers=True, private=True),
    Entry("revenue_report", readers=True, private=True),
    Entry("customers_report", readers=True, private=True),
    Entry("team_report", readers=True, private=True),
    Entry("heatmap_report", readers=True, private=True, after=("rollup_views",)),
    Entry("seasonality_report", readers=True, private=True),
    Entry("outlook_report", readers=True, private=True),
    Entry("retention_report", readers=True, private=True),
    Entry("at_risk_report", readers=True, private=True),
    Entry("alerts", readers=True, private=True),
]

PUBLIC_SQL_DIR = SQL_DIR / "public"
# The shared schema's functions, in creation order; the same rules as CATALOGUE.
PUBLIC_CATALOGUE = [
    Entry(name, private=name == "platform_tenant_totals", directory=PUBLIC_SQL_DIR)
    for name in (
        "enter_tenant",
        "tenant_feature",
        "tenant_owner",
        "api_key_user",
        "begin_api_request",
        "report_due_period",
        "due_report_deliveries",
        "rebuild_rollups_on_timezone_change",
        "platform_tenant_totals",
    )
]
TENANT_STATE = "analytics_objects_state"
PUBLIC_STATE = "public.analytics_public_objects"


# A function's qualified signature, as regprocedure would write it but without its
# visibility check: that looks the name up in every schema, which costs a scan of all
# the tenants' same-named functions each time a new tenant's functions invalidated them.
SIGNATURE = "format('%%I.%%I(%%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes))"


def _functions(raw, schema, names):
    """Qualified signatures of the schema's functions with these names (their interim
    names while a new schema is being created: see interim_names)."""
    interim = _interim.get()
    if interim:
        names = [interim.get(name, name) for name in names]
    return [
        row[0]
        for row in raw.execute(
            # Through pg_depend's index on the schema: pg_proc's index on the name would
            # read every tenant's function of that name.
            f"SELECT {SIGNATURE} FROM pg_depend d"
            " JOIN pg_proc p ON p.oid = d.objid"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s::regnamespace"
            " AND d.classid = 'pg_proc'::regclass AND d.deptype = 'n' AND p.proname = ANY(%s)"
            " ORDER BY 1",
            (schema, list(names)),
        )
    ]


# A new schema's functions are created under names of their own and renamed at the end
# (issue 27). Every statement that names a function (COMMENT ON FUNCTION, REVOKE, GRANT,
# ALTER FUNCTION ... OWNER, a view or a trigger calling it) looks the name up among all
# the functions of that name in every schema, and the list is read again after any
# function changed anywhere: with the same names in every tenant that is one read of
# all the tenants' functions per statement (30 ms a COMMENT at 3,000 tenants,
# benchmarks/TENANT_GROWTH.md). Under a name no other schema has, each look-up reads
# one function. Views and triggers keep the function they were bound to (by OID), and
# function bodies name functions only when they run, after the rename.
_interim = contextvars.ContextVar("interim_names", default=None)
_SKIPPED = re.compile(r"\$(\w*)\$.*?\$\1\$|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*", re.S)


def interim_names(schema, catalogue=None):
    """{function name: the name it has while `schema` is being created}, for the functions
    a statement of the creation names (see _named_functions)."""
    digest = hashlib.sha1(schema.encode()).hexdigest()[:12]
    return {
        name: f"{name[:40]}_{digest}" for name in _named_functions(tuple(catalogue or CATALOGUE))
    }


_DECLARED = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s*$", re.I)


@functools.lru_cache(maxsize=8)
def _named_functions(catalogue):
    """The functions that some statement of a creation names besides their own CREATE
    FUNCTION (a COMMENT ON FUNCTION, a trigger, a view or a SQL-standard body calling it),
    and the readers' functions that are not private (granted to the reader roles by name
    afterwards). Only these need an interim name, and each rename rewrites the function's
    pg_proc row: a dead version for autovacuum (issue 27, docs/scale-out.md: 37 renames a
    creation instead of 65), so the rest keep their own."""
    functions = {name for entry in catalogue for kind, name in entry.objects if kind == "FUNCTION"}
    named = {
        name
        for entry in catalogue
        if entry.readers and not entry.private
        for kind, name in entry.objects
        if kind == "FUNCTION"
    }
    before = ""
    for part in _call_sites("\n".join(entry.source for entry in catalogue), frozenset(functions)):
        if isinstance(part, str):
            before = part
        elif not _DECLARED.search(before):
            named.add(part[0])
    return sorted(named)


def _renamed(text, names):
    """`text` with every function of `names` that is declared or called (the name followed
    by "(") under its interim name, outside dollar-quoted bodies, strings, quoted
    identifiers and comments."""
    parts, slots = _slots(text, frozenset(names))
    parts = list(parts)
    for at, name in slots:
        parts[at] = names[name]
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _slots(text, names):
    """_call_sites(text, names) as (its parts with each name's place empty, ((place, name),
    ...)): a new schema fills in its interim names and joins (each creation joins about
    2,000 parts)."""
    parts = _call_sites(text, names)
    slots = tuple((at, part[0]) for at, part in enumerate(parts) if not isinstance(part, str))
    return tuple("" if isinstance(part, tuple) else part for part in parts), slots


@functools.lru_cache(maxsize=256)
def _call_sites(text, names):
    """`text` split into its plain parts and (name,) where a function of `names` is
    declared or called: found once per text, then each new schema only joins the parts
    with its own interim names (10,000 creations scanned the same text 10,000 times)."""
    call = re.compile(
        r"(?<![.\w])("
        + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
        + r")(?=\s*\()"
    )
    parts, at = [], 0

    def scan(chunk):
        start = 0
        for m in call.finditer(chunk):
            parts.extend([chunk[start : m.start()], (m.group(1),)])
            start = m.end()
        parts.append(chunk[start:])

    for kept in _SKIPPED.finditer(text):
        scan(text[at : kept.start()])
        parts.append(kept.group(0))
        at = kept.end()
    scan(text[at:])
    return tuple(parts)


@contextlib.contextmanager
def creating(raw, schema):
    """Create a new schema's objects under interim function names, renamed on leaving."""
    names = interim_names(schema)
    token = _interim.set(names)
    try:
        yield
        signatures = _functions(raw, schema, list(names))
        back = {interim: name for name, interim in names.items()}
        raw.execute(
            ";\n".join(
                f"ALTER FUNCTION {signature} RENAME TO {back[_proname(signature)]}"
                for signature in signatures
            )
        )
    finally:
        _interim.reset(token)


def _proname(signature):
    """The function name in a signature SIGNATURE wrote (schema.name(args), unquoted
    names: the catalogue's names and the interim ones are plain identifiers)."""
    return signature.split("(", 1)[0].rsplit(".", 1)[1]


def _drop(raw, schema, entry):
    for kind, name in reversed(entry.objects):
        if kind == "VIEW":
            raw.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(schema, name)))
        else:
            # CASCADE: a trigger function's triggers go with it and come back with its file.
            for signature in _functions(raw, schema, [name]):
                raw.execute("DROP FUNCTION " + signature + " CASCADE")


def _create(raw, schema, entries, state, owner=None):
    """Create the entries' objects in order: their files in one round trip, then the
    checksums (and, with no owner, the EXECUTE revokes) in one more (a new tenant creates
    them all).

    owner: for a tenant schema, definers.owner_makes_private_objects: the private
    entries' objects are then made by the schema's owner role, so each function is born
    with its owner and its grants, where REVOKE and ALTER ... OWNER afterwards rewrote its
    pg_proc row once each (issue 27: dead catalog rows that autovacuum must clean,
    docs/scale-out.md)."""
    interim = _interim.get()
    with owner(raw, schema) if owner else contextlib.nullcontext() as role:
        # File by file: each file's call sites are found once (_call_sites), and the SET
        # ROLE around a private one names the tenant's role.
        raw.execute(
            "\n".join(
                _as(role, entry, _renamed(entry.source, interim) if interim else entry.source)
                for entry in entries
            )
        )
    private = [
        name
        for e in entries
        if e.private and not owner
        for kind, name in e.objects
        if kind == "FUNCTION"
    ]
    statements = [
        sql.SQL("REVOKE EXECUTE ON FUNCTION " + signature + " FROM PUBLIC")
        for signature in _functions(raw, schema, private)
    ]
    statements.append(_record(entries, state))
    raw.execute(sql.SQL(";\n").join(statements))


def _as(role, entry, text):
    """The entry's file `text`, run as `role` if the entry is private and a role is given."""
    if not (role and entry.private):
        return text
    name = sql.Identifier(role).as_string(None)
    return f"SET LOCAL ROLE {name};\n{text}\nRESET ROLE;"


def reader_views(catalogue=None):
    """The views a reader role may read: those of the readers' entries."""
    return [name for e in catalogue or CATALOGUE if e.readers for kind, name in e.objects
            if kind == "VIEW"]  # fmt: skip


def reader_grants(raw, schema, catalogue=None):
    """[(privilege, object)] a reader role gets in this schema, as SQL to compose."""
    entries = [e for e in catalogue or CATALOGUE if e.readers]
    views = reader_views(catalogue)
    functions = [name for e in entries for kind, name in e.objects if kind == "FUNCTION"]
    return [("SELECT ON", sql.Identifier(schema, name)) for name in views] + [
        ("EXECUTE ON FUNCTION", sql.SQL(signature))
        for signature in _functions(raw, schema, functions)
    ]


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


# An existing schema's changed objects are replaced where they stand when they can be
# (issue 27): CREATE OR REPLACE keeps each object's OID, owner, grants and comment, so
# none of the statements that name a function (and read every tenant's function of that
# name: see interim_names) is needed, and a changed report function costs each tenant
# a few milliseconds at any tenant count. Whatever cannot be replaced so (a trigger, a
# view whose columns changed, a function whose arguments or result changed, a function
# new to its file) is dropped and created as before; a view new to its file is made in
# place and granted by name. Off: the old way only (measured
# side by side by benchmarks/many_tenants.py).
REPLACE_IN_PLACE = True
_CREATE_STATEMENT = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?(\w+)", re.I | re.M)
_COMMENTS = re.compile(r"--[^\n]*")
_CREATE_PLAIN = re.compile(r"^CREATE\s+(FUNCTION|VIEW)\b", re.I | re.M)
_FUNCTION_COMMENT = re.compile(
    r"^COMMENT\s+ON\s+FUNCTION\s+(\w+)\s*\([^)]*\)\s+IS\s+'((?:[^']|'')*)'\s*;[ \t]*\n?",
    re.I | re.M,
)


def _in_place(raw, schema, entries, kept=None):
    """Replace the entries' functions and views where they stand (in the caller's
    transaction) and create their views new to their file; return the new views' names,
    or None, with nothing changed, when that cannot all be done. kept: {file: checksums
    of its CREATE statements applied as they are} (see _statements): those are not run."""
    kept = kept or {}
    text = "\n".join(entry.source for entry in entries)
    if {kind.upper() for kind in _CREATE_STATEMENT.findall(text)} - {"FUNCTION", "VIEW"}:
        return None  # triggers, tables...: the drop-and-create path
    text = "\n".join(_to_run(entry, kept.get(entry.file)) for entry in entries)
    functions = sorted({n for e in entries for kind, n in e.objects if kind == "FUNCTION"})
    views = sorted({n for e in entries for kind, n in e.objects if kind == "VIEW"})
    found = _described(raw, schema, functions)
    have_views = {
        name
        for (name,) in raw.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace"
            " AND relname = ANY(%s) AND relkind = 'v'",
            (schema, views),
        )
    }
    comments = {}
    for _signature, name, comment, _definer in found:
        comments.setdefault(name, []).append(comment)
    if sorted(comments) != functions:
        return None  # a function new to its file: created, revoked and owned as new
    # A view new to its file is made by its CREATE OR REPLACE; apply_objects grants it to
    # the owner role and the readers by name (a view is found by schema and name).
    text = _CREATE_PLAIN.sub(r"CREATE OR REPLACE \1", _changed_comments(text, comments))
    raw.execute("SAVEPOINT catalogue_in_place")
    try:
        with unchecked_bodies(raw):
            if _COMMENTS.sub("", text).strip():  # else only comments changed
                raw.execute(text)
        after = _described(raw, schema, functions)
    except psycopg.errors.LockNotAvailable:
        raw.execute("ROLLBACK TO SAVEPOINT catalogue_in_place")
        raise  # not a reason to drop: try again (_without_waiting)
    except psycopg.Error:
        raw.execute("ROLLBACK TO SAVEPOINT catalogue_in_place")
        return None
    # New arguments made an overload beside the old function, or a function became a
    # definer (it needs its unprivileged owner): the drop-and-create path.
    if [(r[0], r[3]) for r in after] != [(r[0], r[3]) for r in found]:
        raw.execute("ROLLBACK TO SAVEPOINT catalogue_in_place")
        return None
    raw.execute("RELEASE SAVEPOINT catalogue_in_place")
    return [name for name in views if name not in have_views]


def _changed_comments(text, comments):
    """`text` without its COMMENT ON FUNCTION statements whose text the function has
    already (comments: {name: [its comments]}): each would look the name up."""

    def keep(match):
        kept = comments.get(match.group(1), [])
        same = len(kept) == 1 and kept[0] == match.group(2).replace("''", "'")
        return "" if same else match.group(0)

    return _FUNCTION_COMMENT.sub(keep, text)


@contextlib.contextmanager
def unchecked_bodies(raw):
    """Function bodies unchecked inside (in the caller's transaction), as pg_restore does:
    the check looks up every function a body names, and each look-up reads all the
    tenants' functions of that name once a function has changed anywhere (see
    interim_names). The same files are checked by the tests (a schema built revision by
    revision applies them checked)."""
    (checking,) = raw.execute(
        "SELECT current_setting('check_function_bodies'),"
        " set_config('check_function_bodies', 'off', true)"
    ).fetchone()[:1]
    yield
    raw.execute("SELECT set_config('check_function_bodies', %s, true)", (checking,))


def _described(raw, schema, names):
    """[(signature, name, comment, definer)] of the schema's functions with these names,
    through pg_depend's index on the schema, as _functions (no name look-up)."""
    return raw.execute(
        f"SELECT {SIGNATURE}, p.proname, obj_description(p.oid, 'pg_proc'), p.prosecdef"
        " FROM pg_depend d"
        " JOIN pg_proc p ON p.oid = d.objid JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s::regnamespace"
        " AND d.classid = 'pg_proc'::regclass AND d.deptype = 'n' AND p.proname = ANY(%s)"
        " ORDER BY 1",
        (schema, list(names)),
    ).fetchall()


def _record(entries, state):
    """The statement recording the entries' checksums as applied, and their statements'
    (statements_row)."""
    rows = [(e.file, e.checksum) for e in entries]
    rows += filter(None, map(statements_row, entries))
    return upsert_rows(rows, state)


def upsert_rows(rows, state):
    """The statement writing these (object, checksum) rows into the state table `state`."""
    return _upsert_rows(tuple(rows), state)


@functools.lru_cache(maxsize=64)
def _upsert_rows(rows, state):
    # Composed once for the same rows: every new tenant records the same checksums.
    return sql.SQL(
        "INSERT INTO {} (object, checksum) VALUES {} ON CONFLICT (object)"
        " DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()"
    ).format(
        sql.SQL(state),
        sql.SQL(", ").join(
            sql.SQL("({}, {})").format(sql.Literal(obj), sql.Literal(checksum))
            for obj, checksum in rows
        ),
    )


@dataclass(frozen=True)
class Applied:
    """What apply() did: the entries applied, whether the rollups must be rebuilt, and
    whether objects were created anew (they then need their owner and grants)."""

    entries: list
    rebuild: bool
    created: bool
    new_views: tuple = ()  # made in place, new to their file: to grant

    def __iter__(self):  # applied, rebuild = apply(...)
        return iter((self.entries, self.rebuild))


def apply(raw, schema, catalogue=None, new=False, state=TENANT_STATE, owner=None):
    """Re-create the entries whose file changed since the schema last saw them.

    raw: a psycopg connection inside the caller's transaction, already entered into
    the schema with pg_temp last (migrate does that). Returns Applied. new=True: the
    schema's tables were just created, so there is nothing to drop and no row to count
    again. An existing schema's objects are replaced in place when they can be
    (REPLACE_IN_PLACE), without ever waiting on a reader (_without_waiting). owner: who
    makes the private entries' objects when any are created (see _create).
    """
    catalogue = catalogue or CATALOGUE
    have = dict(raw.execute(f"SELECT object, checksum FROM {state}").fetchall())
    changed = [e for e in catalogue if have.get(e.file) != e.checksum]
    _record_statements(raw, have, catalogue, state)
    if not changed:
        return Applied([], False, False)
    todo = _dependents(catalogue, changed)
    if new:
        _create(raw, schema, todo, state, owner)
        return Applied(todo, False, True)
    kept = {e.file: _kept(have, e) for e in changed}
    rebuild = any(e.rollups for e in todo)
    if rebuild:  # first, before any lock a fold would wait for (see _without_waiting)
        raw.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s || ':fold_rollups', 0))", (schema,)
        )

    def replace():
        # In place, the objects that depend on a changed one keep it (same OID): only the
        # changed files are applied. Dropped, their dependents go and come back with it.
        new_views = _in_place(raw, schema, changed, kept) if REPLACE_IN_PLACE else None
        if new_views is not None:
            raw.execute(_record(changed, state))
            # Rebuilt only if a rollup file's definitions changed (not just its comments).
            redefined = any(e.rollups and _runs_a_create(e, kept[e.file]) for e in changed)
            return Applied(changed, rebuild and redefined, False, tuple(new_views))
        for entry in reversed(todo):
            _drop(raw, schema, entry)
        _create(raw, schema, todo, state, owner)
        return Applied(todo, rebuild, True)

    return _without_waiting(raw, replace)


def _record_statements(raw, have, catalogue, state):
    """Record the statements of the files applied as they are whose statements are not on
    record (a schema made before they were kept), so that a file's next release runs only
    what it changes."""
    unrecorded = [
        row
        for e in catalogue
        if have.get(e.file) == e.checksum
        and (row := statements_row(e))
        and have.get(row[0]) != row[1]
    ]
    if unrecorded:
        raw.execute(upsert_rows(unrecorded, state))


# Replacing a view takes it exclusively, and a report reads several views: a reader that
# holds one and waits for another while the upgrade holds that one and waits for the
# first is a deadlock, and PostgreSQL ends one of them (a reader's request fails; seen
# in benchmarks/rollup_change.py). So the upgrade never waits long for a lock: past
# LOCK_WAIT it steps back (its savepoint releases what it took), lets the readers
# finish, and tries again; readers only ever wait for it, never the other way round.
LOCK_WAIT = "100ms"
LOCK_TRIES = 100


def _without_waiting(raw, work):
    (before,) = raw.execute(
        "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
        (LOCK_WAIT,),
    ).fetchone()[:1]
    for attempt in range(LOCK_TRIES):
        raw.execute("SAVEPOINT catalogue_apply")
        try:
            result = work()
        except psycopg.errors.LockNotAvailable:
            raw.execute("ROLLBACK TO SAVEPOINT catalogue_apply")
            if attempt == LOCK_TRIES - 1:
                raise
            time.sleep(min(0.5, 0.01 * 2**attempt))
            continue
        raw.execute("RELEASE SAVEPOINT catalogue_apply")
        raw.execute("SELECT set_config('lock_timeout', %s, true)", (before,))
        return result


def apply_public(raw):
    """Re-create the shared schema's functions whose file changed; return those applied.

    raw: a psycopg connection inside the caller's transaction (after the public revisions).
    """
    raw.execute("SELECT set_config('search_path', 'public, pg_temp', true)")
    applied, _ = apply(raw, "public", PUBLIC_CATALOGUE, state=PUBLIC_STATE)
    return applied


def drop_all(raw, schema, catalogue=None):
    """Remove every catalogue object (before a downgrade drops the tables under them)."""
    for entry in reversed(catalogue or CATALOGUE):
        _drop(raw, schema, entry)
    raw.execute("DELETE FROM analytics_objects_state")
