"""Run the Alembic migrations: `public` once, then every tenant schema.

Two Alembic script folders live in migrations/: `public` (shared tables, version
table public.alembic_version) and `tenant` (tables of one tenant, version table
"<schema>".alembic_version). Tenant revisions name no schema; each tenant runs in
one transaction entered into its schema (tenant_session.enter_schema, with pg_temp
last), so a failed tenant leaves nothing behind and no pooled connection keeps a
path. After the versioned revisions, the report objects of analytics_app/sql/
whose files changed are re-created (catalogue.py), handed to the schema's owner
role (definers.py) and re-granted to the reader roles (readers.py).
"""

import contextlib
import functools
import io
import os
import re
import subprocess
import time
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from analytics_app.db import catalogue, definers, readers
from analytics_app.db.embedded import pg_binary
from analytics_app.db.schema_names import quote_schema
from analytics_app.db.tenant_session import enter_schema

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
# A server process that has run DDL in many schemas keeps a growing catalog cache,
# and each further schema costs it more (measured: 53 ms a tenant at first, 79 ms
# after 100 on one connection, flat with a fresh one): migrate on a fresh
# connection every RECYCLE_EVERY tenants.
RECYCLE_EVERY = 50


class MigrationError(RuntimeError):
    pass


class UnsafeDefinerFunctions(MigrationError):
    """SECURITY DEFINER functions that a caller's pg_temp objects could hijack."""

    def __init__(self, found):
        lines = "\n".join(f"  {f['function']}: {f['problem']}" for f in found)
        super().__init__(
            "Unsafe SECURITY DEFINER functions (pin their search path with pg_temp last and give"
            f" them a non-superuser owner):\n{lines}"
        )
        self.found = found


def _config(kind, connection, schema=None):
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS / kind))
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


@functools.cache
def head(kind):
    return ScriptDirectory.from_config(_config(kind, None)).get_current_head()


def revision_module(revision, kind="tenant"):
    """One revision's module: the SQL constants tests and benchmarks reuse from it."""
    return ScriptDirectory.from_config(_config(kind, None)).get_revision(revision).module


def current_revision(connection, schema):
    ctx = MigrationContext.configure(connection, opts={"version_table_schema": schema})
    return ctx.get_current_revision()


def upgrade_public(connection):
    """Bring the shared schema to the latest revision and its functions (catalogue.py) up
    to date; return True if anything ran."""
    before = current_revision(connection, "public")
    if before != head("public"):
        command.upgrade(_config("public", connection), "head")
    applied = catalogue.apply_public(connection.connection.driver_connection)
    return before != head("public") or bool(applied)


def apply_objects(connection, schema, entries=None, new=False):
    """Re-create the changed report objects of the (entered) schema; return those applied."""
    raw = connection.connection.driver_connection  # psycopg: runs whole files as written
    with catalogue.creating(raw, schema) if new else contextlib.nullcontext():
        done = catalogue.apply(raw, schema, entries, new=new, owner=_owner_makes_private_objects)
        if done.created:  # objects replaced in place keep their owner and grants
            definers.secure_definer_functions(raw, schema)
            readers.regrant_schema(raw, schema)
        elif done.new_views:  # made in place: granted as a new schema grants them
            definers.grant_relations(raw, schema, done.new_views)
            readers.regrant_schema(raw, schema, only=done.new_views)
    if done.rebuild:
        # A fixed trigger or a new rollup definition never leaves figures computed the
        # old way behind; other objects read the rollups as they are.
        raw.execute(rebuild_block())
    return done.entries


_REBUILD_BODY = re.compile(
    r"^CREATE FUNCTION rebuild_rollups\(\) RETURNS void\n.*?^AS \$fn\$\n(.*?)^\$fn\$;", re.S | re.M
)


