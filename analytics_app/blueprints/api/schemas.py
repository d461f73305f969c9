"""Response bodies of the JSON API, as marshmallow schemas.

They generate the OpenAPI document (api/openapi.py) and every field is required,
so schemathesis' response checks fail on a body that lost a field. Argument
schemas live beside the report calls (reports.py) and the export (api/export.py).
"""

from marshmallow import Schema, fields


def every_field_required(schema_class):
    """Mark every declared field required: the SPEC fixes each body's fields."""
    for field in schema_class._declared_fields.values():
        field.required = True
    return schema_class


@every_field_required
class DetailSchema(Schema):
    detail = fields.String()


@every_field_required
class PaymentsDeniedSchema(Schema):
    error = fields.String()
    detail = fields.String()


@every_field_required
class ValidationErrorsSchema(Schema):
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Each bad parameter with why it is bad."},
    )


@every_field_required
class IndexSchema(Schema):
    dashboard = fields.String()
    appointments = fields.String()
    revenue = fields.String()
    customers = fields.String()
    team = fields.String()
    heatmap = fields.String()
    seasonality = fields.String()
    outlook = fields.String()
    retention = fields.String()
    at_risk = fields.String()
    alerts = fields.String()


@every_field_required
class PeriodSchema(Schema):
    start_date = fields.String(
        metadata={"description": "First second of the local month, RFC 3339."}
    )
    end_date = fields.String(metadata={"description": "Last second of the local month, RFC 3339."})


@every_field_required
class WindowSchema(Schema):
    start_date = fields.String(metadata={"description": "First local day, YYYY-MM-DD."})
    end_date = fields.String(metadata={"description": "Last local day, YYYY-MM-DD."})
    previous_start_date = fields.String(metadata={"description": "First day compared with."})
    previous_end_date = fields.String(metadata={"description": "Last day compared with."})
    time_zone = fields.String(metadata={"description": "The tenant's IANA time zone."})


@every_field_required
class LeadTimeSchema(Schema):
    class Meta:
        include = {
            "1_to_6_days": fields.Integer(),
            "7_to_29_days": fields.Integer(),
            "30_days_or_more": fields.Integer(),
        }

    average_hours = fields.Float(
        allow_none=True, metadata={"description": "Mean of start - created, in hours."}
    )
    same_day = fields.Integer()


@every_field_required
class ResourceRevenueSchema(Schema):
    resource_id = fields.Integer()
    resource_name = fields.String()
    revenue_cents = fields.Integer()
    count = fields.Integer()


@every_field_required
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


@every_field_required
class StatusCountsSchema(Schema):
    confirmed = fields.Integer()
    cancelled = fields.Integer()
    no_show = fields.Integer()


@every_field_required
class ServiceCountSchema(Schema):
    service_id = fields.Integer()
    service_name = fields.String()
    count = fields.Integer()


@every_field_required
class ResourceCountSchema(Schema):
    resource_id = fields.Integer()
    resource_name = fields.String()
    count = fields.Integer()


@every_field_required
class AppointmentDaySchema(Schema):
    date = fields.String()
    count = fields.Integer()
    status_breakdown = fields.Nested(StatusCountsSchema)


@every_field_required
class SourceCountSchema(Schema):
    source = fields.String(
        metadata={
            "description": "appointments.source, trimmed and lower-cased; unknown for NULL or blank."
        }
    )
    count = fields.Integer()


class ChannelCountSchema(Schema):
    channel = fields.String(
        metadata={
            "description": "customers.acquisition_channel, trimmed and lower-cased; unknown for NULL or blank."
        }
    )
    count = fields.Integer()


class AppointmentsSchema(Schema):
    total = fields.Integer()
    by_status = fields.Nested(StatusCountsSchema)
    by_service = fields.List(fields.Nested(ServiceCountSchema))
    by_resource = fields.List(fields.Nested(ResourceCountSchema))
    by_source = fields.List(
        fields.Nested(SourceCountSchema),
        metadata={"description": "After the filters; count > 0, by count desc then source."},
    )
    daily_breakdown = fields.List(fields.Nested(AppointmentDaySchema))
    booking_trend_percent = fields.Float(allow_none=True)
    cancellation_rate_percent = fields.Float()
    no_show_rate_percent = fields.Float()
    cancelled_value_cents = fields.Integer(
        metadata={"description": "Cancelled appointments at their service's current price."}
    )
    no_show_value_cents = fields.Integer(
        metadata={"description": "No-shows at their service's current price."}
    )
    lead_time = fields.Nested(LeadTimeSchema)
    period_days = fields.Integer()
    window = fields.Nested(WindowSchema)
    currency = fields.String(
        metadata={
            "description": "ISO 4217 code of the tenant's currency: every `*_cents` field is an"
            " integer in its minor unit (cents; yen for JPY, which has none; fils, a"
            " thousandth, for KWD)."
        }
    )


