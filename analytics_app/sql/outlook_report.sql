-- The body of GET /api/analytics/analytics/outlook/ (SPEC Part 5), as JSON: how the
-- current week, month or quarter will end. p_period: 'week' (Monday-Sunday), 'month' or
-- 'quarter'; p_service_id / p_resource_id: only these (NULL: all); p_revenue false: every
-- money figure null (tenants without payments). NULL when p_period is not one of them.
--
-- The current period runs from local midnight of its first day (start) to local midnight
-- after its last (end); elapsed = now - start as local wall times (days and time of day).
-- An earlier period's point is its local start + elapsed, in the tenant's zone, at most
-- its end. Value = the service's current price (NULL counting 0).
CREATE FUNCTION outlook_report(
    p_period text DEFAULT 'month',
    p_service_id bigint[] DEFAULT NULL,
    p_resource_id bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now(),
    p_revenue boolean DEFAULT true
) RETURNS json
LANGUAGE plpgsql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- Planned once per session (a generic plan, kept by PL/pgSQL): planning this query took
-- 15-18 ms of each call, longer than running it. The plan does not depend on the
-- arguments: every filter's arms are switched on or off by one-time filters.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
RETURN (
WITH current_period AS MATERIALIZED (
    SELECT z.tz, z.local_now, z.local_now::date AS today, u.length,
           (z.local_now::date)::timestamp AT TIME ZONE z.tz AS today_starts,
           (z.local_now::date + 1)::timestamp AT TIME ZONE z.tz AS tomorrow_starts,
           date_trunc(u.field, z.local_now) AS start_local,
           date_trunc(u.field, z.local_now) + u.length AS end_local,
           z.local_now - date_trunc(u.field, z.local_now) AS elapsed
    FROM (SELECT tenant_timezone() AS tz OFFSET 0) t
    CROSS JOIN LATERAL (SELECT t.tz, p_now AT TIME ZONE t.tz AS local_now) z
    CROSS JOIN LATERAL (
        SELECT p_period AS field,
               CASE p_period WHEN 'week' THEN interval '7 days'
                             WHEN 'month' THEN interval '1 month'
                             ELSE interval '3 months' END AS length
        WHERE p_period IN ('week', 'month', 'quarter')
    ) u
),
-- Each period: the current one (k = 0), the 8 before it (k = 1..8) and the one holding
-- the local date a year before today (k = -1; 29 February -> 28 February); its start,
-- point and end as instants and local days, and the instant its point's day ends.
periods AS MATERIALIZED (
    SELECT s.k, s.start_local,
           s.start_local::date AS start_day,
           s.start_local AT TIME ZONE c.tz AS starts,
           (s.start_local + c.length)::date AS end_day,
           (s.start_local + c.length) AT TIME ZONE c.tz AS ends,
           p.local::date AS point_day,
           p.local AT TIME ZONE c.tz AS point,
           (p.local::date + 1)::timestamp AT TIME ZONE c.tz AS point_day_ends
    FROM current_period c
    CROSS JOIN LATERAL (
        SELECT k, c.start_local - k * c.length AS start_local FROM generate_series(0, 8) AS k
        UNION ALL
        SELECT -1, date_trunc(p_period, ((c.today - interval '1 year')::date)::timestamp)
    ) s
    CROSS JOIN LATERAL (
        SELECT least(s.start_local + c.elapsed, s.start_local + c.length) AS local
    ) p
),
-- The filters, written once. Raw rows for the parts of days (each use reads its own range
-- through an index); whole days from the rollups (their views add what is not folded yet).
kept AS NOT MATERIALIZED (
    SELECT a.start_time, a.status, a.created_at, coalesce(s.price_cents, 0) AS value
    FROM appointments a JOIN services s ON s.id = a.service_id
    WHERE (p_service_id IS NULL OR a.service_id = ANY (p_service_id))
      AND (p_resource_id IS NULL OR a.resource_id = ANY (p_resource_id))
),
kept_days AS NOT MATERIALIZED (  -- per day and status, with value (unfiltered: coarser)
    SELECT r.day, r.status, r.appointments, r.appointments * coalesce(s.price_cents, 0) AS value
    FROM appointment_rollup_daily r JOIN services s ON s.id = r.service_id
    WHERE (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
      AND (p_service_id IS NULL OR r.service_id = ANY (p_service_id))
      AND (p_resource_id IS NULL OR r.resource_id = ANY (p_resource_id))
    UNION ALL
    SELECT r.day, r.status, r.appointments, r.appointments * coalesce(s.price_cents, 0)
    FROM appointment_rollup_day_service r JOIN services s ON s.id = r.service_id
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
),
kept_counts AS NOT MATERIALIZED (  -- per day and status, counts only (unfiltered: coarser)
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_daily r
    WHERE p_resource_id IS NOT NULL
      AND (p_service_id IS NULL OR r.service_id = ANY (p_service_id))
      AND r.resource_id = ANY (p_resource_id)
    UNION ALL
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_day_service r
    WHERE p_service_id IS NOT NULL AND p_resource_id IS NULL
      AND r.service_id = ANY (p_service_id)
    UNION ALL
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_day_status r
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
),
kept_durations AS NOT MATERIALIZED (  -- booked seconds per day and status
    SELECT r.day, r.status, r.appointments, r.duration_seconds
    FROM appointment_rollup_daily r
    WHERE (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
      AND (p_service_id IS NULL OR r.service_id = ANY (p_service_id))
      AND (p_resource_id IS NULL OR r.resource_id = ANY (p_resource_id))
    UNION ALL
    SELECT r.day, r.status, r.appointments, r.duration_seconds
    FROM appointment_rollup_day_resource r
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
),
paid AS NOT MATERIALIZED (  -- a payment by its appointment's service and resource
    SELECT p.amount_cents, p.paid_at
    FROM payments p  -- (every payment has its appointment: no join without a filter)
    WHERE p_revenue AND p.status = 'succeeded' AND p_service_id IS NULL AND p_resource_id IS NULL
    UNION ALL
    SELECT p.amount_cents, p.paid_at
    FROM payments p JOIN appointments a ON a.id = p.appointment_id
    WHERE p_revenue AND p.status = 'succeeded'
      AND (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
      AND (p_service_id IS NULL OR a.service_id = ANY (p_service_id))
      AND (p_resource_id IS NULL OR a.resource_id = ANY (p_resource_id))
),
paid_days AS NOT MATERIALIZED (  -- (unfiltered: one row a day)
    SELECT r.day, r.revenue_cents FROM payment_rollup_daily r
    WHERE p_revenue AND (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
      AND (p_service_id IS NULL OR r.service_id = ANY (p_service_id))
      AND (p_resource_id IS NULL OR r.resource_id = ANY (p_resource_id))
    UNION ALL
    SELECT r.day, r.revenue_cents FROM payment_rollup_day r
    WHERE p_revenue AND p_service_id IS NULL AND p_resource_id IS NULL
),
-- Confirmed appointments starting from each period's point to its end, and those of them
-- made after the point (late): the point's own day from the rows; the days after it
-- from the rollups, with the appointments made on the point's day after it from the rows.
from_point AS (
    SELECT e.k,
           (SELECT count(*) FROM kept a
            WHERE a.status = 'confirmed' AND a.start_time >= e.point
              AND a.start_time < least(e.point_day_ends, e.ends))
           + (SELECT coalesce(sum(d.appointments), 0) FROM kept_counts d
              WHERE d.status = 'confirmed' AND d.day > e.point_day AND d.day < e.end_day)
               AS appointments
    FROM periods e WHERE e.k = -1
),
late_rows AS (
    SELECT e.k, 1 AS n, a.value  -- starting on the point's day after it, made after it
    FROM periods e JOIN kept a
      ON a.status = 'confirmed' AND a.start_time >= e.point
     AND a.start_time < least(e.point_day_ends, e.ends) AND a.created_at > e.point
    WHERE e.k <> 0
    UNION ALL  -- starting on a later day, made on the point's day after it (found by
    SELECT e.k, 1, a.value  -- when they were made: OFFSET 0 keeps the start range out)
    FROM periods e CROSS JOIN LATERAL (
        SELECT a.start_time, a.value FROM kept a
        WHERE a.status = 'confirmed' AND a.created_at > e.point
          AND a.created_at < e.point_day_ends OFFSET 0) a
    WHERE e.k <> 0 AND a.start_time >= e.point_day_ends AND a.start_time < e.ends
    UNION ALL  -- starting on a later day, made on a later day: the period's weeks or months
    SELECT e.k, b.appointments, b.value  -- made after the point's day, less those of them
    FROM periods e CROSS JOIN LATERAL (  -- starting up to that day (made after their day)
        SELECT sum(b.appointments) AS appointments,
               sum(b.appointments * coalesce(s.price_cents, 0)) AS value
        FROM (SELECT b.service_id, sum(b.appointments) AS appointments FROM (
            SELECT b.service_id, b.resource_id, b.appointments
            FROM appointment_rollup_booked_week b
            WHERE p_period = 'week' AND b.week = e.start_day AND b.created_day > e.point_day
            UNION ALL  -- a month's or a quarter's months, each found by the index
            SELECT b.service_id, NULL, b.appointments
            FROM appointment_rollup_booked_month b
            WHERE p_period <> 'week' AND p_resource_id IS NULL
              AND b.created_day > e.point_day AND b.month < e.end_day
              AND b.month = ANY (ARRAY[e.start_day, (e.start_local + interval '1 month')::date,
                                       (e.start_local + interval '2 months')::date])
            UNION ALL  -- the same per resource when resources are asked
            SELECT b.service_id, b.resource_id, b.appointments
            FROM appointment_rollup_booked_month_resource b
            WHERE p_period <> 'week' AND p_resource_id IS NOT NULL
              AND b.created_day > e.point_day AND b.month < e.end_day
              AND b.month = ANY (ARRAY[e.start_day, (e.start_local + interval '1 month')::date,
                                       (e.start_local + interval '2 months')::date])
            UNION ALL
            SELECT b.service_id, b.resource_id, -b.appointments
            FROM appointment_rollup_booked_late b
            WHERE b.day >= e.start_day AND b.day <= e.point_day AND b.day < e.end_day
              AND b.created_day > e.point_day
        ) b
        WHERE (p_service_id IS NULL OR b.service_id = ANY (p_service_id))
          AND (p_resource_id IS NULL OR b.resource_id = ANY (p_resource_id))
        GROUP BY b.service_id) b JOIN services s ON s.id = b.service_id) b
    WHERE e.k <> 0 AND b.appointments IS NOT NULL
),
late AS (
    SELECT e.k, coalesce(sum(r.n), 0) AS appointments, coalesce(sum(r.value), 0) AS value
    FROM periods e LEFT JOIN late_rows r USING (k)
    WHERE e.k <> 0
    GROUP BY e.k
),
pickup AS (  -- medians of 8: the mean of the middle two, rounded half up
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY appointments)::numeric)::bigint
               AS appointments,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY value)::numeric)::bigint AS value
    FROM late WHERE k BETWEEN 1 AND 8
),
rest_of_today AS MATERIALIZED (  -- [now, tomorrow): today's rows still to start
    SELECT count(*) AS appointments, coalesce(sum(a.value), 0) AS value
    FROM current_period c JOIN kept a
      ON a.status = 'confirmed' AND a.start_time >= p_now AND a.start_time < c.tomorrow_starts
),
-- [start, now): whole days up to today less the rest of today (the part of today still to
-- come holds fewer rows than the part gone, none at all for payments made as they happen).
so_far AS (
    SELECT (SELECT coalesce(sum(d.appointments), 0) FROM kept_counts d
            WHERE d.status = 'confirmed' AND d.day >= n.start_day AND d.day <= c.today)
           - r.appointments AS appointments,
           (SELECT coalesce(sum(d.revenue_cents), 0) FROM paid_days d
            WHERE d.day >= n.start_day AND d.day <= c.today)
           - (SELECT coalesce(sum(amount_cents), 0) FROM paid
              WHERE paid_at >= p_now AND paid_at < c.tomorrow_starts) AS revenue
    FROM periods n, current_period c, rest_of_today r WHERE n.k = 0
),
on_the_books AS (  -- [now, end): the rest of today's rows, then the days after it
    SELECT r.appointments + d.appointments AS appointments, r.value + d.value AS value
    FROM periods n, current_period c, rest_of_today r
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(k.appointments), 0) AS appointments,
               coalesce(sum(k.value), 0) AS value
        FROM kept_days k
        WHERE k.status = 'confirmed' AND k.day > c.today AND k.day < n.end_day) d
    WHERE n.k = 0
),
-- (Days bounded by values of current_period read as scalars: a join with it would not
-- reach the rollups' indexes, and every day kept was read: 10.7 ms instead of 2 at 1M.)
losses AS (  -- the 90 local days before today
    SELECT coalesce(sum(d.appointments) FILTER (WHERE d.status IN ('cancelled', 'no_show')), 0)
               AS lost,
           coalesce(sum(d.appointments), 0) AS appointments
    FROM kept_counts d
    WHERE d.day >= (SELECT today - 90 FROM current_period)
      AND d.day < (SELECT today FROM current_period)
),
year_before AS MATERIALIZED (  -- (read once: its figures are used more than once)
    SELECT (SELECT coalesce(sum(d.appointments), 0) FROM kept_counts d
            WHERE d.status = 'confirmed' AND d.day >= y.start_day AND d.day < y.end_day)
               AS appointments,
           (SELECT coalesce(sum(d.revenue_cents), 0) FROM paid_days d
            WHERE d.day >= y.start_day AND d.day < y.end_day) AS revenue,
           f.appointments - l.appointments AS on_the_books,
           y.start_day AS start_date, y.end_day - 1 AS end_date
    FROM periods y JOIN from_point f USING (k) JOIN late l USING (k)
    WHERE y.k = -1
),
-- on the books x (1 - loss rate), rounded half up: n x (all - lost) / all, multiplied
-- first and divided once. (Dividing first rounds (all - lost) / all to numeric's 20
-- digits: 3 x 5/6 came out 2.4999... and rounded to 2, not 3.)
forecast AS (
    SELECT s.appointments + pk.appointments
               + CASE WHEN l.appointments = 0 THEN o.appointments
                      ELSE round(o.appointments * (l.appointments - l.lost)::numeric
                                 / l.appointments)::bigint END
               AS appointments,
           s.revenue + pk.value
               + CASE WHEN l.appointments = 0 THEN round(o.value)::bigint
                      ELSE round(o.value * (l.appointments - l.lost)::numeric
                                 / l.appointments)::bigint END
               AS revenue
    FROM so_far s, on_the_books o, pickup pk, losses l
),
days AS (
    SELECT c.today + i AS day FROM current_period c, generate_series(0, 13) AS i
),
booked AS (
    SELECT d.day, coalesce(b.appointments, 0) AS appointments, coalesce(b.seconds, 0) AS seconds
    FROM days d
    LEFT JOIN (
        SELECT k.day,
               sum(k.appointments) FILTER (WHERE k.status = 'confirmed') AS appointments,
               sum(k.duration_seconds) FILTER (WHERE k.status IN ('confirmed', 'no_show'))
                   AS seconds
        FROM kept_durations k
        WHERE k.day >= (SELECT today FROM current_period)
          AND k.day <= (SELECT today + 13 FROM current_period)
        GROUP BY k.day
    ) b USING (day)
),
available AS (
    SELECT r.day, sum(r.available_seconds) AS seconds
    FROM current_period c, resource_available_seconds(c.today, c.today + 13) r
    WHERE p_resource_id IS NULL OR r.resource_id = ANY (p_resource_id)
    GROUP BY r.day
),
next_days AS (
    SELECT json_agg(json_build_object(
               'date', b.day,
               'appointments', b.appointments,
               'booked_minutes', round(b.seconds / 60, 2),
               'available_minutes', round(coalesce(v.seconds, 0) / 60, 2),
               'occupancy_percent',
                   CASE WHEN coalesce(v.seconds, 0) = 0 THEN NULL
                        ELSE round(b.seconds * 100 / v.seconds, 2) END)
           ORDER BY b.day) AS entries
    FROM booked b LEFT JOIN available v USING (day)
)
SELECT json_build_object(
    'so_far', json_build_object(
        'appointments', s.appointments,
        'revenue_cents', CASE WHEN p_revenue THEN s.revenue END),
    'on_the_books', json_build_object(
        'appointments', o.appointments,
        'value_cents', CASE WHEN p_revenue THEN o.value END),
    'pickup', json_build_object(
        'appointments', pk.appointments,
        'value_cents', CASE WHEN p_revenue THEN pk.value END),
    'loss_rate_percent',
        CASE WHEN l.appointments = 0 THEN 0.0 ELSE round(l.lost * 100.0 / l.appointments, 2) END,
    'forecast', json_build_object(
        'appointments', f.appointments,
        'revenue_cents', CASE WHEN p_revenue THEN f.revenue END),
    'last_year', json_build_object(
        'appointments', y.appointments,
        'revenue_cents', CASE WHEN p_revenue THEN y.revenue END,
        'start_date', y.start_date,
        'end_date', y.end_date),
    'forecast_vs_last_year_percent',
        CASE WHEN y.appointments = 0 THEN NULL
             ELSE round((f.appointments - y.appointments) * 100.0 / y.appointments, 2) END,
    'revenue_forecast_vs_last_year_percent',
        CASE WHEN NOT p_revenue OR y.revenue = 0 THEN NULL
             ELSE round((f.revenue - y.revenue) * 100.0 / y.revenue, 2) END,
    'pace', json_build_object(
        'last_year_on_the_books', y.on_the_books,
        'pace_percent',
            CASE WHEN y.on_the_books = 0 THEN NULL
                 ELSE round((o.appointments - y.on_the_books) * 100.0 / y.on_the_books, 2) END),
    'next_days', nd.entries,
    'window', json_build_object(
        'start_date', c.start_local::date,
        'end_date', c.end_local::date - 1,
        'time_zone', c.tz,
        'as_of', rfc3339(p_now, 'UTC')),
    'currency', tenant_currency())
FROM current_period c, so_far s, on_the_books o, pickup pk, losses l, forecast f,
     year_before y, next_days nd
);
END
$$;

COMMENT ON FUNCTION outlook_report(text, bigint[], bigint[], timestamptz, boolean) IS
    'JSON body of GET /api/analytics/analytics/outlook/: for the current local week, month or quarter (p_period), appointments and revenue so far, confirmed bookings still on the books, the pickup (median late bookings of the 8 earlier periods after the same point), the 90-day loss rate, the forecast, last year''s same period and pace, and the next 14 local days'' occupancy; p_service_id / p_resource_id filter; money null when p_revenue is false. NULL when p_period is not week, month or quarter.';