def rebuild_block():
    """rebuild_rollups()'s body (sql/rebuild_rollups.sql) as an anonymous block, which an
    upgrade runs instead of calling the function it has just replaced.

    Calling a function by its name looks the name up among every function of that name in
    the database, one per tenant, and PostgreSQL builds that list again, each entry's
    body detoasted, after any function changed anywhere (docs/scale-out.md, "Why creation
    grew"): an upgrade has just changed some. rebuild_rollups' body is about 30 kB, so
    beside 10,000 tenants the call cost about 250 ms of look-up for 33 ms of work
    (docs/scale-out.md). The block names no tenant function (the rollup files read
    them through views), runs as the caller as the function does, under the transaction's
    search path (the tenant's, as the function's own)."""
    entry = next(e for e in catalogue.CATALOGUE if e.file == "rebuild_rollups")
    return _block(entry.source)


@functools.lru_cache(maxsize=4)
def _block(source):
    return "DO $fn$\n" + _REBUILD_BODY.search(source).group(1) + "$fn$"


def _owner_makes_private_objects(raw, schema):
    return definers.owner_makes_private_objects(raw, schema, readers.existing_roles(raw, schema))


BASELINE = MIGRATIONS / "tenant" / "baseline.sql"
_BASELINE_AT = re.compile(r"^-- revision: (\w+)$", re.M)


def _offline(start=None, end="head"):
    """The tenant revisions after `start` (from nothing: None) to `end` as one SQL script
    naming no schema, written by Alembic's offline mode from the revisions."""
    buffer = io.StringIO()
    cfg = Config(output_buffer=buffer)
    cfg.set_main_option("script_location", str(MIGRATIONS / "tenant"))
    cfg.attributes["connection"] = None
    cfg.attributes["schema"] = None
    command.upgrade(cfg, f"{start}:{end}" if start else end, sql=True)
    return buffer.getvalue()


@functools.cache
def head_script():
    """A new tenant schema's tables at the head revision, as one SQL script naming no schema.

    The baseline (migrations/tenant/baseline.sql: the tables as the revisions up to its
    revision leave them, each created once in its final form, written by
    `flask db squash`), then the revisions after it written out by Alembic's offline
    mode; without a baseline, every revision so. Once per process; a new schema runs it
    in one round trip. tests/db/test_migrations.py holds the result equal to a schema
    made revision by revision, so a baseline that disagrees with them fails there.
    """
    if not BASELINE.exists():
        return _offline()
    text = BASELINE.read_text()
    at = _BASELINE_AT.search(text).group(1)
    return text if at == head("tenant") else text + "\n" + _offline(at)


def head_script_for(raw):
    """head_script() as the server `raw` is connected to reads it."""
    return script_for_server(raw.info.server_version)


def script_for_server(version):
    """head_script() for a server of this version (server_version_num): PostgreSQL 15
    takes a column's STORAGE only from ALTER TABLE (see _storage_apart)."""
    return head_script() if version >= 160000 else _storage_apart(head_script())


# pg_dump's table (columns, CHECK constraints and options, closing parenthesis on a line
# of its own) and the statements it writes after the tables, each giving one table a
# column's identity, a constraint or a column's storage.
_TABLE = re.compile(r"CREATE TABLE (\w+) \(\n(.*?)\n\)([^;]*);", re.S)
_IDENTITY = re.compile(
    r"ALTER TABLE (?:ONLY )?(\w+) ALTER COLUMN (\w+) ADD (GENERATED \w+(?: \w+)? AS IDENTITY)"
    r" \((.*)\);",
    re.S,
)
_CONSTRAINT = re.compile(
    r"ALTER TABLE ONLY (\w+)\s+ADD (CONSTRAINT \w+ (?:PRIMARY KEY|UNIQUE|FOREIGN KEY) .*);", re.S
)
_STORAGE = re.compile(r"ALTER TABLE ONLY (\w+) ALTER COLUMN (\w+) SET STORAGE (\w+);")
_COMMENT = re.compile(r"COMMENT ON (?:TABLE|COLUMN) (\w+)[ .]")
_COLUMN_AFTER_TYPE = re.compile(r" (?:DEFAULT|CONSTRAINT|NOT NULL|NULL|GENERATED|COLLATE)\b")


