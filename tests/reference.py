"""The SPEC's metric definitions written out naively in Python, over the rows a test inserted.

Tests insert rows through a Ledger (plain SQL, like a DBA) and compare the
API's answers with these functions, which never read the database. A bug
would have to be made twice, in SQL and here, to go unnoticed; the tests also
assert hand-computed literals for the small scenarios.
"""

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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
    source: str | None = None  # as written (the database trims and lower-cases it)


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
    channels: dict = field(default_factory=dict)  # customer id: acquisition_channel as written
    inactive: set = field(default_factory=set)
    working: list = field(default_factory=list)
    away: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    currency: str = "USD"  # the tenant's (its `*_cents` are in this currency's minor unit)

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

    def resource(self, id, name, active=True):
        self.tenant.sql(
            "INSERT INTO resources (id, name, is_active) VALUES (%s, %s, %s)", (id, name, active)
        )
        self.resources[id] = name
        self.inactive.discard(id)
        if not active:
            self.inactive.add(id)

    def hours(self, resource, weekday, opens, closes):
        """A resource_hours row: weekday 0 = Sunday, opens/closes "HH:MM" ("24:00" allowed)."""
        self.tenant.sql(
            "INSERT INTO resource_hours (resource_id, weekday, opens_at, closes_at)"
            " VALUES (%s, %s, %s, %s)",
            (resource, weekday, opens, closes),
        )
        self.working.append((resource, weekday, opens, closes))

    def time_off(self, resource, starts, ends, reason=None):
        self.tenant.sql(
            "INSERT INTO resource_time_off (resource_id, starts_at, ends_at, reason)"
            " VALUES (%s, %s, %s, %s)",
            (resource, starts, ends, reason),
        )
        self.away.append((resource, starts, ends))

    def customer(self, id, name=None, channel=None):
        self.tenant.sql(
            "INSERT INTO customers (id, name, acquisition_channel) VALUES (%s, %s, %s)",
            (id, name or f"Customer {id}", channel),
        )
        self.customers[id] = name
        self.channels[id] = channel

    def book(
        self,
        start,
        minutes=30,
        status="confirmed",
        service=1,
        resource=1,
        created=None,
        customer=None,
        source=None,
    ):
        end = start + timedelta(minutes=minutes)
        (row,) = self.tenant.sql(
            "INSERT INTO appointments (service_id, resource_id, start_time, end_time, status,"
            " created_at, customer_id, source)"
            " VALUES (%s, %s, %s, %s, %s, coalesce(%s, now()), %s, %s)"
            " RETURNING id, created_at",
            (service, resource, start, end, status, created, customer, source),
        )
        appointment = Appointment(
            row[0], service, resource, start, end, status, row[1], customer, source
        )
        self.appointments.append(appointment)
        return appointment

    def pay(self, appointment, cents, status="succeeded", paid_at=None):
        self.tenant.sql(
            "INSERT INTO payments (appointment_id, amount_cents, status, paid_at)"
            " VALUES (%s, %s, %s, %s)",
            (appointment.id, cents, status, paid_at),
        )
        self.payments.append(Payment(appointment, cents, status, paid_at))


def chosen(value, wanted):
    """A filter of the API: None (all), one id, or a list of ids (any of them)."""
    if wanted is None:
        return True
    if isinstance(wanted, (list, tuple, set)):
        return value in wanted
    return value == wanted


def answered_at(zone, call):
    """(call(), the instant it was answered): for a `days` period, which ends today by the
    clock; called again if the tenant's local date changed during the call."""
    while True:
        before = datetime.now(UTC)
        result = call()
        after = datetime.now(UTC)
        if before.astimezone(zone).date() == after.astimezone(zone).date():
            return result, after


def channel(value):
    """SPEC Part 4: trimmed of surrounding whitespace, lower-cased; NULL and blank read as
    `unknown`."""
    value = (value or "").strip(" \t\n\r\f\v").lower()
    return value or "unknown"


