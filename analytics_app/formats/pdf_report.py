"""GET /api/analytics/reports/summary.pdf: a printable report of one period.

Built with fpdf2 (pure Python, pinned; docs/decisions.md "Excel and PDF") from the
same report functions as the API, for the same period: the dashboard's figures, then
appointments, revenue (with can_accept_payments), customers and team, with two charts
drawn as vector bars. People's figures are in the tenant's locale and currency
(localisation.py), as on the dashboard; the last section lists every figure exactly as
the API answers it (field names and integers in minor units), so the page and the API
can be compared line by line.

Text is set in DejaVu Sans, which covers the currencies and scripts of the supported
locales; it is Debian's fonts-dejavu-core (and most Linux distributions' default). Where
no DejaVu file is found (PDF_FONT_DIR, then the usual directories), the PDF falls back
to the core Helvetica font and writes characters outside Latin-1 as "?".
"""

import os
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from analytics_app.formats.languages import N_, ngettext_as

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
    "/usr/share/fonts/dejavu",
    "/Library/Fonts",
)
INK = (33, 37, 41)
MUTED = (90, 98, 106)
STATUS_COLOURS = {
    "confirmed": (46, 125, 50),
    "cancelled": (198, 40, 40),
    "no_show": (239, 108, 0),
}
STATUS_NAMES = {
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "no_show": N_("no-show"),
}
# Japanese words: a font with its glyphs (Debian's fonts-ipafont-gothic), used where
# DejaVu Sans has none.
CJK_FONTS = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)
REVENUE_COLOUR = (21, 101, 192)
CHART_HEIGHT = 48