@every_field_required
class ServiceRevenueSchema(Schema):
    service_id = fields.Integer()
    service_name = fields.String()
    revenue_cents = fields.Integer()
    count = fields.Integer()


@every_field_required
class RevenueDaySchema(Schema):
    date = fields.String()
    revenue_cents = fields.Integer()
    transaction_count = fields.Integer()


@every_field_required
class RevenueSchema(Schema):
    total_revenue_cents = fields.Integer()
    transaction_count = fields.Integer()
    average_transaction_value_cents = fields.Integer()
    by_service = fields.List(fields.Nested(ServiceRevenueSchema))
    by_resource = fields.List(fields.Nested(ResourceRevenueSchema))
    daily_breakdown = fields.List(fields.Nested(RevenueDaySchema))
    revenue_trend_percent = fields.Float(
        allow_none=True, metadata={"description": "Against the previous period; null if it was 0."}
    )
    refunded_cents = fields.Integer(
        metadata={"description": "Refunded payments paid in the period, same filter."}
    )
    period_days = fields.Integer()
    window = fields.Nested(WindowSchema)
    currency = fields.String(
        metadata={
            "description": "ISO 4217 code of the tenant's currency: every `*_cents` field is an"
            " integer in its minor unit (cents; yen for JPY, which has none; fils, a"
            " thousandth, for KWD)."
        }
    )


@every_field_required
class CustomerDaySchema(Schema):
    date = fields.String()
    customers = fields.Integer(metadata={"description": "Distinct customers with a visit."})
    new_customers = fields.Integer(metadata={"description": "Whose first visit ever is that day."})


@every_field_required
class CustomersSchema(Schema):
    customers = fields.Integer(
        metadata={"description": "Distinct customers with a visit (confirmed) in the period."}
    )
    new_customers = fields.Integer(
        metadata={"description": "Of them, whose first visit ever is in the period."}
    )
    returning_customers = fields.Integer()
    returning_customer_percent = fields.Float()
    visits = fields.Integer(metadata={"description": "Confirmed appointments with a customer."})
    visits_per_customer = fields.Float(allow_none=True)
    rebooked_customers = fields.Integer(
        metadata={"description": "Of them, with a visit after their last one in the period."}
    )
    rebooking_rate_percent = fields.Float()
    customers_trend_percent = fields.Float(
        allow_none=True, metadata={"description": "Against the previous period; null if it was 0."}
    )
    walk_in_visits = fields.Integer(
        metadata={"description": "Confirmed appointments without a customer."}
    )
    new_customers_by_channel = fields.List(
        fields.Nested(ChannelCountSchema),
        metadata={"description": "The period's new customers; by count desc then channel."},
    )
    average_lifetime_value_cents = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Mean over the period's customers of their all-time succeeded payments"
            " (any appointment status, any paid_at), rounded half up; 0 without customers;"
            " null without can_accept_payments."
        },
    )
    revenue_per_visit_cents = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Succeeded payments paid in the period for visits (of any date) / visits,"
            " rounded half up; 0 without visits; null without can_accept_payments."
        },
    )
    daily_breakdown = fields.List(fields.Nested(CustomerDaySchema))
    period_days = fields.Integer()
    window = fields.Nested(WindowSchema)


@every_field_required
class TeamMemberSchema(Schema):
    resource_id = fields.Integer()
    resource_name = fields.String()
    appointments = fields.Integer()
    confirmed = fields.Integer()
    cancelled = fields.Integer()
    no_show = fields.Integer()
    no_show_rate_percent = fields.Float()
    booked_minutes = fields.Float(
        metadata={"description": "Confirmed and no-show appointments starting in the period."}
    )
    available_minutes = fields.Float(
        metadata={"description": "Working hours (local wall-clock time) minus time off."}
    )
    utilisation_percent = fields.Float(allow_none=True)
    revenue_cents = fields.Integer(
        allow_none=True, metadata={"description": "Null without can_accept_payments."}
    )