def by_channel(values, key):
    """[{key, count}] of the normalised values, count desc then name."""
    counts = Counter(channel(v) for v in values)
    return [{key: k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def half_up(numerator, denominator):
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_UP))


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
    seconds = sum(elapsed(a.start, a.end) for a in confirmed)  # exact; divided once below
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
        "average_appointment_duration_minutes": round2(seconds / (60 * len(confirmed)))
        if confirmed
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
            and chosen(a.service_id, service_id)
            and chosen(a.resource_id, resource_id)
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
        "by_source": by_channel([a.source for a in rows], "source"),
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
        "currency": ledger.currency,
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
            and chosen(p.appointment.service_id, service_id)
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
        "currency": ledger.currency,
    }


def customers(ledger, now, days=30, start=None, end=None, with_revenue=True):
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
    # Lifetime value: each customer's succeeded payments, any paid_at, any appointment status.
    lifetime = sum(
        p.amount_cents
        for p in ledger.payments
        if p.status == "succeeded" and p.appointment.customer_id in people
    )
    # Revenue per visit: paid in the period, for a visit of any date.
    visit_revenue = sum(
        p.amount_cents
        for p in ledger.payments
        if p.status == "succeeded"
        and p.paid_at is not None
        and in_range(p.paid_at, first, after)
        and p.appointment.status == "confirmed"
        and p.appointment.customer_id is not None
    )
    count_money = with_revenue or None
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
        "new_customers_by_channel": by_channel([ledger.channels.get(c) for c in new], "channel"),
        "average_lifetime_value_cents": count_money and (half_up(lifetime, count) if count else 0),
        "revenue_per_visit_cents": count_money
        and (half_up(visit_revenue, len(current)) if current else 0),
        "daily_breakdown": daily,
        "period_days": n,
        "window": window_object,
    }


def wall_clock(day, clock, zone):
    """The instant of local date + time-of-day, as PostgreSQL's `timestamp AT TIME ZONE`
    reads it: a time skipped by a DST change is read with the offset before the change
    (fold=0), a repeated time as its later instant (fold=1, standard time)."""
    hours, minutes = (int(x) for x in clock.split(":"))
    naive = datetime.combine(day, time(0)) + timedelta(hours=hours, minutes=minutes)
    early = naive.replace(tzinfo=zone)
    late = naive.replace(tzinfo=zone, fold=1)
    # (Returned in UTC: Python subtracts two datetimes of the same zone by wall clock.)
    if early.utcoffset() == late.utcoffset():
        return early.astimezone(UTC)
    # Repeated time: both folds round-trip; skipped time: neither does.
    repeated = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    return (late if repeated else early).astimezone(UTC)


def elapsed(start, end):
    """Seconds (exact) from start to end as instants (not wall clock), as PostgreSQL does."""
    return Decimal((end.astimezone(UTC) - start.astimezone(UTC)) // timedelta(microseconds=1)) / (
        1_000_000
    )


def _union(intervals):
    merged = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def _minus(intervals, holes):
    """Length in seconds (exact, a Decimal) of the union of intervals minus the holes."""
    micro = timedelta(microseconds=1)
    total = 0
    for lo, hi in _union(intervals):
        covered = sum(
            (min(hi, h_hi) - max(lo, h_lo)) // micro
            for h_lo, h_hi in _union(holes)
            if h_lo < hi and h_hi > lo
        )
        total += (hi - lo) // micro - covered
    return Decimal(total) / 1_000_000


def available_seconds(ledger, resource, day):
    zone = ledger.zone
    weekday = day.isoweekday() % 7
    shifts = [
        (wall_clock(day, opens, zone), wall_clock(day, closes, zone))
        for rid, w, opens, closes in ledger.working
        if rid == resource and w == weekday
    ]
    holes = [(s.astimezone(UTC), e.astimezone(UTC)) for rid, s, e in ledger.away if rid == resource]
    return _minus(shifts, holes)


