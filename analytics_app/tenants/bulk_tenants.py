"""Creating many tenants at once: `flask tenants create-many FILE --jobs N`.

FILE is CSV with a header: `schema,name,plan` and optionally `timezone` (default UTC),
`domains` (space-separated; default `<schema>.<TENANT_BASE_DOMAIN>`), `currency`
(default USD) and `locale` (default en_US). Each tenant
is created as `flask tenants create` creates one, in its own transaction; N worker
processes share the rows in chunks, each chunk on a fresh server connection (see
migrate.RECYCLE_EVERY). A row that fails (a taken schema or domain, an unknown plan or
zone) is reported and the others go on; a rerun creates only what is still missing,
since an existing schema is reported as skipped, not as a failure.
"""

import csv
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from analytics_app.db import migrate
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin

COLUMNS = ("schema", "name", "plan", "timezone", "domains", "currency", "locale")
REQUIRED = ("schema", "name", "plan")


@dataclass(frozen=True)
class Row:
    line: int
    schema: str
    name: str
    plan: str
    timezone: str
    domains: tuple
    currency: str = "USD"
    locale: str = "en_US"


class BulkError(ValueError):
    pass


def read_rows(stream):
    """The CSV's rows; a missing column or value is an error naming the line."""
    reader = csv.DictReader(stream)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BulkError(f"The header lacks: {', '.join(missing)} (columns: {', '.join(COLUMNS)}).")
    rows, seen = [], set()
    for record in reader:
        values = {k: (record.get(k) or "").strip() for k in COLUMNS}
        empty = [c for c in REQUIRED if not values[c]]
        if empty:
            raise BulkError(f"Line {reader.line_num}: no {', '.join(empty)}.")
        if values["schema"] in seen:
            raise BulkError(f"Line {reader.line_num}: schema {values['schema']!r} given twice.")
        seen.add(values["schema"])
        rows.append(
            Row(
                reader.line_num,
                values["schema"],
                values["name"],
                values["plan"],
                values["timezone"] or "UTC",
                tuple(values["domains"].split()),
                values["currency"] or "USD",
                values["locale"] or "en_US",
            )
        )
    return rows


@dataclass(frozen=True)
class Outcome:
    schema: str
    status: str  # created | skipped | failed
    detail: str = ""


def _create_one(row, base_domain):
    try:
        tenant_admin.create_tenant(
            row.schema,
            row.name,
            row.plan,
            row.domains,
            row.timezone,
            base_domain,
            currency=row.currency,
            locale=row.locale,
        )
        db.session.commit()
        return Outcome(row.schema, "created")
    except tenant_admin.AdminError as err:
        db.session.rollback()
        if str(err).startswith(f"A tenant with schema {row.schema!r} exists"):
            return Outcome(row.schema, "skipped", "exists already")
        return Outcome(row.schema, "failed", str(err))
    except Exception as err:  # this tenant rolled back; the others go on
        db.session.rollback()
        return Outcome(row.schema, "failed", migrate.summary(err))


_app = None  # the parent's app, inherited by the forked workers


def _create_chunk(rows, base_domain):
    with _app.app_context():
        try:
            return [_create_one(row, base_domain) for row in rows]
        finally:
            db.session.remove()
            db.engine.dispose()


def create_tenants(app, rows, jobs=1, echo=print):
    """Create the rows' tenants; return the outcomes in the order they finished."""
    global _app
    base_domain = app.config["TENANT_BASE_DOMAIN"]
    outcomes = []

    def report(outcome):
        outcomes.append(outcome)
        detail = f" ({outcome.detail})" if outcome.detail else ""
        echo(f"[{len(outcomes)}/{len(rows)}:{outcome.schema}] {outcome.status}{detail}")

    chunks = [
        rows[i : i + migrate.RECYCLE_EVERY] for i in range(0, len(rows), migrate.RECYCLE_EVERY)
    ]
    with app.app_context():
        # Read once here, inherited by the workers: the zone list and the tenant script.
        tenant_admin.validate_timezone("UTC")
        migrate.head_script()
        if jobs <= 1:
            for chunk in chunks:
                for row in chunk:
                    report(_create_one(row, base_domain))
                db.session.remove()
                db.engine.dispose()
            return outcomes
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()  # no pooled connection is inherited by the workers
    _app = app
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(_create_chunk, chunk, base_domain) for chunk in chunks]
        for future in as_completed(futures):
            for outcome in future.result():
                report(outcome)
    return outcomes
