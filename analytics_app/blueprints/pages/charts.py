"""Server-rendered SVG charts (pygal), embedded as data: images.

As <img> sources the SVGs cannot run script (pygal always writes an inline
config <script>), so the page needs no inline script and no CDN, and works
offline. The numbers come from the report JSON; nothing here reads rows.
"""

import base64

import pygal
from flask_babel import gettext
from flask_babel import gettext as _
from pygal.style import Style

from analytics_app.formats.languages import N_

STATUS_COLOURS = ("#2f6fdf", "#e0a100", "#c2410c")  # confirmed, cancelled, no-show
CUSTOMER_COLOURS = ("#0f766e", "#7c3aed")  # returning, new
STYLE_OPTIONS = dict(
    background="white",
    plot_background="white",
    foreground="#1d2433",
    foreground_strong="#1d2433",
    foreground_subtle="#d9dee8",
    colors=STATUS_COLOURS,
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    value_font_size=10,
)
STYLE = Style(**STYLE_OPTIONS)
CUSTOMER_STYLE = Style(**{**STYLE_OPTIONS, "colors": CUSTOMER_COLOURS})


def _options(days):
    step = max(1, days // 12)  # about a dozen date labels, whatever the period
    return {
        "js": [],
        "disable_xml_declaration": True,
        "style": STYLE,
        "width": 960,
        "height": 320,
        "legend_at_bottom": True,
        "show_minor_x_labels": False,
        "x_label_rotation": 0,
        "margin": 8,
        "spacing": 6,
        "truncate_label": -1,
        "print_values": False,
        "x_labels_major_every": step,
        "show_y_guides": True,
        "min_scale": 3,
        "max_scale": 6,
    }


def _data_uri(chart):
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def appointments_per_day(report, fmt):
    """Stacked bars: confirmed / cancelled / no-show per local day."""
    days = report["daily_breakdown"]
    chart = pygal.StackedBar(**_options(len(days)))
    chart.x_labels = [fmt.short_date(d["date"]) for d in days]
    for key, label in (
        ("confirmed", _("Confirmed")),
        ("cancelled", _("Cancelled")),
        ("no_show", _("No-show")),
    ):
        chart.add(label, [d["status_breakdown"][key] for d in days])
    return _data_uri(chart)


def revenue_per_day(report, fmt):
    """Bars of succeeded revenue per local day, in the currency's units (not minor units)."""
    days = report["daily_breakdown"]
    chart = pygal.Bar(**_options(len(days)), show_legend=False, value_formatter=fmt.money_amount)
    chart.x_labels = [fmt.short_date(d["date"]) for d in days]
    chart.add(_("Revenue"), [float(fmt.amount(d["revenue_cents"])) for d in days])
    return _data_uri(chart)


def customers_per_day(report, fmt):
    """Stacked bars: returning and new customers per local day."""
    days = report["daily_breakdown"]
    chart = pygal.StackedBar(**{**_options(len(days)), "style": CUSTOMER_STYLE})
    chart.x_labels = [fmt.short_date(d["date"]) for d in days]
    chart.add(_("Returning"), [d["customers"] - d["new_customers"] for d in days])
    chart.add(_("New"), [d["new_customers"] for d in days])
    return _data_uri(chart)


def next_days(outlook, fmt):
    """Bars: booked and available hours for each of the next 14 local days."""
    days = outlook["next_days"]
    chart = pygal.Bar(**{**_options(len(days)), "height": 260})
    chart.x_labels = [fmt.short_date(d["date"]) for d in days]
    chart.add(_("Booked hours"), [round(float(d["booked_minutes"]) / 60, 1) for d in days])
    chart.add(_("Available hours"), [round(float(d["available_minutes"]) / 60, 1) for d in days])
    return _data_uri(chart)


LEAD_BUCKETS = (
    ("same_day", N_("Same day")),
    ("1_to_6_days", N_("1-6 days")),
    ("7_to_29_days", N_("7-29 days")),
    ("30_days_or_more", N_("30+ days")),
)


def lead_time_histogram(report):
    """Bars: appointments per lead-time bucket (how far ahead they were booked)."""
    lead = report["lead_time"]
    chart = pygal.Bar(
        **{**_options(len(LEAD_BUCKETS)), "width": 480, "height": 240, "x_labels_major_every": 1},
        show_legend=False,
    )
    chart.x_labels = [gettext(label) for _key, label in LEAD_BUCKETS]
    chart.add(gettext("Appointments"), [lead[key] for key, _label in LEAD_BUCKETS])
    return _data_uri(chart)


def two_years(rows, fmt):
    """Grouped bars: appointments per month of the year, last year beside this one."""
    chart = pygal.Bar(**{**_options(12), "x_labels_major_every": 1})
    chart.x_labels = [fmt.month_name(row["month_of_year"]) for row in rows]
    for key, label in (("last", rows[0]["last_year"]), ("this", rows[0]["this_year"])):
        chart.add(str(label), [row[key] for row in rows])
    return _data_uri(chart)
