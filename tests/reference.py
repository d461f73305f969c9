"""The SPEC's metric definitions written out naively in Python, over the rows a test inserted.

Tests insert rows through a Ledger (plain SQL, like a DBA) and compare the
API's answers with these functions, which never read the database. A bug
would have to be made twice, in SQL and here, to go unnoticed; the tests also
assert hand-computed literals for the small scenarios.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

STATUSES = ("confirmed", "cancelled", "no_show")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@dataclass
class Appointment:
    id: int
    service_id: int
    resource_id: int
    start: datetime  # aware
    end: datetime
    status: str
    created: datetime | None = None  # as the database holds it (default now())
    customer_id: int | None = None


@dataclass
class Payment:
    appointment: Appointment
    amount_cents: int
    status: str
    paid_at: datetime | None


@dataclass
class Ledger:
    """Inserts rows into one tenant and remembers them for the reference functions."""

    tenant: object
    services: dict = field(default_factory=dict)
    prices: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    appointments: list = field(default_factory=list)
    payments: list = field(default_factory=list)

    @property
    def zone(self):
        return ZoneInfo(self.tenant.timezone)

    def local(self, day, hour=0, minute=0, second=0, fold=0):
        """An aware datetime at a local wall time of the tenant (fold=1: the 2nd of a repeated hour)."""
        return datetime.combine(day, time(hour, minute, second), self.zone).replace(fold=fold)

    def service(self, id, name, minutes=30, price=1000):  # price None: no price set
        self.tenant.sql(
            "INSERT INTO services (id, name, duration_minutes, price_cents)"
            " VALUES (%s, %s, %s, %s)",
            (id, name, minutes, price),
        )
        self.services[id] = name
        self.prices[id] = price

    def resource(self, id, name):
        self.tenant.sql("INSERT INTO resources (id, name) VALUES (%s, %s)", (id, name))
        self.resources[id] = name

    def customer(self, id, name=None):
        self.tenant.sql(
            "INSERT INTO customers (id, name) VALUES (%s, %s)", (id, name or f"Customer {id}")
        )
        self.customers[id] = name

    def book(
        self,
        start,
        minutes=30,
        status="confirmed",
        service=1,
        resource=1,
        created=None,
        customer=None,
    ):
        end = start + timedelta(minutes=minutes)
        (row,) = self.tenant.sql(
            "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
            " created_at, customer_id) VALUES (%s, %s, %s, %s, %s, coalesce(%s, now()), %s)"
            " RETURNING id, created_at",
            (service, resource, start, end, status, created, customer),
        )
        appointment = Appointment(row[0], service, resource, start, end, status, row[1], customer)
        self.appointments.append(appointment)
        return appointment

    def pay(self, appointment, cents, status="succeeded", paid_at=None):
        self.tenant.sql(
            "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
            " VALUES (%s, %s, %s, %s)",
            (appointment.id, cents, status, paid_at),
        )
        self.payments.append(Payment(appointment, cents, status, paid_at))


def round2(value):
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def percent(part, whole):
    return round2(Decimal(part) * 100 / Decimal(whole))


def rfc3339(moment):
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def period(zone, now, days, start=None, end=None):
    """(last local day, first instant, end instant) of the period: the N local days
    ending today, or start..end inclusive."""
    last = end if start else now.astimezone(zone).date()
    first_day = start if start else last - timedelta(days=days - 1)
    first = datetime.combine(first_day, time(0), zone)
    after = datetime.combine(last + timedelta(days=1), time(0), zone)
    return last, first, after


def window(zone, now, days, start=None, end=None):
    """(days, previous first instant, window object) of a period report."""
    last, first, _ = period(zone, now, days, start, end)
    first_day = first.date()
    n = (last - first_day).days + 1
    previous_first = first_day - timedelta(days=n)
    return (
        n,
        datetime.combine(previous_first, time(0), zone),
        {
            "start_date": first_day.isoformat(),
            "end_date": last.isoformat(),
            "previous_start_date": previous_first.isoformat(),
            "previous_end_date": (first_day - timedelta(days=1)).isoformat(),
            "time_zone": zone.key,
        },
    )


def trend(current, previous):
    return percent(current - previous, previous) if previous else None


def dashboard(ledger, now):
    zone = ledger.zone
    confirmed = [a for a in ledger.appointments if a.status == "confirmed"]
    local_now = now.astimezone(zone)
    month_start = datetime(local_now.year, local_now.month, 1, tzinfo=zone)
    next_month = datetime(
        local_now.year + local_now.month // 12, local_now.month % 12 + 1, 1, tzinfo=zone
    )
    future = [a for a in confirmed if a.start >= now]
    weekdays = Counter((a.start.astimezone(zone).isoweekday() % 7) for a in confirmed)
    hours = Counter(a.start.astimezone(zone).hour for a in confirmed)
    minutes = [Decimal((a.end - a.start).total_seconds()) / 60 for a in confirmed]
    return {
        "total_appointments_this_month": sum(
            month_start <= a.start < next_month for a in confirmed
        ),
        "total_appointments_all_time": len(confirmed),
        "active_resources_count": len({a.resource_id for a in future}),
        "active_services_count": len({a.service_id for a in future}),
        "upcoming_appointments_count": sum(
            now <= a.start < now + timedelta(days=7) for a in confirmed
        ),
        "average_appointment_duration_minutes": round2(sum(minutes) / len(minutes))
        if minutes
        else None,
        "peak_booking_day": WEEKDAYS[min(weekdays, key=lambda d: (-weekdays[d], d))]
        if weekdays
        else None,
        "peak_booking_hour": min(hours, key=lambda h: (-hours[h], h)) if hours else None,
        "period": {
            "start_date": rfc3339(month_start),
            "end_date": rfc3339((next_month - timedelta(seconds=1)).astimezone(zone)),
        },
    }


def _ranking(counts, names, id_key, name_key, value_key="count", extra=None):
    rows = [
        {id_key: i, name_key: names[i], value_key: n, **(extra(i) if extra else {})}
        for i, n in counts.items()
        if n > 0
    ]
    return sorted(rows, key=lambda r: (-r[value_key], r[id_key]))


def appointments(
    ledger, now, days=30, status=None, service_id=None, resource_id=None, start=None, end=None
):
    zone = ledger.zone
    today, first, end_at = period(zone, now, days, start, end)
    days, previous_start, window_body = window(zone, now, days, start, end)
    end = end_at

    def kept(a):
        return (
            (status is None or a.status == status)
            and (service_id is None or a.service_id == service_id)
            and (resource_id is None or a.resource_id == resource_id)
        )

    rows = [a for a in ledger.appointments if kept(a) and first <= a.start < end]
    previous = sum(1 for a in ledger.appointments if kept(a) and previous_start <= a.start < first)
    by_status = {s: sum(a.status == s for a in rows) for s in STATUSES}
    total = len(rows)
    daily = []
    for offset in range(days):
        day = today - timedelta(days=days - 1 - offset)
        on_day = [a for a in rows if a.start.astimezone(zone).date() == day]
        daily.append(
            {
                "date": day.isoformat(),
                "count": len(on_day),
                "status_breakdown": {s: sum(a.status == s for a in on_day) for s in STATUSES},
            }
        )
    return {
        "total": total,
        "by_status": by_status,
        "by_service": _ranking(
            Counter(a.service_id for a in rows), ledger.services, "service_id", "service_name"
        ),
        "by_resource": _ranking(
            Counter(a.resource_id for a in rows), ledger.resources, "resource_id", "resource_name"
        ),
        "daily_breakdown": daily,
        "booking_trend_percent": trend(total, previous),
        "cancellation_rate_percent": percent(by_status["cancelled"], total) if total else 0.0,
        "no_show_rate_percent": percent(by_status["no_show"], total) if total else 0.0,
        "cancelled_value_cents": sum(
            ledger.prices.get(a.service_id) or 0 for a in rows if a.status == "cancelled"
        ),
        "no_show_value_cents": sum(
            ledger.prices.get(a.service_id) or 0 for a in rows if a.status == "no_show"
        ),
        "lead_time": lead_time(rows, zone),
        "period_days": days,
        "window": window_body,
    }


def lead_time(rows, zone):
    """Over the appointments created at or before their start: buckets of lead days
    (local date of start - local date of creation) and the mean lead in hours."""
    ahead = [a for a in rows if a.created <= a.start]
    days = [
        (a.start.astimezone(zone).date() - a.created.astimezone(zone).date()).days for a in ahead
    ]
    seconds = sum(Decimal((a.start - a.created).total_seconds()) for a in ahead)
    return {
        "average_hours": round2(seconds / len(ahead) / 3600) if ahead else None,
        "same_day": sum(d == 0 for d in days),
        "1_to_6_days": sum(1 <= d <= 6 for d in days),
        "7_to_29_days": sum(7 <= d <= 29 for d in days),
        "30_days_or_more": sum(d >= 30 for d in days),
    }


def revenue(ledger, now, days=30, service_id=None, start=None, end=None):
    zone = ledger.zone
    days, previous_start, window_body = window(zone, now, days, start, end)
    today, first, end = period(zone, now, days, start, end)

    def paid(p, since, until, status="succeeded"):
        return (
            p.status == status
            and p.paid_at is not None
            and since <= p.paid_at < until
            and (service_id is None or p.appointment.service_id == service_id)
        )

    rows = [p for p in ledger.payments if paid(p, first, end)]
    previous = sum(p.amount_cents for p in ledger.payments if paid(p, previous_start, first))
    total, count = sum(p.amount_cents for p in rows), len(rows)
    per_service = Counter()
    for p in rows:
        per_service[p.appointment.service_id] += p.amount_cents
    counts = Counter(p.appointment.service_id for p in rows)
    daily = []
    for offset in range(days):
        day = today - timedelta(days=days - 1 - offset)
        on_day = [p for p in rows if p.paid_at.astimezone(zone).date() == day]
        daily.append(
            {
                "date": day.isoformat(),
                "revenue_cents": sum(p.amount_cents for p in on_day),
                "transaction_count": len(on_day),
            }
        )
    by_service = sorted(
        (
            {
                "service_id": i,
                "service_name": ledger.services[i],
                "revenue_cents": per_service[i],
                "count": counts[i],
            }
            for i in counts
        ),
        key=lambda r: (-r["revenue_cents"], r["service_id"]),
    )
    return {
        "total_revenue_cents": total,
        "transaction_count": count,
        "average_transaction_value_cents": int(
            (Decimal(total) / count).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
        if count
        else 0,
        "by_service": by_service,
        "by_resource": sorted(
            (
                {
                    "resource_id": i,
                    "resource_name": ledger.resources[i],
                    "revenue_cents": sum(
                        p.amount_cents for p in rows if p.appointment.resource_id == i
                    ),
                    "count": n,
                }
                for i, n in Counter(p.appointment.resource_id for p in rows).items()
            ),
            key=lambda r: (-r["revenue_cents"], r["resource_id"]),
        ),
        "daily_breakdown": daily,
        "revenue_trend_percent": trend(total, previous),
        "refunded_cents": sum(
            p.amount_cents for p in ledger.payments if paid(p, first, end, "refunded")
        ),
        "period_days": days,
        "window": window_body,
    }


def customers(ledger, now, days=30, start=None, end=None):
    """The customers report: visits are confirmed appointments with a customer."""
    zone = ledger.zone
    n, previous_first, window_object = window(zone, now, days, start, end)
    last, first, after = period(zone, now, days, start, end)
    visits = [a for a in ledger.appointments if a.status == "confirmed" and a.customer_id]
    first_visit = {}
    for v in visits:
        if v.customer_id not in first_visit or v.start < first_visit[v.customer_id]:
            first_visit[v.customer_id] = v.start

    def in_range(moment, since, until):
        return since <= moment < until

    current = [v for v in visits if in_range(v.start, first, after)]
    previous = [v for v in visits if in_range(v.start, previous_first, first)]
    people = {v.customer_id for v in current}
    new = {c for c in people if in_range(first_visit[c], first, after)}
    last_in_period = {}
    for v in current:
        last_in_period[v.customer_id] = max(v.start, last_in_period.get(v.customer_id, v.start))
    rebooked = {
        c for c in people if any(v.customer_id == c and v.start > last_in_period[c] for v in visits)
    }
    walk_ins = [
        a
        for a in ledger.appointments
        if a.status == "confirmed" and a.customer_id is None and in_range(a.start, first, after)
    ]
    daily = []
    for i in range(n):
        day = first.date() + timedelta(days=i)
        on_day = {v.customer_id for v in current if v.start.astimezone(zone).date() == day}
        daily.append(
            {
                "date": day.isoformat(),
                "customers": len(on_day),
                "new_customers": len(
                    {c for c in on_day if first_visit[c].astimezone(zone).date() == day}
                ),
            }
        )
    count = len(people)
    return {
        "customers": count,
        "new_customers": len(new),
        "returning_customers": count - len(new),
        "returning_customer_percent": percent(count - len(new), count) if count else 0.0,
        "visits": len(current),
        "visits_per_customer": round2(Decimal(len(current)) / count) if count else None,
        "rebooked_customers": len(rebooked),
        "rebooking_rate_percent": percent(len(rebooked), count) if count else 0.0,
        "customers_trend_percent": trend(count, len({v.customer_id for v in previous})),
        "walk_in_visits": len(walk_ins),
        "daily_breakdown": daily,
        "period_days": n,
        "window": window_object,
    }
