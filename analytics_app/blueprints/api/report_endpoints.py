"""GET /api/analytics/ and /api/analytics/analytics/<report>/: the JSON calls.

Each route is one declaration (api/declare.py): authenticate, gate, validate,
one SQL call (calls.py), serialise. `?format=csv` gives the daily breakdown, and
`?format=xlsx` the same rows as a worksheet (spreadsheets.py).
"""

import csv
import io

from flask import Blueprint, Response, jsonify, request, url_for
from marshmallow import EXCLUDE

from analytics_app.blueprints.api import schemas
from analytics_app.blueprints.api.declare import JSON, operation
from analytics_app.extensions import csrf
from analytics_app.formats import languages, localisation, pdf_report, spreadsheets
from analytics_app.gating import tenant_has_feature
from analytics_app.reports import calls
from analytics_app.reports.periods import PeriodArgsSchema
from analytics_app.request.tenancy import current_tenant, split_host

bp = Blueprint("api", __name__, url_prefix="/api/analytics")
csrf.exempt(bp)  # GET only; keys or the session authenticate each request
ANALYTICS = "advanced_analytics"
PAYMENTS = "can_accept_payments"
MEDIA = (JSON, "text/csv", spreadsheets.MEDIA_TYPE)


def _answer(report, args):
    """CSV or xlsx from the report's body, or its JSON text exactly as PostgreSQL built it."""
    if args.get("format") == "csv":
        return Response(as_csv(report, calls.run_report(report, args)), mimetype="text/csv")
    if args.get("format") == "xlsx":
        fieldnames, rows = table(report, calls.run_report(report, args))
        return Response(
            spreadsheets.report_workbook(report, fieldnames, rows),
            mimetype=spreadsheets.MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{report}.xlsx"'},
        )
    return Response(calls.run_report(report, args, raw=True), mimetype=JSON)


@operation(
    bp,
    "/",
    summary="The report endpoints' URLs.",
    body=schemas.IndexSchema,
    secured=False,
    read_only_report=False,
)
def index():
    # Built from the validated host (it matched a tenant's domain) and a digits-only
    # port; Werkzeug's request.host drops names holding a "_", so it is not used.
    name, port = split_host(request.headers.get("Host"))
    base = f"{request.scheme}://{name}" + (f":{port}" if port else "")
    return jsonify(
        {
            name: base + url_for(f"api.{name}")
            for name in (
                "dashboard",
                "appointments",
                "revenue",
                "customers",
                "team",
                "heatmap",
                "seasonality",
                "outlook",
                "retention",
                "at_risk",
                "alerts",
            )
        }
    )


@operation(
    bp,
    "/analytics/dashboard/",
    summary="This month, all time, upcoming, peaks.",
    args=calls.DashboardArgsSchema,
    body=schemas.DashboardSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    forbidden=schemas.DetailSchema,
)
def dashboard(args):
    return _answer("dashboard", args)


@operation(
    bp,
    "/analytics/appointments/",
    summary="Appointments over a period, with filters; by status, service, resource, source.",
    args=calls.AppointmentsArgsSchema,
    body=schemas.AppointmentsSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    forbidden=schemas.DetailSchema,
)
def appointments(args):
    return _answer("appointments", args)


@operation(
    bp,
    "/analytics/revenue/",
    summary="Succeeded payments over a period.",
    args=calls.RevenueArgsSchema,
    body=schemas.RevenueSchema,
    media=MEDIA,
    features=(ANALYTICS, PAYMENTS),
    forbidden=schemas.PaymentsDeniedSchema,
)
def revenue(args):
    return _answer("revenue", args)


@operation(
    bp,
    "/analytics/customers/",
    summary="Customers over a period: new, returning, rebooking, visits, channels, value.",
    args=calls.CustomersArgsSchema,
    body=schemas.CustomersSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # lifetime value and revenue per visit, or null without it
    forbidden=schemas.DetailSchema,
)
def customers(args):
    return _answer("customers", args)


@operation(
    bp,
    "/analytics/team/",
    summary="Per resource: appointments, no-shows, booked and available minutes, utilisation.",
    args=calls.TeamArgsSchema,
    body=schemas.TeamSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # revenue per resource, or null without it
    forbidden=schemas.DetailSchema,
)
def team(args):
    return _answer("team", args)


@operation(
    bp,
    "/analytics/heatmap/",
    summary="Appointments per local weekday and hour, with filters.",
    args=calls.HeatmapArgsSchema,
    body=schemas.HeatmapSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    forbidden=schemas.DetailSchema,
)
def heatmap(args):
    return _answer("heatmap", args)


@operation(
    bp,
    "/analytics/seasonality/",
    summary="Per calendar month, year over year; the busiest month of the year.",
    args=calls.SeasonalityArgsSchema,
    body=schemas.SeasonalitySchema,
    media=MEDIA,
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # revenue per month, or null without it
    forbidden=schemas.DetailSchema,
)
def seasonality(args):
    return _answer("seasonality", args)


@operation(
    bp,
    "/analytics/outlook/",
    summary="How the current week, month or quarter will end: forecast, pace, next 14 days.",
    args=calls.OutlookArgsSchema,
    body=schemas.OutlookSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # money figures, or null without it
    forbidden=schemas.DetailSchema,
)
def outlook(args):
    return _answer("outlook", args)


