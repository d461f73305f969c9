"""The fold worker: moves each tenant's change log into its rollups (sql/fold_rollups.sql).

Reports are exact whether or not the fold has run (they add what is not folded yet);
folding keeps those reads short. `flask analytics fold` folds every tenant with
changes waiting once; `--watch` keeps doing it: it sweeps every tenant when it starts,
then is woken by NOTIFY analytics_changes (sent by the first change after a fold, and by
bulk statements), looks again at each tenant it folded (a change committed while a fold
ran sends no notification), and, as a floor, sweeps the next SWEEP_BATCH tenants every
`interval` seconds, round robin: the same work per round at 10 or 10,000 tenants.

A fold is one REPEATABLE READ transaction, taken under a session advisory lock per
tenant (so two workers, or a worker and `flask analytics verify --repair`, never fold
one tenant at once, and the fold's snapshot is taken after the lock). Killed at any
point, it rolls back: the changes stay in the log for the next one. The worker needs
a direct connection (not through PgBouncer's transaction pooling: it holds a session
lock and LISTENs).
"""

import logging
import select
import time

import psycopg
from psycopg import errors, sql

from analytics_app.db import rollups
from analytics_app.db.tenant_session import enter_schema

log = logging.getLogger(__name__)
CHANNEL = "analytics_changes"
LOCK_KEY = "SELECT hashtextextended(%s || ':fold_rollups', 0)"
# Tenants swept in each round of the worker's floor (round robin).
SWEEP_BATCH = 500
# Tenants asked about in one statement (its own transaction: the connection is in
# autocommit) when looking for changes waiting: three locks a tenant until it ends, of a
# lock table that holds about 7,000 for the whole server (max_locks_per_transaction 64 x
# the connections). A statement about 100 tenants is no slower per tenant than one about
# 500 (23 against 22 ms for 500 at 3,000 tenants) and holds 300 locks, not 1,500.
QUERY_BATCH = 100
# A fold of this many changes (a bulk load) vacuums the log right after it.
VACUUM_AFTER = 10_000


def connect(url):
    return psycopg.connect(url, autocommit=True, application_name="analytics fold")


def tenant_schemas(conn):
    return [row[0] for row in conn.execute("SELECT schema_name FROM public.tenants ORDER BY id")]


def waiting(conn, schemas):
    """The schemas (of these) whose change log holds rows, in one round trip per batch."""
    found = []
    for i in range(0, len(schemas), QUERY_BATCH):
        batch = schemas[i : i + QUERY_BATCH]
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL(
                "SELECT {name} WHERE EXISTS (SELECT FROM {a}) OR EXISTS (SELECT FROM {p})"
                " OR EXISTS (SELECT FROM {c})"
            ).format(
                name=sql.Literal(schema),
                a=sql.Identifier(schema, "appointment_changes"),
                p=sql.Identifier(schema, "payment_changes"),
                c=sql.Identifier(schema, "customer_changes"),
            )
            for schema in batch
        )
        found += [row[0] for row in conn.execute(query)]
    return found


def fold_tenant(conn, schema, attempts=3):
    """Fold one tenant's log; the number of changes folded (None: another worker has it)."""
    (key,) = conn.execute(LOCK_KEY, (schema,)).fetchone()
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
        return None
    try:
        for attempt in range(attempts):
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    enter_schema(conn, schema)
                    folded = conn.execute("SELECT fold_rollups()").fetchone()[0]
                if folded and folded >= VACUUM_AFTER:
                    _vacuum_log(conn, schema)
                return folded
            except errors.SerializationFailure:
                # A TRUNCATE or rebuild committed while the snapshot was taken: again.
                if attempt == attempts - 1:
                    raise
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def _vacuum_log(conn, schema):
    """Give a bulk load's log back its space at once: every read scans the log, and an
    empty log of 7,216 pages cost each rollup view 2.5 ms (customers_report(30) at 1M
    read 21.8 ms instead of 3.6). VACUUM truncates the empty tail; writers do not wait."""
    conn.execute(
        sql.SQL("VACUUM {}").format(
            sql.SQL(", ").join(sql.Identifier(schema, log) for log in rollups.LOGS)
        )
    )