def _one_statement_tables(dump):
    """pg_dump's tables, each made by one CREATE TABLE with its identity, keys, foreign
    keys and column storage in it, in an order where a referenced table comes first.

    pg_dump creates a table, then adds these to it one ALTER TABLE at a time: each
    foreign key so added runs a query over the (empty) tables to validate it, and a table
    created with a column whose storage PLAIN comes only later gets a TOAST table it never
    uses. Together about 6 ms of a creation (docs/scale-out.md). The result is the same
    schema: the test of migrations compares pg_dump of both.
    """
    statements = [s for s in re.split(r"(?<=;)\n", dump) if s.strip()]
    tables, comments, rest = {}, {}, []
    for statement in statements:
        if m := _TABLE.fullmatch(statement):
            tables[m.group(1)] = [m.group(2).split(",\n"), m.group(3)]
        elif m := _COMMENT.match(statement):
            comments.setdefault(m.group(1), []).append(statement)
        else:
            rest.append(statement)
    later = []
    for statement in rest:
        if (m := _IDENTITY.fullmatch(statement)) and m.group(1) in tables:
            options = " ".join(line.strip() for line in m.group(4).splitlines() if line.strip())
            _amend(tables[m.group(1)][0], m.group(2), end=f" {m.group(3)} ({options})")
        elif (m := _CONSTRAINT.fullmatch(statement)) and m.group(1) in tables:
            tables[m.group(1)][0].append("    " + " ".join(m.group(2).split()))
        elif (m := _STORAGE.fullmatch(statement)) and m.group(1) in tables:
            _amend(tables[m.group(1)][0], m.group(2), after_type=f" STORAGE {m.group(3)}")
        else:
            later.append(statement)
    out = []
    for name in _referenced_first(tables):
        elements, options = tables[name]
        out.append(f"CREATE TABLE {name} (\n" + ",\n".join(elements) + f"\n){options};")
        out += comments.pop(name, [])
    return "\n".join(out + [c for cs in comments.values() for c in cs] + later)


def _amend(elements, column, end="", after_type=""):
    """Give `column`'s definition among a table's elements more: after its type, or at its end."""
    for i, element in enumerate(elements):
        if element.startswith(f"    {column} "):
            head = len(f"    {column} ")
            m = _COLUMN_AFTER_TYPE.search(element, head)
            at = m.start() if m else len(element)
            elements[i] = element[:at] + after_type + element[at:] + end
            return
    raise MigrationError(f"pg_dump's table has no column {column}")


def _referenced_first(tables):
    """The tables' names, pg_dump's order kept where no foreign key asks otherwise."""
    done, order = set(), []

    def visit(name, path=()):
        if name in done:
            return
        if name in path:
            raise MigrationError(f"foreign keys in a cycle: {' -> '.join(path + (name,))}")
        for ref in re.findall(r"REFERENCES (\w+)\(", "\n".join(tables[name][0])):
            if ref in tables and ref != name:
                visit(ref, path + (name,))
        done.add(name)
        order.append(name)

    for name in tables:
        visit(name)
    return order


_PLAIN_COLUMN = re.compile(r"^    (\w+) [^\n]*? STORAGE PLAIN", re.M)


def _storage_apart(script):
    """The script with each column's STORAGE (PostgreSQL 16's CREATE TABLE syntax) given
    by ALTER TABLE after its table instead, as PostgreSQL 15 takes it (its tables then get
    TOAST tables they never use, as before)."""

    def table(m):
        columns = _PLAIN_COLUMN.findall(m.group(0))
        return m.group(0).replace(" STORAGE PLAIN", "") + "".join(
            f"\nALTER TABLE ONLY {m.group(1)} ALTER COLUMN {c} SET STORAGE PLAIN;" for c in columns
        )

    return _TABLE.sub(table, script)