@operation(
    bp,
    "/analytics/retention/",
    summary="Monthly cohorts of new customers and how many come back each month after.",
    args=calls.RetentionArgsSchema,
    body=schemas.RetentionSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    forbidden=schemas.DetailSchema,
)
def retention(args):
    return _answer("retention", args)


@operation(
    bp,
    "/analytics/at-risk/",
    summary="Customers past 1.5x (at risk) or 3x (lapsed) their usual gap between visits.",
    args=calls.AtRiskArgsSchema,
    body=schemas.AtRiskSchema,
    media=MEDIA,
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # lifetime value, or null without it
    forbidden=schemas.DetailSchema,
    description="Holds customers' names and emails. CSV and xlsx list every entry of the"
    " state, unpaged.",
)
def at_risk(args):
    if args.get("format") in ("csv", "xlsx"):
        args = {**args, "limit": None, "offset": 0}
    return _answer("at_risk", args)


@operation(
    bp,
    "/alerts/",
    summary="Alerts of the last days (no-show spikes, quiet days ahead, revenue drops).",
    args=calls.AlertsArgsSchema,
    body=schemas.AlertsSchema,
    features=(ANALYTICS,),
    forbidden=schemas.DetailSchema,
)
def alerts(args):
    return Response(calls.run_report("alerts", args, raw=True), mimetype=JSON)


class SummaryArgsSchema(PeriodArgsSchema):
    class Meta:
        unknown = EXCLUDE


@operation(
    bp,
    "/reports/summary.pdf",
    summary="A printable report of the period: dashboard, appointments, revenue, customers, team.",
    args=SummaryArgsSchema,
    media=("application/pdf",),
    features=(ANALYTICS,),
    asks=(PAYMENTS,),  # the revenue section and money figures, or left out without it
    forbidden=schemas.DetailSchema,
    description="The figures of the JSON reports for the same period (days, or start and"
    " end), in the tenant's locale and currency, with the appointments and revenue per day"
    " as charts, and how the current month will end (the outlook); its last section lists"
    " every figure of the period as the API gives it.",
)
def summary_pdf(args):
    paid = tenant_has_feature(PAYMENTS)
    period = {k: args.get(k) for k in ("days", "start", "end")}
    bodies = {
        "appointments": calls.run_report("appointments", period),
        "revenue": calls.run_report("revenue", period) if paid else None,
        "customers": calls.run_report("customers", period, with_revenue=paid),
        "team": calls.run_report("team", period, with_revenue=paid),
        "dashboard": calls.run_report("dashboard", {}),
        "outlook": calls.run_report("outlook", {}, with_revenue=paid),
    }
    # The currency is the reports' own (each body says it).
    fmt = localisation.Formats(
        current_tenant.locale, bodies["appointments"]["currency"], languages.current_language()
    )
    document = pdf_report.build(current_tenant, fmt, bodies)
    window = bodies["appointments"]["window"]
    name = f"{current_tenant.schema_name}-{window['start_date']}-{window['end_date']}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def as_csv(report, body):
    """The CSV form of a report (see table())."""
    fieldnames, rows = table(report, body)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _text_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _text_cell(value):
    """A name a spreadsheet would read as a formula gets a leading apostrophe (shown as
    text), as in the exports (db/exports.py FORMULA_START); xlsx types it as text instead."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _month_rows(body):
    return body["months"]


def _heatmap_rows(body):
    return [
        {"weekday": w, "weekday_name": calls.WEEKDAYS[w], "hour": h, "appointments": n}
        for w, hours in enumerate(body["counts"])
        for h, n in enumerate(hours)
    ]


def _daily_rows(body):
    return [
        {
            "date": d["date"],
            **{k: v for k, v in d.items() if k not in ("date", "status_breakdown")},
            **d.get("status_breakdown", {}),
        }
        for d in body["daily_breakdown"]
    ]


def _cohort_rows(body):
    return [
        {
            "month": c["month"],
            "k": k,
            "new_customers": c["new_customers"],
            "retained": retained,
            "retained_percent": c["retained_percent"][k],
        }
        for c in body["cohorts"]
        for k, retained in enumerate(c["retained"])
    ]


def _dashboard_rows(body):
    return [{**{k: v for k, v in body.items() if k != "period"}, **body["period"]}]


# The rows of each report's CSV and xlsx forms.
ROWS = {
    "dashboard": _dashboard_rows,
    "appointments": _daily_rows,
    "revenue": _daily_rows,
    "customers": _daily_rows,
    "team": lambda body: body["resources"],
    "heatmap": _heatmap_rows,
    "seasonality": _month_rows,
    "outlook": lambda body: body["next_days"],
    "retention": _cohort_rows,
    "at_risk": lambda body: body["customers"],
}


EMPTY_COLUMNS = {
    "team": lambda: [*schemas.TeamMemberSchema().fields, "currency"],
    "at_risk": lambda: list(schemas.AtRiskCustomerSchema().fields),
}


def table(report, body):
    """(fieldnames, rows) of a report's CSV and xlsx forms: its daily breakdown, the
    team's resources, the heatmap's cells, the seasonality's months or the dashboard's
    one row; rows with amounts end with a `currency` column."""
    rows = ROWS[report](body)
    if not rows:  # a team without resources, nobody at risk: the columns still
        return EMPTY_COLUMNS[report](), []
    if "currency" in body and any(k.endswith("_cents") for k in rows[0]):
        # Amounts are in the currency's minor unit: the rows say which currency.
        rows = [{**row, "currency": body["currency"]} for row in rows]
    return list(rows[0]), rows