@every_field_required
class TeamSchema(Schema):
    resources = fields.List(fields.Nested(TeamMemberSchema))
    booked_minutes = fields.Float()
    available_minutes = fields.Float()
    utilisation_percent = fields.Float(allow_none=True)
    period_days = fields.Integer()
    window = fields.Nested(WindowSchema)
    currency = fields.String(
        metadata={
            "description": "ISO 4217 code of the tenant's currency: every `*_cents` field is an"
            " integer in its minor unit (cents; yen for JPY, which has none; fils, a"
            " thousandth, for KWD)."
        }
    )


@every_field_required
class HeatmapSchema(Schema):
    counts = fields.List(
        fields.List(fields.Integer()),
        metadata={"description": "counts[weekday][hour]: 7 lists (0 = Sunday) of 24 counts."},
    )
    total = fields.Integer()
    period_days = fields.Integer()
    window = fields.Nested(WindowSchema)


@every_field_required
class SeasonalMonthSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM, a local calendar month."})
    appointments = fields.Integer(metadata={"description": "All statuses, by start_time."})
    confirmed = fields.Integer()
    cancelled = fields.Integer()
    no_show = fields.Integer()
    revenue_cents = fields.Integer(
        allow_none=True,
        metadata={"description": "Succeeded payments by paid_at; null without payments."},
    )
    previous_year_appointments = fields.Integer()
    previous_year_revenue_cents = fields.Integer(allow_none=True)
    appointments_yoy_percent = fields.Float(
        allow_none=True, metadata={"description": "Against the same month a year earlier."}
    )
    revenue_yoy_percent = fields.Float(allow_none=True)


@every_field_required
class SeasonalitySchema(Schema):
    months = fields.List(fields.Nested(SeasonalMonthSchema))
    busiest_month_of_year = fields.Integer(
        allow_none=True,
        metadata={
            "description": "1-12: most confirmed appointments summed over the complete years"
            " listed (ties: the earliest); null when there are none (years=1)."
        },
    )
    window = fields.Nested(WindowSchema)
    currency = fields.String(
        metadata={"description": "ISO 4217 code; revenue fields are in its minor unit."}
    )


def _money(description):
    return fields.Integer(
        allow_none=True, metadata={"description": f"{description}; null without payments."}
    )


@every_field_required
class OutlookSoFarSchema(Schema):
    appointments = fields.Integer(
        metadata={"description": "Confirmed appointments starting in [start, now)."}
    )
    revenue_cents = _money("Succeeded payments with paid_at in [start, now)")


@every_field_required
class OutlookBooksSchema(Schema):
    appointments = fields.Integer()
    value_cents = _money("Their services' current prices (no price: 0)")


@every_field_required
class OutlookForecastSchema(Schema):
    appointments = fields.Integer(
        metadata={
            "description": "so_far + on_the_books x (1 - loss rate), rounded half up, + pickup."
        }
    )
    revenue_cents = _money("The same with revenue and values")


@every_field_required
class OutlookLastYearSchema(Schema):
    appointments = fields.Integer(metadata={"description": "Confirmed, the whole period."})
    revenue_cents = _money("Succeeded payments by paid_at, the whole period")
    start_date = fields.String(metadata={"description": "YYYY-MM-DD."})
    end_date = fields.String(metadata={"description": "YYYY-MM-DD, inclusive."})


@every_field_required
class OutlookPaceSchema(Schema):
    last_year_on_the_books = fields.Integer(
        metadata={
            "description": "Last year's period: confirmed appointments from its point to its"
            " end, made at or before its point."
        }
    )
    pace_percent = fields.Float(
        allow_none=True,
        metadata={"description": "on_the_books against it (trend rule); null when it is 0."},
    )


@every_field_required
class OutlookDaySchema(Schema):
    date = fields.String(metadata={"description": "A local date, today and the 13 after it."})
    appointments = fields.Integer(metadata={"description": "Confirmed, starting that day."})
    booked_minutes = fields.Float(
        metadata={
            "description": "Confirmed and no-show appointments' minutes (as the team report)."
        }
    )
    available_minutes = fields.Float(
        metadata={"description": "Working hours minus time off, every resource (or resource_id)."}
    )
    occupancy_percent = fields.Float(
        allow_none=True, metadata={"description": "booked / available; null when available is 0."}
    )