# pg_dump's settings, its schema, its section comments and blank lines: not the tables'.
_DUMP_NOISE = re.compile(r"^(SET |SELECT pg_catalog\.set_config|CREATE SCHEMA |\\|--|$)")


def squash(url, path=BASELINE, revision="head"):
    """Write the baseline: the tables the revisions make, as pg_dump writes them.

    Runs every revision into a scratch schema of the database at `url` (libpq), dumps
    its tables (no owners, no privileges: the creation gives those), drops it, and
    writes the statements without the schema's name, then the version row. Returns the
    revision written (the head, or `revision`). Adding a revision needs no new baseline
    (the creation runs the revisions after it); squashing again makes new tenants skip
    their work.
    """
    schema = f"squashed_{os.getpid()}_{int(time.time())}"
    at = head("tenant") if revision == "head" else revision
    with psycopg.connect(url, autocommit=True) as raw:
        with raw.transaction():
            raw.execute(f"CREATE SCHEMA {schema}")
            raw.execute("SELECT set_config('search_path', %s, true)", (f"{schema}, pg_temp",))
            raw.execute(_offline(end=at))
        try:
            done = subprocess.run(
                [pg_binary("pg_dump"), "--dbname", url, "--schema", schema, "--schema-only"]
                + ["--no-owner", "--no-privileges"],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            raw.execute(f"DROP SCHEMA {schema} CASCADE")
    body = _one_statement_tables(
        "\n".join(
            line
            for line in done.stdout.replace(f"{schema}.", "").splitlines()
            if not _DUMP_NOISE.match(line)
        )
    )
    if schema in body:
        raise MigrationError(f"the dump names its scratch schema {schema} where it was not removed")
    path.write_text(
        "-- The tenant tables at the revision below, each created once in its final form:\n"
        "-- written by `flask db squash` (pg_dump of a schema the revisions made); do not edit.\n"
        "-- migrate.head_script() runs this, then the revisions after it, for a new tenant;\n"
        "-- tests/db/test_migrations.py holds the result equal to the revisions one by one.\n"
        f"-- revision: {at}\n\n"
        f"{body}\n\n"
        f"INSERT INTO alembic_version (version_num) VALUES ('{at}');\n"
    )
    return at


def upgrade_tenant(connection, schema, fresh_by_script=True):
    """Bring one tenant schema to the latest revision and report objects.

    The caller owns the transaction. Returns True if anything changed. A schema that
    does not exist yet is created at the head by head_script() (fresh_by_script=False:
    by the revisions one by one, as an existing schema is upgraded).
    """
    created = connection.execute(
        text("SELECT NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = :schema)"),
        {"schema": schema},
    ).scalar_one()
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_schema(schema)}"))
    enter_schema(connection, schema, pin_temp_last=True)
    if created and fresh_by_script:
        raw = connection.connection.driver_connection
        with (
            catalogue.unchecked_bodies(raw),  # else each creation grows with the tenants
            definers.owner_reads_what_is_made(raw, schema),
        ):
            raw.execute(head_script_for(raw))
            apply_objects(connection, schema, new=True)
        return True
    before = current_revision(connection, schema)
    if before != head("tenant"):
        command.upgrade(_config("tenant", connection, schema), "head")
    applied = apply_objects(connection, schema)
    return before != head("tenant") or bool(applied)


def downgrade_tenant(connection, schema, revision):
    """Take one tenant schema back to `revision` (the caller owns the transaction).

    The report objects stand on the tables a downgrade drops, so they go first;
    `flask db upgrade` brings everything back.
    """
    enter_schema(connection, schema, pin_temp_last=True)
    if current_revision(connection, schema) is None:
        raise MigrationError(f"Schema {schema!r} has no migrations to undo.")
    catalogue.drop_all(connection.connection.driver_connection, schema)
    command.downgrade(_config("tenant", connection, schema), revision)


