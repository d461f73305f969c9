"""A period's figures for an email report, from the report functions the API calls.

The report asks the tenant's own SQL functions for the same `start`/`end` an API client
would pass, so every number in the email is the API's number (SPEC Part 3). The few
figures the email adds are read off those bodies:

- busiest_day: the local date with the most appointments (all statuses, as `total`);
  ties go to the earliest date; None when there are none;
- busiest_hour: the local hour of day with the most appointments over the period (the
  heatmap's columns summed); ties go to the lowest hour; None when there are none;
- top_services: the appointments report's first three `by_service` entries;
- turned_at_risk (weekly): how many customers the at-risk report lists as at risk at the
  send instant who were not 7 days before: past 1.5 times their usual gap between visits
  for at most 7 days (days since their last visit - 7 <= 1.5 x their usual gap), with
  nothing booked ahead. A customer who went past 3 times within the week is lapsed, not
  counted. Their usual gap is a median of whole days (a whole or half number), so the
  comparison is exact.
"""

from analytics_app.db.tenant_session import enter_schema
from analytics_app.gating import tenant_has_feature
from analytics_app.reports.calls import call_report

TOP_SERVICES = 3


def _busiest_day(appointments):
    best = None
    for day in appointments["daily_breakdown"]:
        if day["count"] > 0 and (best is None or day["count"] > best["count"]):
            best = day
    return None if best is None else {"date": best["date"], "count": best["count"]}


def _busiest_hour(heatmap):
    per_hour = [sum(row[hour] for row in heatmap["counts"]) for hour in range(24)]
    top = max(per_hour)
    if top == 0:
        return None
    return {"hour": per_hour.index(top), "count": top}


def _turned_at_risk(at_risk):
    return sum(
        1
        for c in at_risk["customers"]
        if c["days_since_last_visit"] - 7 <= 1.5 * c["usual_gap_days"]
    )


def period_figures(session, schema, start, end, now, timeout_ms=None, week_ahead=False):
    """The report's figures for local dates start..end of the tenant `schema`.

    week_ahead: also the outlook of the week holding `now` (a weekly report's "the week
    ahead": what is on the books for the rest of it, and the next 7 days' occupancy) and
    the customers who turned at risk in the 7 days before `now`.

    Runs in the session's current transaction, which it points at the tenant's schema.
    """
    enter_schema(session, schema, timeout_ms=timeout_ms)
    period = {"start": start, "end": end}
    paid = tenant_has_feature("can_accept_payments")

    def call(report):
        return call_report(session, report, period, with_revenue=paid, now=now)

    appointments = call("appointments")
    revenue = call("revenue") if paid else None
    customers = call("customers")
    heatmap = call("heatmap")
    ahead = turned = None
    if week_ahead:
        every_at_risk = {"state": "at_risk", "limit": None}
        turned = _turned_at_risk(
            call_report(session, "at_risk", every_at_risk, with_revenue=paid, now=now)
        )
        outlook = call_report(session, "outlook", {"period": "week"}, with_revenue=paid, now=now)
        ahead = {
            "on_the_books": outlook["on_the_books"],
            "until": outlook["window"]["end_date"],
            "days": outlook["next_days"][:7],
        }
    return {
        "window": appointments["window"],
        "appointments": appointments,
        "revenue": revenue,
        "customers": customers,
        "busiest_day": _busiest_day(appointments),
        "busiest_hour": _busiest_hour(heatmap),
        "top_services": appointments["by_service"][:TOP_SERVICES],
        "week_ahead": ahead,
        "turned_at_risk": turned,
    }