def team(ledger, now, days=30, start=None, end=None, with_revenue=True):
    zone = ledger.zone
    n, _, window_object = window(zone, now, days, start, end)
    last, first, after = period(zone, now, days, start, end)
    dates = [first.date() + timedelta(days=i) for i in range(n)]
    entries = []
    totals = [Decimal(0), Decimal(0)]
    for rid in sorted(ledger.resources):
        mine = [a for a in ledger.appointments if a.resource_id == rid and first <= a.start < after]
        if rid in ledger.inactive and not mine:
            continue
        by_status = Counter(a.status for a in mine)
        booked = Decimal(sum(elapsed(a.start, a.end) for a in mine if a.status != "cancelled"))
        available = sum(available_seconds(ledger, rid, d) for d in dates)
        revenue = sum(
            p.amount_cents
            for p in ledger.payments
            if p.status == "succeeded"
            and p.paid_at is not None
            and first <= p.paid_at < after
            and p.appointment.resource_id == rid
        )
        totals[0] += booked
        totals[1] += available
        entries.append(
            {
                "resource_id": rid,
                "resource_name": ledger.resources[rid],
                "appointments": len(mine),
                "confirmed": by_status["confirmed"],
                "cancelled": by_status["cancelled"],
                "no_show": by_status["no_show"],
                "no_show_rate_percent": percent(by_status["no_show"], len(mine)) if mine else 0.0,
                "booked_minutes": round2(booked / 60),
                "available_minutes": round2(available / 60),
                "utilisation_percent": percent(booked, available) if available else None,
                "revenue_cents": revenue if with_revenue else None,
            }
        )
    return {
        "resources": entries,
        "booked_minutes": round2(totals[0] / 60),
        "available_minutes": round2(totals[1] / 60),
        "utilisation_percent": percent(totals[0], totals[1]) if totals[1] else None,
        "period_days": n,
        "window": window_object,
        "currency": ledger.currency,
    }


def heatmap(
    ledger, now, days=30, start=None, end=None, status=None, service_id=None, resource_id=None
):
    zone = ledger.zone
    n, _, window_object = window(zone, now, days, start, end)
    last, first, after = period(zone, now, days, start, end)
    counts = [[0] * 24 for _ in range(7)]
    for a in ledger.appointments:
        if not (first <= a.start < after):
            continue
        if status and a.status != status:
            continue
        if not chosen(a.service_id, service_id):
            continue
        if not chosen(a.resource_id, resource_id):
            continue
        local = a.start.astimezone(zone)
        counts[local.isoweekday() % 7][local.hour] += 1
    return {
        "counts": counts,
        "total": sum(map(sum, counts)),
        "period_days": n,
        "window": window_object,
    }