def fold_all(conn, schemas=None, echo=None):
    """Fold every tenant (of `schemas`) with changes waiting; {schema: folded}."""
    done = {}
    for schema in waiting(conn, schemas if schemas is not None else tenant_schemas(conn)):
        started = time.monotonic()
        try:
            done[schema] = fold_tenant(conn, schema)
        except psycopg.DatabaseError as err:  # one tenant's trouble stops no other's fold
            if conn.closed:
                raise
            log.warning("fold of %s failed: %s", schema, err)
            if echo:
                echo(f"{schema}: fold failed ({type(err).__name__}); its changes wait")
            done[schema] = None
            continue
        if echo and done[schema]:
            echo(f"{schema}: {done[schema]} changes folded in {time.monotonic() - started:.2f} s")
    return done


def watch(url, interval=5.0, min_gap=0.5, echo=None, stop=lambda: False):
    """Fold as changes arrive until stop() is true: every tenant with changes waiting at
    the start, notified tenants at once (at most every min_gap seconds), each tenant
    folded looked at again min_gap later, and the next SWEEP_BATCH tenants every
    interval seconds (round robin)."""
    with connect(url) as listener, connect(url) as conn:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        fold_all(conn, echo=echo)  # what waited while no worker listened
        sweep, swept, again = _round_robin(conn), time.monotonic(), set()
        while not stop():
            wait = max(0.0, swept + interval - time.monotonic())
            notified = _notified(listener, timeout=min(wait, min_gap) if again else wait)
            if notified:
                time.sleep(min_gap)  # let a burst of writers gather in one fold
                notified |= _notified(listener, timeout=0)
            if notified or again:
                done = fold_all(conn, _existing(conn, notified | again), echo=echo)
                again = {schema for schema, folded in done.items() if folded}
            if time.monotonic() - swept >= interval:
                swept = time.monotonic()
                fold_all(conn, next(sweep), echo=echo)


def _round_robin(conn):
    """Batches of SWEEP_BATCH tenant schemas, one per call, round and round (the list is
    read again at the start of each round)."""
    while True:
        schemas = tenant_schemas(conn)
        yield from (schemas[i : i + SWEEP_BATCH] for i in range(0, len(schemas), SWEEP_BATCH))
        if not schemas:
            yield []


def _existing(conn, schemas):
    """The schemas (of these) that are still tenants, in order."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT schema_name FROM public.tenants WHERE schema_name = ANY(%s) ORDER BY 1",
            (sorted(schemas),),
        )
    ]


def _notified(listener, timeout):
    """Schemas named by notifications arriving within timeout seconds."""
    names = set()
    pgconn = listener.pgconn
    ready, _, _ = select.select([pgconn.socket], [], [], min(timeout, 1.0))
    if ready:
        for notify in listener.notifies(timeout=0, stop_after=None):
            names.add(notify.payload)
    return names


# Tenants whose change log the statistics count rows in (n_live_tup), found through
# pg_class's index on the names: at 10,000 tenants a look-up, where asking every log
# opens 30,000 tables (docs/scale-out.md). The counts reach the statistics within
# seconds of a commit; with track_counts off there are none, and every tenant is asked.
CANDIDATES_SQL = (
    "SELECT t.schema_name FROM public.tenants t"
    " WHERE NOT current_setting('track_counts')::boolean OR EXISTS ("
    "  SELECT FROM pg_class c WHERE c.relnamespace = to_regnamespace(t.schema_name)"
    "  AND c.relname IN ('appointment_changes', 'payment_changes', 'customer_changes')"
    "  AND pg_stat_get_live_tuples(c.oid) > 0)"
    " ORDER BY t.id"
)


def backlog(conn):
    """(changes waiting, oldest change's time) over the tenants whose logs the statistics
    say hold rows (/readyz: a count at most seconds late, not a read of every log)."""
    total, oldest = 0, None
    candidates = [row[0] for row in conn.execute(CANDIDATES_SQL)]
    for schema in waiting(conn, candidates):
        changes, first = conn.execute(
            sql.SQL("SELECT * FROM {}.rollup_backlog()").format(sql.Identifier(schema))
        ).fetchone()
        total += changes
        if first is not None and (oldest is None or first < oldest):
            oldest = first
    return total, oldest
