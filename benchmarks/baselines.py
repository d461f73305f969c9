"""What we compare against, on the same data: the seed's way and a raw GROUP BY."""

import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg


def _median_ms(fn, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def naive_dashboard(conn, timezone):
    """The seed's approach: fetch the rows, count and group them in Python."""
    zone = ZoneInfo(timezone)
    now = datetime.now(UTC)
    rows = conn.execute(
        "SELECT start_time, end_time, status, service_id, resource_id"
        " FROM appointments WHERE status = 'confirmed'"
    ).fetchall()
    local_now = now.astimezone(zone)
    weekdays, hours, minutes, this_month = Counter(), Counter(), 0.0, 0
    resources, services, upcoming = set(), set(), 0
    for start, end, _status, service, resource in rows:
        local = start.astimezone(zone)
        weekdays[local.isoweekday() % 7] += 1
        hours[local.hour] += 1
        minutes += (end - start).total_seconds() / 60
        this_month += (local.year, local.month) == (local_now.year, local_now.month)
        if start >= now:
            resources.add(resource)
            services.add(service)
            upcoming += start < now + timedelta(days=7)
    return len(rows), this_month, upcoming, weekdays, hours, minutes


def naive_appointments(conn, timezone, days):
    zone = ZoneInfo(timezone)
    today = datetime.now(zone).date()
    first = today - timedelta(days=days - 1)
    rows = conn.execute(
        "SELECT start_time, status, service_id, resource_id FROM appointments"
        " WHERE start_time >= %s",
        (datetime.combine(first - timedelta(days=days + 1), datetime.min.time(), UTC),),
    ).fetchall()
    daily, by_service, by_resource = Counter(), Counter(), Counter()
    for start, status, service, resource in rows:
        day = start.astimezone(zone).date()
        if first <= day <= today:
            daily[(day, status)] += 1
            by_service[service] += 1
            by_resource[resource] += 1
    return daily, by_service, by_resource


RAW_DASHBOARD_SQL = """
SELECT count(*) FILTER (WHERE status = 'confirmed'),
       avg(extract(epoch FROM end_time - start_time)) FILTER (WHERE status = 'confirmed'),
       (SELECT extract(dow FROM start_time AT TIME ZONE %(tz)s) FROM appointments
         WHERE status = 'confirmed' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
       (SELECT extract(hour FROM start_time AT TIME ZONE %(tz)s) FROM appointments
         WHERE status = 'confirmed' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
FROM appointments
"""

RAW_APPOINTMENTS_SQL = """
SELECT (start_time AT TIME ZONE %(tz)s)::date, status, service_id, resource_id, count(*)
FROM appointments
WHERE start_time >= now() - %(days)s * interval '1 day' - interval '1 day'
GROUP BY 1, 2, 3, 4
"""


# The customers report's headline figures straight from appointments: distinct
# customers with a visit in the last N local days, new (first visit ever in them),
# rebooked (a visit after their last one in them).
RAW_CUSTOMERS_SQL = """
WITH b AS (SELECT ((now() AT TIME ZONE %(tz)s)::date - (%(days)s - 1))::timestamp
                      AT TIME ZONE %(tz)s AS first,
                  ((now() AT TIME ZONE %(tz)s)::date + 1)::timestamp AT TIME ZONE %(tz)s AS after),
visits AS (SELECT customer_id, start_time FROM appointments
           WHERE status = 'confirmed' AND customer_id IS NOT NULL),
in_period AS (SELECT v.customer_id, max(v.start_time) AS last_in FROM visits v, b
              WHERE v.start_time >= b.first AND v.start_time < b.after GROUP BY 1),
ever AS (SELECT customer_id, min(start_time) AS first_ever, max(start_time) AS last_ever
         FROM visits GROUP BY 1)
SELECT count(*), count(*) FILTER (WHERE e.first_ever >= b.first),
       count(*) FILTER (WHERE e.last_ever > p.last_in)
FROM in_period p JOIN ever e USING (customer_id), b
"""


def measure(dsn, schema, timezone, repeat=5):
    """Median ms of each way of computing the figures, run in-process against PostgreSQL."""
    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{schema}", public')
        return {
            "naive_dashboard": _median_ms(
                lambda: naive_dashboard(conn, timezone), max(1, repeat // 2)
            ),
            "naive_appointments_30": _median_ms(
                lambda: naive_appointments(conn, timezone, 30), repeat
            ),
            "raw_dashboard": _median_ms(
                lambda: conn.execute(RAW_DASHBOARD_SQL, {"tz": timezone}).fetchall(), repeat
            ),
            "raw_appointments_365": _median_ms(
                lambda: conn.execute(
                    RAW_APPOINTMENTS_SQL, {"tz": timezone, "days": 365}
                ).fetchall(),
                repeat,
            ),
            "sql_dashboard": _median_ms(
                lambda: conn.execute("SELECT dashboard_report()::text").fetchone(), repeat * 4
            ),
            "sql_appointments_365": _median_ms(
                lambda: conn.execute("SELECT appointments_report(365)::text").fetchone(), repeat * 4
            ),
            "sql_customers_30": _median_ms(
                lambda: conn.execute("SELECT customers_report(30)::text").fetchone(), repeat * 4
            ),
            "sql_customers_365": _median_ms(
                lambda: conn.execute("SELECT customers_report(365)::text").fetchone(), repeat * 4
            ),
            "raw_customers_365": _median_ms(
                lambda: conn.execute(RAW_CUSTOMERS_SQL, {"tz": timezone, "days": 365}).fetchall(),
                repeat,
            ),
        }