def seasonality(ledger, now, years=2, service_id=None, resource_id=None, with_revenue=True):
    """SPEC Part 4's seasonality body, month by month from the rows the test inserted."""
    zone = ledger.zone
    local_now = now.astimezone(zone)
    first = date(local_now.year - years + 1, 1, 1)

    def month_of(moment):
        local = moment.astimezone(zone)
        return local.year, local.month

    def kept(a):
        return chosen(a.service_id, service_id) and chosen(a.resource_id, resource_id)

    counts, revenue = Counter(), Counter()
    for a in ledger.appointments:
        if kept(a):
            counts[month_of(a.start), a.status] += 1
    for p in ledger.payments:
        if p.status == "succeeded" and p.paid_at is not None and kept(p.appointment):
            revenue[month_of(p.paid_at)] += p.amount_cents

    def appointments(month):
        return sum(counts[month, s] for s in STATUSES)

    months, year, month = [], first.year, 1
    while (year, month) <= (local_now.year, local_now.month):
        key, before = (year, month), (year - 1, month)
        months.append(
            {
                "month": f"{year:04d}-{month:02d}",
                "appointments": appointments(key),
                "confirmed": counts[key, "confirmed"],
                "cancelled": counts[key, "cancelled"],
                "no_show": counts[key, "no_show"],
                "revenue_cents": revenue[key] if with_revenue else None,
                "previous_year_appointments": appointments(before),
                "previous_year_revenue_cents": revenue[before] if with_revenue else None,
                "appointments_yoy_percent": trend(appointments(key), appointments(before)),
                "revenue_yoy_percent": trend(revenue[key], revenue[before])
                if with_revenue
                else None,
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    per_month_of_year = Counter()
    for entry in months:
        if int(entry["month"][:4]) < local_now.year:
            per_month_of_year[int(entry["month"][5:])] += entry["confirmed"]
    busiest = None
    for m in range(1, 13):
        if per_month_of_year[m] > 0 and (
            busiest is None or per_month_of_year[m] > per_month_of_year[busiest]
        ):
            busiest = m
    last_day = calendar.monthrange(local_now.year, local_now.month)[1]
    previous_last = calendar.monthrange(local_now.year - 1, local_now.month)[1]
    return {
        "months": months,
        "busiest_month_of_year": busiest,
        "window": {
            "start_date": first.isoformat(),
            "end_date": date(local_now.year, local_now.month, last_day).isoformat(),
            "previous_start_date": date(first.year - 1, 1, 1).isoformat(),
            "previous_end_date": date(
                local_now.year - 1, local_now.month, previous_last
            ).isoformat(),
            "time_zone": zone.key,
        },
        "currency": ledger.currency,
    }


def instant(naive, zone):
    """A local wall time (naive datetime) as PostgreSQL's `timestamp AT TIME ZONE` reads it
    (as wall_clock: a skipped time with the offset before the change, a repeated one as
    its later instant)."""
    early = naive.replace(tzinfo=zone)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early.astimezone(UTC)
    repeated = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    return (late if repeated else early).astimezone(UTC)


def period_first_day(day, kind):
    """First local date of the week (Monday), month or quarter holding `day`."""
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def shift_periods(first, kind, k):
    """The first day of the period k periods after the one starting on `first`."""
    if kind == "week":
        return first + timedelta(weeks=k)
    months = first.month - 1 + (1 if kind == "month" else 3) * k
    return date(first.year + months // 12, months % 12 + 1, 1)


def year_before(day):
    """The same local date a year earlier; 29 February -> 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def outlook(ledger, now, period="month", service_id=None, resource_id=None, with_revenue=True):
    """SPEC Part 5, GET /api/analytics/analytics/outlook/, read word by word."""
    zone = ledger.zone
    wall_now = now.astimezone(zone).replace(tzinfo=None)
    today = wall_now.date()
    first = period_first_day(today, period)
    elapsed_wall = wall_now - datetime.combine(first, time(0))

    def bounds(first_day):  # (start, point, end) instants of the period starting then
        start_wall = datetime.combine(first_day, time(0))
        end_wall = datetime.combine(shift_periods(first_day, period, 1), time(0))
        point_wall = min(start_wall + elapsed_wall, end_wall)
        return instant(start_wall, zone), instant(point_wall, zone), instant(end_wall, zone)

    def kept(a):
        return chosen(a.service_id, service_id) and chosen(a.resource_id, resource_id)

    rows = [a for a in ledger.appointments if kept(a)]
    confirmed = [a for a in rows if a.status == "confirmed"]

    def value(items):
        return sum(ledger.prices[a.service_id] or 0 for a in items)

    def revenue(since, until):
        return sum(
            p.amount_cents
            for p in ledger.payments
            if p.status == "succeeded"
            and kept(p.appointment)
            and p.paid_at is not None
            and since <= p.paid_at < until
        )

    start, _, end = bounds(first)
    so_far = [a for a in confirmed if start <= a.start < now]
    books = [a for a in confirmed if now <= a.start < end]
    late_counts, late_values = [], []
    for k in range(1, 9):
        _, point, p_end = bounds(shift_periods(first, period, -k))
        late = [a for a in confirmed if point <= a.start < p_end and a.created > point]
        late_counts.append(len(late))
        late_values.append(value(late))

    def median(values):
        ordered = sorted(values)
        return half_up(ordered[3] + ordered[4], 2)

    pickup = (median(late_counts), median(late_values))
    since = instant(datetime.combine(today - timedelta(days=90), time(0)), zone)
    until = instant(datetime.combine(today, time(0)), zone)
    recent = [a for a in rows if since <= a.start < until]
    lost = sum(1 for a in recent if a.status in ("cancelled", "no_show"))

    def kept_share(n):  # round_half_up(n x (1 - loss))
        return half_up(n * (len(recent) - lost), len(recent)) if recent else n

    forecast_n = len(so_far) + kept_share(len(books)) + pickup[0]
    forecast_v = revenue(start, now) + kept_share(value(books)) + pickup[1]
    ly_first = period_first_day(year_before(today), period)
    ly_start, ly_point, ly_end = bounds(ly_first)
    ly = [a for a in confirmed if ly_start <= a.start < ly_end]
    ly_books = [a for a in ly if a.start >= ly_point and a.created <= ly_point]
    ly_revenue = revenue(ly_start, ly_end)

    def money(x):
        return x if with_revenue else None

    next_days = []
    for i in range(14):
        day = today + timedelta(days=i)
        lo = instant(datetime.combine(day, time(0)), zone)
        hi = instant(datetime.combine(day + timedelta(days=1), time(0)), zone)
        that_day = [a for a in rows if lo <= a.start < hi]
        booked = sum(
            (elapsed(a.start, a.end) for a in that_day if a.status in ("confirmed", "no_show")),
            Decimal(0),
        )
        available = sum(
            (available_seconds(ledger, r, day) for r in ledger.resources if chosen(r, resource_id)),
            Decimal(0),
        )
        next_days.append(
            {
                "date": day.isoformat(),
                "appointments": sum(1 for a in that_day if a.status == "confirmed"),
                "booked_minutes": round2(booked / 60),
                "available_minutes": round2(available / 60),
                "occupancy_percent": percent(booked, available) if available else None,
            }
        )
    return {
        "so_far": {"appointments": len(so_far), "revenue_cents": money(revenue(start, now))},
        "on_the_books": {"appointments": len(books), "value_cents": money(value(books))},
        "pickup": {"appointments": pickup[0], "value_cents": money(pickup[1])},
        "loss_rate_percent": percent(lost, len(recent)) if recent else 0.0,
        "forecast": {"appointments": forecast_n, "revenue_cents": money(forecast_v)},
        "last_year": {
            "appointments": len(ly),
            "revenue_cents": money(ly_revenue),
            "start_date": ly_first.isoformat(),
            "end_date": (shift_periods(ly_first, period, 1) - timedelta(days=1)).isoformat(),
        },
        "forecast_vs_last_year_percent": trend(forecast_n, len(ly)),
        "revenue_forecast_vs_last_year_percent": (
            trend(forecast_v, ly_revenue) if with_revenue else None
        ),
        "pace": {
            "last_year_on_the_books": len(ly_books),
            "pace_percent": trend(len(books), len(ly_books)),
        },
        "next_days": next_days,
        "window": {
            "start_date": first.isoformat(),
            "end_date": (shift_periods(first, period, 1) - timedelta(days=1)).isoformat(),
            "time_zone": zone.key,
            "as_of": rfc3339(now.astimezone(UTC)),
        },
        "currency": ledger.currency,
    }


def _add_months(first, n):
    months = first.month - 1 + n
    return date(first.year + months // 12, months % 12 + 1, 1)


def _visit_dates(ledger):
    """{customer id: [local dates of their visits]} (confirmed appointments with a customer)."""
    dates = {}
    for a in ledger.appointments:
        if a.status == "confirmed" and a.customer_id is not None:
            dates.setdefault(a.customer_id, []).append(a.start.astimezone(ledger.zone).date())
    return dates


def retention(ledger, now, months=12):
    """SPEC Part 5, GET /api/analytics/analytics/retention/."""
    zone = ledger.zone
    today = now.astimezone(zone).date()
    current = today.replace(day=1)
    first_month = _add_months(current, -(months - 1))
    visits = _visit_dates(ledger)
    visited = {c: {d.replace(day=1) for d in days} for c, days in visits.items()}
    cohorts = []
    for i in range(months):
        month = _add_months(first_month, i)
        members = [c for c, days in visits.items() if min(days).replace(day=1) == month]
        retained = [
            sum(1 for c in members if _add_months(month, k) in visited[c])
            for k in range(months - i)
        ]
        cohorts.append(
            {
                "month": f"{month:%Y-%m}",
                "new_customers": len(members),
                "retained": retained,
                "retained_percent": [
                    percent(r, len(members)) if members else 0.0 for r in retained
                ],
            }
        )
    average = []
    for k in range(months):
        having = [c for c in cohorts if len(c["retained"]) > k]
        new = sum(c["new_customers"] for c in having)
        kept = sum(c["retained"][k] for c in having)
        average.append(percent(kept, new) if new else None)
    return {
        "cohorts": cohorts,
        "average_retained_percent": average,
        "window": {
            "start_date": first_month.isoformat(),
            "end_date": (_add_months(current, 1) - timedelta(days=1)).isoformat(),
            "time_zone": zone.key,
        },
    }


def _median(values):
    ordered = sorted(Decimal(v) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def at_risk(ledger, now, state="at_risk", limit=100, offset=0, with_revenue=True):
    """SPEC Part 5, GET /api/analytics/analytics/at-risk/ (limit None: every entry)."""
    zone = ledger.zone
    today = now.astimezone(zone).date()
    ahead = {
        a.customer_id
        for a in ledger.appointments
        if a.status == "confirmed" and a.customer_id is not None and a.start >= now
    }
    entries = []
    for cid, days in _visit_dates(ledger).items():
        past = [d for d in days if d < today]
        dates = sorted(set(past))
        if cid in ahead or len(dates) < 2:
            continue
        gap = _median((b - a).days for a, b in zip(dates, dates[1:], strict=False))
        since = (today - dates[-1]).days
        kind = "lapsed" if since > 3 * gap else "at_risk" if since > Decimal("1.5") * gap else None
        if kind is None:
            continue
        lifetime = sum(
            p.amount_cents
            for p in ledger.payments
            if p.status == "succeeded" and p.appointment.customer_id == cid
        )
        entries.append(
            {
                "customer_id": cid,
                "name": ledger.customers[cid] or f"Customer {cid}",
                "email": None,
                "state": kind,
                "visits": len(past),
                "first_visit_date": dates[0].isoformat(),
                "last_visit_date": dates[-1].isoformat(),
                "usual_gap_days": round2(gap),
                "days_since_last_visit": since,
                "lifetime_value_cents": lifetime if with_revenue else None,
                "acquisition_channel": channel(ledger.channels[cid]),
            }
        )
    entries.sort(key=lambda e: (-(e["lifetime_value_cents"] or 0), e["customer_id"]))
    chosen_ = [e for e in entries if state == "all" or e["state"] == state]
    page = chosen_[offset:] if limit is None else chosen_[offset : offset + limit]
    return {
        "customers": page,
        "total": len(chosen_),
        "at_risk_count": sum(1 for e in entries if e["state"] == "at_risk"),
        "lapsed_count": sum(1 for e in entries if e["state"] == "lapsed"),
        "limit": limit,
        "offset": offset,
    }
