"""Argument schemas, response schemas and the one SQL call behind each report.

A report is: validate the query string -> call the tenant's SQL function in a
READ ONLY transaction with a statement_timeout -> return its JSON. The SQL
functions (analytics_app/sql/*_report.sql) build the whole body, so the API
and a DBA calling the same function get the same numbers.
"""

import re

from flask import current_app
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import text

from .extensions import db

STATUSES = ("confirmed", "cancelled", "no_show")
BIGINT_MAX = 2**63 - 1
ASCII_INTEGER = re.compile(r"-?[0-9]{1,30}")


class StrictInteger(fields.Integer):
    """Plain ASCII digits only: no spaces, signs other than '-', or other scripts' digits
    (Python's int() would take ' 30', '+30' or '٣٠')."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _days():
    return StrictInteger(
        load_default=30,
        validate=validate.Range(min=1, max=3650, error="Must be between 1 and 3650."),
        metadata={"description": "Length of the period in local calendar days, ending today."},
    )


def _id(what):
    return StrictInteger(
        validate=validate.Range(min=1, max=BIGINT_MAX, error="Must be a positive integer."),
        metadata={"description": f"Only this {what} (an id that matches nothing gives zeros)."},
    )


class QueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the SPEC: unknown parameters are ignored

    format = fields.String(
        validate=validate.OneOf(["json", "csv"], error="Must be json or csv."),
        metadata={"description": "csv: the daily breakdown (the dashboard: its one row) as CSV."},
    )


class AppointmentsArgsSchema(QueryArgsSchema):
    days = _days()
    status = fields.String(
        validate=validate.OneOf(STATUSES, error="Must be one of: confirmed, cancelled, no_show."),
        metadata={"description": "Only appointments with this status."},
    )
    service_id = _id("service")
    resource_id = _id("resource")


class RevenueArgsSchema(QueryArgsSchema):
    days = _days()
    service_id = _id("service")


class DashboardArgsSchema(QueryArgsSchema):
    pass


def run_report(sql, params):
    """Run one report function read-only, under the statement timeout; return its JSON."""
    session = db.session
    session.execute(
        text(
            "SELECT set_config('transaction_read_only', 'on', true),"
            " set_config('statement_timeout', :ms, true)"
        ),
        {"ms": str(current_app.config["STATEMENT_TIMEOUT_MS"])},
    )
    return session.execute(text(sql), params).scalar_one()


def dashboard(_args):
    return run_report("SELECT dashboard_report()", {})


def appointments(args):
    return run_report(
        "SELECT appointments_report(:days, :status, :service_id, :resource_id)",
        {
            "days": args["days"],
            "status": args.get("status"),
            "service_id": args.get("service_id"),
            "resource_id": args.get("resource_id"),
        },
    )


def revenue(args):
    return run_report(
        "SELECT revenue_report(:days, :service_id)",
        {"days": args["days"], "service_id": args.get("service_id")},
    )


# Response schemas: they document the bodies (and tests check real bodies against them).
class PeriodSchema(Schema):
    start_date = fields.String(
        metadata={"description": "First second of the local month, RFC 3339."}
    )
    end_date = fields.String(metadata={"description": "Last second of the local month, RFC 3339."})


class DashboardSchema(Schema):
    total_appointments_this_month = fields.Integer()
    total_appointments_all_time = fields.Integer()
    active_resources_count = fields.Integer()
    active_services_count = fields.Integer()
    upcoming_appointments_count = fields.Integer()
    average_appointment_duration_minutes = fields.Float(allow_none=True)
    peak_booking_day = fields.String(allow_none=True)
    peak_booking_hour = fields.Integer(allow_none=True)
    period = fields.Nested(PeriodSchema)


class StatusCountsSchema(Schema):
    confirmed = fields.Integer()
    cancelled = fields.Integer()
    no_show = fields.Integer()


class ServiceCountSchema(Schema):
    service_id = fields.Integer()
    service_name = fields.String()
    count = fields.Integer()


class ResourceCountSchema(Schema):
    resource_id = fields.Integer()
    resource_name = fields.String()
    count = fields.Integer()


class AppointmentDaySchema(Schema):
    date = fields.String()
    count = fields.Integer()
    status_breakdown = fields.Nested(StatusCountsSchema)


class AppointmentsSchema(Schema):
    total = fields.Integer()
    by_status = fields.Nested(StatusCountsSchema)
    by_service = fields.List(fields.Nested(ServiceCountSchema))
    by_resource = fields.List(fields.Nested(ResourceCountSchema))
    daily_breakdown = fields.List(fields.Nested(AppointmentDaySchema))
    booking_trend_percent = fields.Float(allow_none=True)
    cancellation_rate_percent = fields.Float()
    no_show_rate_percent = fields.Float()
    period_days = fields.Integer()


class ServiceRevenueSchema(Schema):
    service_id = fields.Integer()
    service_name = fields.String()
    revenue_cents = fields.Integer()
    count = fields.Integer()


class RevenueDaySchema(Schema):
    date = fields.String()
    revenue_cents = fields.Integer()
    transaction_count = fields.Integer()


class RevenueSchema(Schema):
    total_revenue_cents = fields.Integer()
    transaction_count = fields.Integer()
    average_transaction_value_cents = fields.Integer()
    by_service = fields.List(fields.Nested(ServiceRevenueSchema))
    daily_breakdown = fields.List(fields.Nested(RevenueDaySchema))
    period_days = fields.Integer()


def as_csv(body):
    """The CSV form of a report: its daily breakdown, or the dashboard's one row."""
    import csv
    import io

    if "daily_breakdown" in body:
        rows = [
            {"date": d["date"], **{k: v for k, v in d.items() if k != "date"}}
            for d in body["daily_breakdown"]
        ]
        rows = [
            {
                **{k: v for k, v in r.items() if k != "status_breakdown"},
                **r.get("status_breakdown", {}),
            }
            for r in rows
        ]
    else:
        rows = [{**{k: v for k, v in body.items() if k != "period"}, **body["period"]}]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