def tenant_schemas(connection):
    rows = connection.execute(text("SELECT schema_name FROM public.tenants ORDER BY id"))
    return [row[0] for row in rows]


class NoSuchTenant(MigrationError):
    pass


class TenantsFailed(MigrationError):
    """Some tenants could not be migrated; the others were (each in its own transaction)."""

    def __init__(self, failed):
        lines = "\n".join(f"  {schema}: {error}" for schema, error in failed.items())
        super().__init__(
            f"{len(failed)} tenant(s) not migrated (each left as it was; the others are done;"
            f" fix these and run `flask db upgrade` again to resume):\n{lines}"
        )
        self.failed = failed


def summary(err):
    err = getattr(err, "orig", None) or err  # the driver's error inside SQLAlchemy's
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {first}"[:300]


def _upgrade_one(engine, schema):
    with engine.begin() as conn:
        return upgrade_tenant(conn, schema)


# The worker process's engine: one connection kept from tenant to tenant, renewed every
# RECYCLE_EVERY tenants and after a failure (see _upgrade_in_child).
_child = {"url": None, "engine": None, "used": 0}


def _upgrade_in_child(url, schema):
    """One tenant in a worker process (Alembic's `context` is process-global, so tenants
    run in processes, not threads); errors come back as text.

    The process keeps its server connection for RECYCLE_EVERY tenants, as the one-job
    path does: a new connection per tenant began each tenant with an empty catalog cache
    and paid for every look-up again (beside 10,000 tenants with --jobs 2, replacing
    sql/customer_visits.sql took 1,144 ms a tenant that way and 304 ms so:
    benchmarks/upgrade_against.py, docs/scale-out.md)."""
    from sqlalchemy import create_engine

    if _child["engine"] is None or _child["url"] != url:
        _child.update(url=url, engine=create_engine(url, pool_size=1), used=0)
    engine = _child["engine"]
    _child["used"] += 1
    try:
        return _upgrade_one(engine, schema), None
    except Exception as err:  # reported per tenant; the other tenants go on
        _child["used"] = RECYCLE_EVERY  # a new connection for the next one
        return False, summary(err)
    finally:
        if _child["used"] >= RECYCLE_EVERY:
            engine.dispose()
            _child["engine"] = None


def _upgrade_in_turn(engine, schemas, report, start=0):
    for i, schema in enumerate(schemas, start + 1):
        try:
            report(i, schema, _upgrade_one(engine, schema), None)
        except Exception as err:  # this tenant's transaction rolled back; go on
            report(i, schema, False, summary(err))
        if i % RECYCLE_EVERY == 0:
            engine.dispose()


def _upgrade_in_processes(engine, schemas, jobs, report, start=0):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # no pooled connection is inherited by the workers
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {pool.submit(_upgrade_in_child, url, s): s for s in schemas}
        for i, future in enumerate(as_completed(futures), start + 1):
            changed, error = future.result()
            report(i, futures[future], changed, error)


class Progress:
    """Every PROGRESS_EVERY_S seconds and at the end, how many of the tenants to migrate
    are done, at what rate and about how long the rest will take (an interrupted run
    resumes where each tenant stands: run `flask db upgrade` again)."""

    def __init__(self, total, echo, clock=time.monotonic):
        self.total, self.echo, self.clock = total, echo, clock
        self.done = 0
        self.started = self.last = clock()

    def step(self):
        self.done += 1
        now = self.clock()
        if now - self.last < PROGRESS_EVERY_S and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.started, 1e-9)
        left = (self.total - self.done) / rate
        self.echo(
            f"progress: {self.done:,}/{self.total:,} tenants migrated or checked,"
            f" {rate:.1f}/s, about {_duration(left)} left"
        )


PROGRESS_EVERY_S = 5


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


