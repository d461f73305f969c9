"""The reports' arguments and the one SQL call behind each report.

A report is: validate the query string -> call the tenant's SQL function in a
READ ONLY transaction with a statement_timeout -> return its JSON. The SQL
functions (analytics_app/sql/*_report.sql) build the whole body, so the API,
the dashboard page and a DBA calling the same function get the same numbers.
Response schemas (documentation and checks) are in api/schemas.py.
"""

from dataclasses import dataclass

from flask import current_app
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import text

from analytics_app.db import replica
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.gating import tenant_has_feature
from analytics_app.reports.periods import PeriodArgsSchema
from analytics_app.reports.query_fields import MAX_IDS, IdList, StrictInteger
from analytics_app.request.context import request_context
from analytics_app.request.tenancy import current_tenant

STATUSES = ("confirmed", "cancelled", "no_show")
PERIODS = ("week", "month", "quarter")
RISK_STATES = ("at_risk", "lapsed", "all")
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


def _format(rows):
    """`format`: json (default), or the report's rows as csv or xlsx."""
    return fields.String(
        validate=validate.OneOf(["json", "csv", "xlsx"], error="Must be json, csv or xlsx."),
        metadata={"description": f"csv or xlsx: {rows}"},
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
    format = _format("one row per weekday and hour.")


class DashboardArgsSchema(QueryArgsSchema):
    pass


class SeasonalityArgsSchema(QueryArgsSchema):
    format = _format("one row per month.")
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


class OutlookArgsSchema(QueryArgsSchema):
    format = _format("one row per day of next_days.")
    period = fields.String(
        load_default="month",
        validate=validate.OneOf(PERIODS, error="Must be one of: week, month, quarter."),
        metadata={
            "description": "The current local calendar period: week (Monday-Sunday), month"
            " (default) or quarter."
        },
    )
    service_id = _id("service")
    resource_id = _id("resource")


class RetentionArgsSchema(QueryArgsSchema):
    format = _format("one row per cohort and month after it (k).")
    months = StrictInteger(
        load_default=12,
        validate=validate.Range(min=1, max=24, error="Must be between 1 and 24."),
        metadata={"description": "Cohorts: the local calendar months ending with this one."},
    )


class AtRiskArgsSchema(QueryArgsSchema):
    format = _format("every entry of the state, unpaged.")
    state = fields.String(
        load_default="at_risk",
        validate=validate.OneOf(RISK_STATES, error="Must be one of: at_risk, lapsed, all."),
        metadata={"description": "at_risk (default), lapsed or all (both)."},
    )
    limit = StrictInteger(
        load_default=100,
        validate=validate.Range(min=1, max=500, error="Must be between 1 and 500."),
        metadata={"description": "Entries on the page (default 100)."},
    )
    offset = StrictInteger(
        load_default=0,
        validate=validate.Range(min=0, max=100_000, error="Must be between 0 and 100000."),
        metadata={"description": "Entries skipped before the page (default 0)."},
    )


class AlertsArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    days = StrictInteger(
        load_default=30,
        validate=validate.Range(min=1, max=3650, error="Must be between 1 and 3650."),
        metadata={"description": "Alerts recorded in the last N days (default 30)."},
    )


@dataclass(frozen=True)
class Call:
    """How a report's SQL function is called: its name and the arguments it takes
    from the request (named: p_<argument>); every caller goes through report_sql()."""

    function: str
    arguments: tuple = ()


CALLS = {
    "dashboard": Call("dashboard_report"),
    "appointments": Call(
        "appointments_report", ("days", "status", "service_id", "resource_id", "start", "end")
    ),
    "revenue": Call("revenue_report", ("days", "service_id", "start", "end")),
    "customers": Call("customers_report", ("days", "start", "end", "revenue")),
    "team": Call("team_report", ("days", "start", "end", "revenue")),
    "heatmap": Call(
        "heatmap_report", ("days", "status", "service_id", "resource_id", "start", "end")
    ),
    "seasonality": Call("seasonality_report", ("years", "service_id", "resource_id", "revenue")),
    "outlook": Call("outlook_report", ("period", "service_id", "resource_id", "revenue")),
    "retention": Call("retention_report", ("months",)),
    "at_risk": Call("at_risk_report", ("state", "limit", "offset", "revenue")),
    "alerts": Call("alerts_report", ("days",)),
}
# What an argument is when the caller leaves it out (the query-string schemas' defaults).
DEFAULTS = {
    "years": 2,
    "period": "month",
    "months": 12,
    "state": "at_risk",
    "limit": 100,
    "offset": 0,
}
ID_LISTS = ("service_id", "resource_id")
PAYMENTS = "can_accept_payments"


def report_sql(report, now=False, raw=False):
    """SELECT <report>_report(p_days => :days, ...): named arguments, :now if asked
    (else the function's default, the transaction's now()); raw: as JSON text."""
    call = CALLS[report]
    named = [
        f"p_{a} => CAST(:{a} AS bigint[])" if a in ID_LISTS else f"p_{a} => :{a}"
        for a in call.arguments
    ]
    if now:
        named.append("p_now => :now")
    expression = f"{call.function}({', '.join(named)})"
    return f"SELECT CAST({expression} AS text)" if raw else f"SELECT {expression}"


def report_params(report, args, with_revenue=None, now=None):
    """The bound values of report_sql(report): from the loaded query arguments; revenue:
    whether the tenant has can_accept_payments (asked when None and the report needs it)."""
    arguments = CALLS[report].arguments
    params = {a: args.get(a, DEFAULTS.get(a)) for a in arguments if a != "revenue"}
    if "revenue" in arguments:
        params["revenue"] = tenant_has_feature(PAYMENTS) if with_revenue is None else with_revenue
    if now is not None:
        params["now"] = now
    return params


def call_report(session, report, args, with_revenue=None, now=None):
    """One report's JSON in the session's current transaction (entered into its tenant)."""
    sql = report_sql(report, now=now is not None)
    return session.execute(text(sql), report_params(report, args, with_revenue, now)).scalar_one()


def run_report(report, args, with_revenue=None, raw=False):
    """Run one report function for the request's tenant, read-only, under the statement
    timeout; return its JSON.

    raw=True: the JSON text as PostgreSQL wrote it, for the API to send as it is (no
    parse into Python objects and no serialising again). An API request's first
    statement has applied the settings already (first_statement.py). With a replica
    (DATABASE_REPLICA_URL) the report runs there, unless it is unusable (db/replica.py).
    """
    sql = report_sql(report, raw=raw)
    params = report_params(report, args, with_revenue)
    timeout_ms = current_app.config["STATEMENT_TIMEOUT_MS"]
    if replica.usable():
        try:
            return replica.run_report(current_tenant.schema_name, sql, params, timeout_ms)
        except replica.Unavailable:
            pass  # the primary answers (db/replica.py)
    context = request_context()
    if context.transaction_ready:
        context.transaction_ready = False  # for this statement only
    else:
        enter_schema(db.session, current_tenant.schema_name, read_only=True, timeout_ms=timeout_ms)
    return db.session.execute(text(sql), params).scalar_one()
