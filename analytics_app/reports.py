"""The reports' arguments and the one SQL call behind each report.

A report is: validate the query string -> call the tenant's SQL function in a
READ ONLY transaction with a statement_timeout -> return its JSON. The SQL
functions (analytics_app/sql/*_report.sql) build the whole body, so the API,
the dashboard page and a DBA calling the same function get the same numbers.
Response schemas (documentation and checks) are in api/schemas.py.
"""

from flask import current_app, g
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import text

from .db import replica
from .db.tenant_session import enter_schema
from .extensions import db
from .gating import tenant_has_feature
from .integers import MAX_IDS, IdList, StrictInteger
from .periods import PeriodArgsSchema, as_params
from .tenancy import current_tenant

STATUSES = ("confirmed", "cancelled", "no_show")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _id(what):
    return IdList(
        metadata={
            "description": f"Only this {what}, or these: a comma-separated list of up to"
            f" {MAX_IDS} ids (`1,3`); an id that matches nothing adds nothing.",
            "type": "string",
            "pattern": r"^[0-9]+(,[0-9]+)*$",
        },
    )


class QueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the SPEC: unknown parameters are ignored

    format = fields.String(
        validate=validate.OneOf(["json", "csv", "xlsx"], error="Must be json, csv or xlsx."),
        metadata={
            "description": "csv: the daily breakdown (the dashboard: its one row) as CSV;"
            " xlsx: the same rows as an Excel worksheet with typed cells."
        },
    )


class AppointmentsArgsSchema(QueryArgsSchema, PeriodArgsSchema):
    status = fields.String(
        validate=validate.OneOf(STATUSES, error="Must be one of: confirmed, cancelled, no_show."),
        metadata={"description": "Only appointments with this status."},
    )
    service_id = _id("service")
    resource_id = _id("resource")


class RevenueArgsSchema(QueryArgsSchema, PeriodArgsSchema):
    service_id = _id("service")


class CustomersArgsSchema(QueryArgsSchema, PeriodArgsSchema):
    pass


class TeamArgsSchema(QueryArgsSchema, PeriodArgsSchema):
    pass


class HeatmapArgsSchema(AppointmentsArgsSchema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv", "xlsx"], error="Must be json, csv or xlsx."),
        metadata={"description": "csv or xlsx: one row per weekday and hour."},
    )


class DashboardArgsSchema(QueryArgsSchema):
    pass


class SeasonalityArgsSchema(QueryArgsSchema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv", "xlsx"], error="Must be json, csv or xlsx."),
        metadata={"description": "csv or xlsx: one row per month."},
    )
    years = StrictInteger(
        load_default=2,
        validate=validate.Range(min=1, max=10, error="Must be between 1 and 10."),
        metadata={
            "description": "Calendar years shown: from January of the year years - 1 before"
            " this one through the current month (default 2)."
        },
    )
    service_id = _id("service")
    resource_id = _id("resource")


def run_report(sql, params, raw=False):
    """Run one report function read-only, under the statement timeout; return its JSON.

    raw=True: the JSON text as PostgreSQL wrote it, for the API to send as it is (no
    parse into Python objects and no serialising again). An API request's first
    statement has applied the settings already (api_request.py). With a replica
    (DATABASE_REPLICA_URL) the report runs there, unless it is unusable (db/replica.py).
    """
    if raw:
        sql = f"SELECT CAST(({sql.removeprefix('SELECT ')}) AS text)"
    timeout_ms = current_app.config["STATEMENT_TIMEOUT_MS"]
    if replica.usable():
        try:
            return replica.run_report(current_tenant.schema_name, sql, params, timeout_ms)
        except replica.Unavailable:
            pass  # the primary answers (db/replica.py)
    if not g.pop("report_transaction_ready", False):
        enter_schema(
            db.session,
            current_tenant.schema_name,
            read_only=True,
            timeout_ms=timeout_ms,
        )
    return db.session.execute(text(sql), params).scalar_one()


def dashboard(_args, raw=False):
    return run_report("SELECT dashboard_report()", {}, raw)


def appointments(args, raw=False):
    return run_report(
        "SELECT appointments_report(:days, :status, CAST(:service_id AS bigint[]),"
        " CAST(:resource_id AS bigint[]), now(), :start, :end)",
        {
            **as_params(args),
            "status": args.get("status"),
            "service_id": args.get("service_id"),
            "resource_id": args.get("resource_id"),
        },
        raw,
    )


def revenue(args, raw=False):
    return run_report(
        "SELECT revenue_report(:days, CAST(:service_id AS bigint[]), now(), :start, :end)",
        {**as_params(args), "service_id": args.get("service_id")},
        raw,
    )


def customers(args, with_revenue=None, raw=False):
    """with_revenue: whether the tenant has can_accept_payments (looked up when None)."""
    if with_revenue is None:
        with_revenue = tenant_has_feature("can_accept_payments")
    return run_report(
        "SELECT customers_report(:days, now(), :start, :end, :revenue)",
        {**as_params(args), "revenue": with_revenue},
        raw,
    )


def team(args, with_revenue=None, raw=False):
    """with_revenue: whether the tenant has can_accept_payments (looked up when None)."""
    if with_revenue is None:
        with_revenue = tenant_has_feature("can_accept_payments")
    return run_report(
        "SELECT team_report(:days, now(), :start, :end, :revenue)",
        {**as_params(args), "revenue": with_revenue},
        raw,
    )


def heatmap(args, raw=False):
    return run_report(
        "SELECT heatmap_report(:days, :status, CAST(:service_id AS bigint[]),"
        " CAST(:resource_id AS bigint[]), now(), :start, :end)",
        {
            **as_params(args),
            "status": args.get("status"),
            "service_id": args.get("service_id"),
            "resource_id": args.get("resource_id"),
        },
        raw,
    )


def seasonality(args, with_revenue=None, raw=False):
    """with_revenue: whether the tenant has can_accept_payments (looked up when None)."""
    if with_revenue is None:
        with_revenue = tenant_has_feature("can_accept_payments")
    return run_report(
        "SELECT seasonality_report(:years, CAST(:service_id AS bigint[]),"
        " CAST(:resource_id AS bigint[]), now(), :revenue)",
        {
            "years": args.get("years", 2),
            "service_id": args.get("service_id"),
            "resource_id": args.get("resource_id"),
            "revenue": with_revenue,
        },
        raw,
    )