# Schemas checked per statement by up_to_date(): one arm each in a UNION ALL. Each
# statement is a transaction holding a few locks a schema until it ends (of about 7,000
# for the whole server, docs/scale-out.md); 100 is no slower than 500 (0.41-0.45 s
# against 0.54-0.97 s for 3,000 tenants).
CHECK_CHUNK = 100


def up_to_date(engine, schemas):
    """The schemas at the head revision with every catalogue object at its checksum (and
    its statements' on record: catalogue.statements_row), found with one statement per
    CHECK_CHUNK schemas: `flask db upgrade` with nothing to do then opens no
    transaction, connection or process per tenant (issue 27: 6,551 tenants took 154 s
    that way). A chunk that cannot be read (a schema without its
    tables) is left to the tenant-by-tenant path, which reports what is wrong."""
    want = [(e.file, e.checksum) for e in catalogue.CATALOGUE]
    want += filter(None, map(catalogue.statements_row, catalogue.CATALOGUE))
    values = ", ".join(["(%s, %s)"] * len(want))
    current = set()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for at in range(0, len(schemas), CHECK_CHUNK):
            chunk = schemas[at : at + CHECK_CHUNK]
            arms = [
                f"SELECT %s::text WHERE (SELECT version_num FROM {q}.alembic_version) = %s"
                f" AND (SELECT count(*) FROM {q}.analytics_objects_state o"
                f" JOIN want w ON w.object = o.object AND w.checksum = o.checksum) = %s"
                for q in map(quote_schema, chunk)
            ]
            params = [x for pair in want for x in pair]
            for schema in chunk:
                params += [schema, head("tenant"), len(want)]
            try:
                rows = raw.execute(
                    f"WITH want (object, checksum) AS (VALUES {values}) "
                    + " UNION ALL ".join(arms),
                    params,
                ).fetchall()
            except psycopg.Error:  # each of these is then upgraded (and reported) on its own
                raw.rollback()
                continue
            raw.rollback()
            current.update(row[0] for row in rows)
    return current


def upgrade_all(engine, echo=print, jobs=1, only=None):
    """`flask db upgrade`: public first, then each tenant, with [i/n:schema] progress.

    jobs > 1: that many tenants at once, each in its own process and transaction.
    only: these tenant schemas (default: all). A tenant that fails is reported and left as
    it was; the others go on, and TenantsFailed lists the failures at the end. A rerun
    resumes: each tenant is at its own revision.
    """
    with engine.begin() as conn:
        changed = upgrade_public(conn)
        echo(f"public: {'migrated' if changed else 'up to date'}")
        schemas = tenant_schemas(conn)
    if only:
        unknown = sorted(set(only) - set(schemas))
        if unknown:
            raise NoSuchTenant(f"No tenant with schema {', '.join(map(repr, unknown))}.")
        schemas = [s for s in schemas if s in set(only)]
    current = up_to_date(engine, schemas)
    failed = {}

    progress = Progress(len(schemas) - len(current), echo)

    def report(i, schema, changed, error):
        if error:
            failed[schema] = error
            echo(f"[{i}/{len(schemas)}:{schema}] FAILED {error}")
        else:
            echo(f"[{i}/{len(schemas)}:{schema}] {'migrated' if changed else 'up to date'}")
        if i > len(current):
            progress.step()

    for i, schema in enumerate((s for s in schemas if s in current), 1):
        report(i, schema, False, None)
    behind = [s for s in schemas if s not in current]
    if jobs <= 1:
        _upgrade_in_turn(engine, behind, report, start=len(current))
    else:
        _upgrade_in_processes(engine, behind, jobs, report, start=len(current))
    with engine.connect() as conn:
        unsafe = definers.unsafe_definer_functions(conn.connection.driver_connection)
    if unsafe:
        raise UnsafeDefinerFunctions(unsafe)
    if failed:
        raise TenantsFailed(failed)
