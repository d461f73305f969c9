"""GET /: the dashboard page, rendered from the same SQL functions as the API."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import text

from analytics_app.alerts import wording
from analytics_app.blueprints.pages import charts
from analytics_app.extensions import db
from analytics_app.formats import languages, localisation
from analytics_app.gating import FEATURES, missing_features
from analytics_app.reports import calls
from analytics_app.request.tenancy import current_tenant

bp = Blueprint("pages", __name__)
PRESET_DAYS = (7, 30, 90, 365)
MULTI = ("service_id", "resource_id")


def heat_levels(heatmap):
    """A shade per heatmap cell: 0 for none, else 1-4 by quarter of the busiest cell's count."""
    top = max(max(row) for row in heatmap["counts"]) or 1
    return [
        [0 if n == 0 else 1 + min(3, 4 * n // (top + 1)) for n in row] for row in heatmap["counts"]
    ]


def _filters():
    """The query string as report arguments; bad values are reported and fall back to defaults.

    An empty value is the form's "All" choice, so it is dropped, not refused.
    """
    given = {}
    for key in request.args:
        values = [v for v in request.args.getlist(key) if v != ""]
        if values:
            # The multi-selects send one value each (service_id=1&service_id=3); the
            # API's form is one comma-separated value.
            given[key] = ",".join(values) if key in MULTI else values[0]
    if "start" in given or "end" in given:
        given.pop("days", None)  # the form sends both boxes; an explicit range wins
    try:
        return calls.AppointmentsArgsSchema().load(given), {}
    except ValidationError as err:
        kept = {k: v for k, v in err.valid_data.items() if k not in ("days", "start", "end")}
        return {**kept, "days": 30}, err.messages


def two_years(seasonality):
    """The seasonality body (years=2) as twelve rows: each month of the year, last year's
    and this year's appointments (None for this year's months still to come)."""
    months = {m["month"]: m for m in seasonality["months"]}
    this_year = int(seasonality["window"]["end_date"][:4])
    rows = []
    for month in range(1, 13):
        last = months.get(f"{this_year - 1}-{month:02d}")
        this = months.get(f"{this_year}-{month:02d}")
        rows.append(
            {
                "month_of_year": month,
                "last_year": this_year - 1,
                "this_year": this_year,
                "last": last["appointments"] if last else 0,
                "this": this["appointments"] if this else None,
                "yoy": this["appointments_yoy_percent"] if this else None,
                "last_revenue": last["revenue_cents"] if last else None,
                "this_revenue": this["revenue_cents"] if this else None,
            }
        )
    return rows


def cohort_level(percent):
    """A shade for a retention cell: 0 for none, else 1-4 by quarter of 100 %."""
    return 0 if not percent else 1 + min(3, int(percent // 25))


def source_name(value):
    """A booking source or channel: the words the service itself writes are translated;
    the channels owners type ("walked past") are theirs and stay as typed."""
    known = {
        "online": _("online"),
        "phone": _("phone"),
        "walk_in": _("walk-in"),
        "instagram": "Instagram",
        "unknown": _("unknown"),
    }
    return known.get(value, value)


def filter_labels():
    """The filters' labels, also naming a refused filter in the page's message."""
    return {
        "days": _("Period (days)"),
        "start": _("From (date)"),
        "end": _("To (date)"),
        "status": _("Status"),
        "service_id": _("Services"),
        "resource_id": _("Resources"),
    }


def _without_period(args):
    return {k: v for k, v in args.items() if k not in ("days", "start", "end")}


def _choices(table):
    return db.session.execute(text(f"SELECT id, name FROM {table} ORDER BY name, id")).all()


@bp.get("/")
@login_required
def dashboard():
    missing = missing_features(list(FEATURES))
    features = {name: name not in missing for name in FEATURES}
    context = {
        "tenant": current_tenant,
        "user": current_user,
        "features": features,
        "presets": [],
    }
    if not features["advanced_analytics"]:
        return render_template("dashboard.html", locked=True, **context)

    args, errors = _filters()
    context["presets"] = [
        (d, url_for("pages.dashboard", **{**_without_period(args), "days": d})) for d in PRESET_DAYS
    ]
    figures = _figures(args, paid=features["can_accept_payments"])
    fmt = localisation.for_tenant(current_tenant, languages.current_language())
    return render_template(
        "dashboard.html",
        locked=False,
        cohort_level=cohort_level,
        alert_text=lambda alert: wording.sentence(alert, fmt),
        source_name=source_name,
        filter_labels=filter_labels(),
        args=args,
        errors=errors,
        **figures,
        **_charts(figures, fmt),
        pdf_url=url_for(
            "api.summary_pdf", **{k: args[k] for k in ("days", "start", "end") if args.get(k)}
        ),
        services=_choices("services"),
        resources=_choices("resources"),
        **context,
    ), (400 if errors else 200)


def _figures(args, paid):
    """Every report the page shows, from the same calls as the API's."""
    heatmap = calls.run_report("heatmap", args)
    seasonality = calls.run_report("seasonality", args, with_revenue=paid)
    return {
        "summary": calls.run_report("dashboard", {}),
        "outlook": calls.run_report("outlook", {}, with_revenue=paid),
        "alerts": calls.run_report("alerts", {"days": 30}),
        "retention": calls.run_report("retention", {"months": 12}),
        "at_risk": calls.run_report("at_risk", {"limit": 20}, with_revenue=paid),
        "appointments": calls.run_report("appointments", args),
        "revenue": calls.run_report("revenue", args) if paid else None,
        "customers": calls.run_report("customers", args, with_revenue=paid),
        "team": calls.run_report("team", args, with_revenue=paid),
        "heatmap": heatmap,
        "heat_levels": heat_levels(heatmap),
        "seasonality": seasonality,
        "seasons": two_years(seasonality),
    }


def _charts(figures, fmt):
    revenue = figures["revenue"]
    return {
        "seasons_chart": charts.two_years(figures["seasons"], fmt),
        "next_days_chart": charts.next_days(figures["outlook"], fmt),
        "appointments_chart": charts.appointments_per_day(figures["appointments"], fmt),
        "customers_chart": charts.customers_per_day(figures["customers"], fmt),
        "lead_time_chart": charts.lead_time_histogram(figures["appointments"]),
        "revenue_chart": charts.revenue_per_day(revenue, fmt) if revenue else None,
    }