def _font_files():
    directories = [os.environ.get("PDF_FONT_DIR"), *FONT_DIRS]
    for directory in filter(None, directories):
        regular, bold = Path(directory, "DejaVuSans.ttf"), Path(directory, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Document(FPDF):
    def __init__(self, title, footer_text):
        super().__init__(format="A4")
        self.footer_text = footer_text
        fonts = _font_files()
        if fonts:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.body_family, self.has_unicode_font = "Body", True
            cjk = next((path for path in CJK_FONTS if Path(path).is_file()), None)
            if cjk:
                self.add_font("CJK", "", cjk)
                self.set_fallback_fonts(["CJK"], exact_match=False)
        else:
            self.body_family, self.has_unicode_font = "Helvetica", False
        self.set_title(title)
        self.set_author("Tenant Analytics")
        self.set_creator("Tenant Analytics")
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 16, 16)

    def text_of(self, value):
        text = str(value)
        if not self.has_unicode_font:
            text = text.encode("latin-1", "replace").decode("latin-1")
        return text

    def footer(self):
        self.set_y(-12)
        self.use_font(7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.text_of(f"{self.footer_text} · {self.page_no()}"), align="C")

    def use_font(self, size, bold=False):
        self.set_font(self.body_family, "B" if bold else "", size)

    def heading(self, text, size=13):
        if self.get_y() > self.page_break_trigger - 40:
            self.add_page()
        self.ln(3)
        self.use_font(size, bold=True)
        self.set_text_color(*INK)
        self.cell(0, 8, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 205, 210)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)

    def line_of_text(self, text, size=9, colour=INK):
        self.use_font(size)
        self.set_text_color(*colour)
        self.multi_cell(0, 5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def figures(self, pairs, columns=3):
        """Label / value cards in rows of `columns`."""
        width = self.epw / columns
        for start in range(0, len(pairs), columns):
            if self.get_y() > self.page_break_trigger - 14:
                self.add_page()
            y = self.get_y()
            for i, (label, value) in enumerate(pairs[start : start + columns]):
                x = self.l_margin + i * width
                self.set_xy(x, y)
                self.use_font(7.5)
                self.set_text_color(*MUTED)
                self.cell(width - 2, 4, self.text_of(label))
                self.set_xy(x, y + 4)
                self.use_font(11, bold=True)
                self.set_text_color(*INK)
                self.cell(width - 2, 6, self.text_of(value))
            self.set_xy(self.l_margin, y + 12)

    def simple_table(self, header, rows, widths=None, align_right_from=1):
        if not rows:
            self.line_of_text(_("None in this period."), colour=MUTED)
            return
        widths = widths or [self.epw / len(header)] * len(header)
        if self.get_y() > self.page_break_trigger - 16:  # not a header alone at a page's foot
            self.add_page()
        self.use_font(8, bold=True)
        self.set_text_color(*MUTED)
        for i, (name, width) in enumerate(zip(header, widths, strict=True)):
            self.cell(width, 5, self.text_of(name), align="R" if i >= align_right_from else "L")
        self.ln(5)
        self.use_font(8.5)
        self.set_text_color(*INK)
        for row in rows:
            if self.get_y() > self.page_break_trigger - 6:
                self.add_page()
            for i, (value, width) in enumerate(zip(row, widths, strict=True)):
                self.cell(
                    width, 5, self.text_of(value), align="R" if i >= align_right_from else "L"
                )
            self.ln(5)

    def bar_chart(self, title, labels, series, fmt, value_text):
        """Stacked vertical bars: series = [(name, values, colour)]; labels = ISO dates."""
        if self.get_y() > self.page_break_trigger - CHART_HEIGHT - 24:
            self.add_page()
        self.use_font(9, bold=True)
        self.set_text_color(*INK)
        self.cell(0, 6, self.text_of(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
        top = max(totals, default=0) or 1
        left, bottom = self.l_margin + 16, self.get_y() + CHART_HEIGHT
        width = self.epw - 16
        self.set_draw_color(170, 175, 180)
        self.line(left, bottom, left + width, bottom)
        self.line(left, bottom - CHART_HEIGHT, left, bottom)
        self.use_font(7)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin, bottom - CHART_HEIGHT - 2)
        self.cell(15, 4, self.text_of(value_text(max(totals, default=0))), align="R")
        self.set_xy(self.l_margin, bottom - 3)
        self.cell(15, 4, self.text_of(value_text(0)), align="R")
        step = width / max(len(labels), 1)
        bar = max(step * 0.7, 0.3)
        for i in range(len(labels)):
            y = bottom
            for _name, values, colour in series:
                height = CHART_HEIGHT * values[i] / top
                if height > 0:
                    self.set_fill_color(*colour)
                    self.rect(
                        left + i * step + (step - bar) / 2, y - height, bar, height, style="F"
                    )
                    y -= height
        # Dates under the axis: the first, the middle and the last day.
        if labels:
            marks = sorted({0, len(labels) // 2, len(labels) - 1})
            for i in marks:
                self.set_xy(left + i * step + step / 2 - 12, bottom + 1)
                self.cell(24, 4, self.text_of(fmt.short_date(labels[i])), align="C")
        self.set_xy(self.l_margin, bottom + 6)
        if len(series) > 1:
            x = self.l_margin
            for name, _values, colour in series:
                self.set_fill_color(*colour)
                self.rect(x, self.get_y() + 1, 3, 3, style="F")
                self.set_xy(x + 4, self.get_y())
                self.cell(30, 5, self.text_of(name))
                x += 34
            self.ln(6)
        self.ln(2)


def _period_title(window, fmt):
    start, end = window["start_date"], window["end_date"]
    if start == end:
        return fmt.date(start, "long")
    return f"{fmt.date(start, 'long')} – {fmt.date(end, 'long')}"


def _api_lines(name, body):
    """`report.field value` for every figure of a body that is not a per-day list."""
    lines = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(f"{prefix}[{i}]", inner)
        else:
            lines.append(f"{prefix} {'null' if value is None else value}")

    for key, value in body.items():
        if key in ("daily_breakdown", "window", "period"):
            continue
        walk(f"{name}.{key}", value)
    return lines


def build(tenant, fmt, bodies):
    """The PDF's bytes. bodies: the report bodies of one period, by name (dashboard,
    appointments, customers, team; revenue None without can_accept_payments)."""
    window = bodies["appointments"]["window"]
    period = _period_title(window, fmt)
    pdf = _Document(
        f"{tenant.name} — {period}",
        f"{tenant.name} · {period} · {window['time_zone']}",
    )
    pdf.set_lang(fmt.page_lang)
    pdf.add_page()
    _title(pdf, tenant, fmt, bodies["appointments"], period)
    _at_a_glance(pdf, fmt, bodies)
    _appointments(pdf, fmt, bodies["appointments"])
    if bodies["revenue"] is not None:
        _revenue(pdf, fmt, bodies["revenue"])
    _customers(pdf, fmt, bodies["customers"])
    _team(pdf, fmt, bodies["team"], with_revenue=bodies["revenue"] is not None)
    _month_and_all_time(pdf, fmt, bodies["dashboard"])
    if bodies.get("outlook") is not None:
        _outlook(pdf, fmt, bodies["outlook"])
    _as_the_api_gives_them(pdf, bodies)
    return bytes(pdf.output())


def _title(pdf, tenant, fmt, appointments, period):
    window = appointments["window"]
    previous = {
        "start_date": window["previous_start_date"],
        "end_date": window["previous_end_date"],
    }
    made = datetime.now(UTC)
    pdf.use_font(18, bold=True)
    pdf.set_text_color(*INK)
    pdf.cell(0, 10, pdf.text_of(tenant.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    days = appointments["period_days"]
    pdf.line_of_text(
        ngettext_as(
            "Report for %(period)s (%(num)s day, %(zone)s)",
            "Report for %(period)s (%(num)s days, %(zone)s)",
            days,
            period=period,
            num=fmt.number(days),
            zone=window["time_zone"],
        ),
        size=11,
    )
    pdf.line_of_text(
        _(
            "Compared with %(period)s. Made %(made)s UTC. Amounts in %(currency)s.",
            period=_period_title(previous, fmt),
            made=f"{made:%Y-%m-%d %H:%M}",
            currency=fmt.currency,
        ),
        size=8,
        colour=MUTED,
    )


def _at_a_glance(pdf, fmt, bodies):
    appointments, revenue = bodies["appointments"], bodies["revenue"]
    customers, team = bodies["customers"], bodies["team"]
    pdf.heading(_("At a glance"))
    glance = [
        (_("Appointments"), fmt.number(appointments["total"])),
        (_("Booking trend"), fmt.trend(appointments["booking_trend_percent"])),
        (_("Cancellation rate"), fmt.percent(appointments["cancellation_rate_percent"])),
        (_("No-show rate"), fmt.percent(appointments["no_show_rate_percent"])),
        (_("Lost to cancellations"), fmt.money(appointments["cancelled_value_cents"])),
        (_("Lost to no-shows"), fmt.money(appointments["no_show_value_cents"])),
    ]
    if revenue is not None:
        glance += [
            (_("Revenue"), fmt.money(revenue["total_revenue_cents"])),
            (_("Revenue trend"), fmt.trend(revenue["revenue_trend_percent"])),
            (_("Average payment"), fmt.money(revenue["average_transaction_value_cents"])),
        ]
    glance += [
        (_("Customers"), fmt.number(customers["customers"])),
        (_("New customers"), fmt.number(customers["new_customers"])),
        (_("Rebooking rate"), fmt.percent(customers["rebooking_rate_percent"])),
        (_("Utilisation"), fmt.percent(team["utilisation_percent"])),
    ]
    pdf.figures(glance)
    daily = appointments["daily_breakdown"]
    pdf.bar_chart(
        _("Appointments per day"),
        [d["date"] for d in daily],
        [
            (gettext(STATUS_NAMES[status]), [d["status_breakdown"][status] for d in daily], colour)
            for status, colour in STATUS_COLOURS.items()
        ],
        fmt,
        fmt.number,
    )
    if revenue is not None:
        pdf.bar_chart(
            _("Revenue per day"),
            [d["date"] for d in revenue["daily_breakdown"]],
            [
                (
                    _("revenue"),
                    [d["revenue_cents"] for d in revenue["daily_breakdown"]],
                    REVENUE_COLOUR,
                )
            ],
            fmt,
            fmt.money,
        )


def _appointments(pdf, fmt, appointments):
    pdf.heading(_("Appointments"))
    status, lead_time = appointments["by_status"], appointments["lead_time"]
    pdf.figures(
        [
            (_("Confirmed"), fmt.number(status["confirmed"])),
            (_("Cancelled"), fmt.number(status["cancelled"])),
            (_("No-shows"), fmt.number(status["no_show"])),
            (_("Average lead time (hours)"), fmt.decimal(lead_time["average_hours"])),
            (_("Booked the same day"), fmt.number(lead_time["same_day"])),
            (_("30 days or more ahead"), fmt.number(lead_time["30_days_or_more"])),
        ]
    )
    pdf.simple_table(
        [_("Service"), _("Appointments")],
        [(s["service_name"], fmt.number(s["count"])) for s in appointments["by_service"]],
        [pdf.epw * 0.7, pdf.epw * 0.3],
    )
    pdf.ln(2)
    pdf.simple_table(
        [_("Booked through"), _("Appointments")],
        [(s["source"], fmt.number(s["count"])) for s in appointments["by_source"]],
        [pdf.epw * 0.7, pdf.epw * 0.3],
    )


def _revenue(pdf, fmt, revenue):
    pdf.heading(_("Revenue"))
    pdf.figures(
        [
            (_("Revenue"), fmt.money(revenue["total_revenue_cents"])),
            (_("Payments"), fmt.number(revenue["transaction_count"])),
            (_("Refunded"), fmt.money(revenue["refunded_cents"])),
        ]
    )
    pdf.simple_table(
        [_("Service"), _("Revenue"), _("Payments")],
        [
            (s["service_name"], fmt.money(s["revenue_cents"]), fmt.number(s["count"]))
            for s in revenue["by_service"]
        ],
        [pdf.epw * 0.5, pdf.epw * 0.3, pdf.epw * 0.2],
    )


def _customers(pdf, fmt, customers):
    pdf.heading(_("Customers"))
    people = [
        (_("Customers"), fmt.number(customers["customers"])),
        (_("New"), fmt.number(customers["new_customers"])),
        (_("Returning"), fmt.number(customers["returning_customers"])),
        (_("Visits"), fmt.number(customers["visits"])),
        (_("Walk-in visits"), fmt.number(customers["walk_in_visits"])),
        (_("Rebooked"), fmt.number(customers["rebooked_customers"])),
    ]
    if customers["average_lifetime_value_cents"] is not None:
        people += [
            (_("Average lifetime value"), fmt.money(customers["average_lifetime_value_cents"])),
            (_("Revenue per visit"), fmt.money(customers["revenue_per_visit_cents"])),
        ]
    pdf.figures(people)
    pdf.simple_table(
        [_("How new customers found you"), _("Customers")],
        [(c["channel"], fmt.number(c["count"])) for c in customers["new_customers_by_channel"]],
        [pdf.epw * 0.7, pdf.epw * 0.3],
    )


def _team(pdf, fmt, team, with_revenue):
    pdf.heading(_("Team"))
    header = [
        _("Resource"),
        _("Appointments"),
        _("No-shows"),
        _("Booked min"),
        _("Available min"),
        _("Utilisation"),
    ]
    widths = [0.26, 0.14, 0.12, 0.15, 0.17, 0.16]
    rows = [
        [
            r["resource_name"],
            fmt.number(r["appointments"]),
            fmt.number(r["no_show"]),
            fmt.number(r["booked_minutes"]),
            fmt.number(r["available_minutes"]),
            fmt.percent(r["utilisation_percent"]),
        ]
        for r in team["resources"]
    ]
    if with_revenue:
        header.append(_("Revenue"))
        widths = [0.22, 0.12, 0.1, 0.12, 0.14, 0.13, 0.17]
        for row, r in zip(rows, team["resources"], strict=True):
            row.append(fmt.money(r["revenue_cents"]))
    pdf.simple_table(header, rows, [pdf.epw * w for w in widths])


def _month_and_all_time(pdf, fmt, dashboard):
    pdf.heading(_("This month and all time"))
    hour = dashboard["peak_booking_hour"]
    pdf.figures(
        [
            (_("Appointments this month"), fmt.number(dashboard["total_appointments_this_month"])),
            (_("All time"), fmt.number(dashboard["total_appointments_all_time"])),
            (_("Upcoming"), fmt.number(dashboard["upcoming_appointments_count"])),
            (_("Busiest weekday"), fmt.weekday_named(dashboard["peak_booking_day"])),
            (_("Busiest hour"), "–" if hour is None else fmt.hour(hour)),
            (_("Active resources"), fmt.number(dashboard["active_resources_count"])),
        ]
    )


def _outlook(pdf, fmt, outlook):
    """How the current month will end (GET /api/analytics/analytics/outlook/)."""
    pdf.heading(_("How this month will end"))
    window = outlook["window"]
    pdf.line_of_text(
        _(
            "%(start)s to %(end)s, all services and resources. Forecast = confirmed so far +"
            " what is on the books, less the share usually lost (%(loss)s over the last 90"
            " days), + what is usually still booked from this point of the month on.",
            start=fmt.date(window["start_date"]),
            end=fmt.date(window["end_date"]),
            loss=fmt.percent(outlook["loss_rate_percent"]),
        ),
        size=8,
        colour=MUTED,
    )
    pace = outlook["pace"]["pace_percent"]
    vs_last_year = outlook["forecast_vs_last_year_percent"]
    figures = [
        (_("So far"), fmt.number(outlook["so_far"]["appointments"])),
        (_("On the books"), fmt.number(outlook["on_the_books"]["appointments"])),
        (_("Usually still to come"), fmt.number(outlook["pickup"]["appointments"])),
        (_("Forecast"), fmt.number(outlook["forecast"]["appointments"])),
        (_("Last year"), fmt.number(outlook["last_year"]["appointments"])),
        (_("Forecast vs last year"), "–" if vs_last_year is None else fmt.trend(vs_last_year)),
        (_("Pace vs last year"), "–" if pace is None else fmt.trend(pace)),
    ]
    if outlook["forecast"].get("revenue_cents") is not None:
        figures += [
            (_("Revenue so far"), fmt.money(outlook["so_far"]["revenue_cents"])),
            (_("Revenue forecast"), fmt.money(outlook["forecast"]["revenue_cents"])),
        ]
    pdf.figures(figures)


def _as_the_api_gives_them(pdf, bodies):
    pdf.heading(_("Figures as the API gives them"), size=11)
    pdf.line_of_text(
        _("Field names and values of the JSON reports for this period (amounts in minor units)."),
        size=8,
        colour=MUTED,
    )
    pdf.set_font(pdf.body_family, "", 7.5)
    pdf.set_text_color(*INK)
    for name in ("dashboard", "appointments", "revenue", "customers", "team"):
        if bodies[name] is None:
            continue
        for line in _api_lines(name, bodies[name]):
            pdf.cell(0, 3.6, pdf.text_of(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