@every_field_required
class OutlookWindowSchema(Schema):
    start_date = fields.String(metadata={"description": "First local day of the period."})
    end_date = fields.String(metadata={"description": "Last local day of the period."})
    time_zone = fields.String()
    as_of = fields.String(metadata={"description": "The request's instant, RFC 3339 UTC."})


@every_field_required
class OutlookSchema(Schema):
    so_far = fields.Nested(OutlookSoFarSchema)
    on_the_books = fields.Nested(
        OutlookBooksSchema,
        metadata={"description": "Confirmed appointments starting in [now, end)."},
    )
    pickup = fields.Nested(
        OutlookBooksSchema,
        metadata={
            "description": "Median over the 8 earlier periods of the confirmed appointments"
            " starting from their point to their end and made after it."
        },
    )
    loss_rate_percent = fields.Float(
        metadata={
            "description": "(cancelled + no_show) / all appointments of the 90 local days"
            " before today; 0.0 when none."
        }
    )
    forecast = fields.Nested(OutlookForecastSchema)
    last_year = fields.Nested(OutlookLastYearSchema)
    forecast_vs_last_year_percent = fields.Float(allow_none=True)
    revenue_forecast_vs_last_year_percent = fields.Float(allow_none=True)
    pace = fields.Nested(OutlookPaceSchema)
    next_days = fields.List(fields.Nested(OutlookDaySchema))
    window = fields.Nested(OutlookWindowSchema)
    currency = fields.String(
        metadata={"description": "ISO 4217 code; money fields are in its minor unit."}
    )


@every_field_required
class CohortSchema(Schema):
    month = fields.String(metadata={"description": "YYYY-MM: the local month of the first visits."})
    new_customers = fields.Integer(
        metadata={"description": "Customers whose first visit ever is in that month."}
    )
    retained = fields.List(
        fields.Integer(),
        metadata={
            "description": "k = 0 .. up to the current month: how many of them have a visit"
            " in the k-th month after it (retained[0] = new_customers)."
        },
    )
    retained_percent = fields.List(
        fields.Float(), metadata={"description": "retained[k] / new_customers; 0.0 when none."}
    )


@every_field_required
class RetentionWindowSchema(Schema):
    start_date = fields.String(metadata={"description": "First day of the oldest month."})
    end_date = fields.String(metadata={"description": "Last day of the current month."})
    time_zone = fields.String()


@every_field_required
class RetentionSchema(Schema):
    cohorts = fields.List(fields.Nested(CohortSchema))
    average_retained_percent = fields.List(
        fields.Float(allow_none=True),
        metadata={
            "description": "k = 0 .. months - 1: sum of retained[k] / sum of new_customers over"
            " the cohorts with an element k; null when that sum is 0."
        },
    )
    window = fields.Nested(RetentionWindowSchema)


@every_field_required
class AtRiskCustomerSchema(Schema):
    customer_id = fields.Integer()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "at_risk or lapsed."})
    visits = fields.Integer(metadata={"description": "Visits on dates before today."})
    first_visit_date = fields.String()
    last_visit_date = fields.String()
    usual_gap_days = fields.Float(
        metadata={"description": "Median of the days between consecutive past visit dates."}
    )
    days_since_last_visit = fields.Integer()
    lifetime_value_cents = fields.Integer(
        allow_none=True, metadata={"description": "As Part 4; null without payments."}
    )
    acquisition_channel = fields.String()


@every_field_required
class AtRiskSchema(Schema):
    customers = fields.List(fields.Nested(AtRiskCustomerSchema))
    total = fields.Integer(metadata={"description": "Entries of the state asked."})
    at_risk_count = fields.Integer()
    lapsed_count = fields.Integer()
    limit = fields.Integer(allow_none=True)
    offset = fields.Integer()


@every_field_required
class AlertSchema(Schema):
    id = fields.Integer()
    rule = fields.String(
        metadata={"description": "no_show_spike, quiet_days_ahead or revenue_drop."}
    )
    subject = fields.String(
        metadata={"description": "YYYY-MM-DD: the day (or the week's Monday) it is about."}
    )
    value = fields.Float(metadata={"description": "The figure that crossed the threshold."})
    baseline = fields.Float(allow_none=True)
    threshold = fields.Float()
    created_at = fields.String(metadata={"description": "RFC 3339, the tenant's offset."})
    message = fields.String()


@every_field_required
class AlertsSchema(Schema):
    alerts = fields.List(fields.Nested(AlertSchema), metadata={"description": "Newest first."})
    days = fields.Integer()
