-- The body of GET /api/analytics/analytics/seasonality/ (SPEC Part 4), as JSON: per local
-- calendar month from January p_years - 1 years ago through the current month (counted in
-- full, future bookings included), appointments by status (by start_time) and succeeded
-- revenue (by paid_at), each beside the same month a year earlier; and the busiest month
-- of the year over the complete years listed. Read from the month rollups (the daily ones
-- with filters), so the cost follows the number of months or days, not of appointments.
CREATE FUNCTION seasonality_report(
    p_years integer DEFAULT 2,
    p_service_id bigint[] DEFAULT NULL,
    p_resource_id bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now(),
    p_revenue boolean DEFAULT true
) RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- One generic plan, kept for the session (PostgreSQL 18 caches a SQL function's plans;
-- its default re-planned every call: 2-3 ms of a 1-5 ms report at 100k; the filters'
-- arms are one-time filters on the arguments). Older servers plan each call anyway.
SET plan_cache_mode = force_generic_plan
AS $$
WITH bounds AS MATERIALIZED (
    SELECT tz,
           this_month,
           make_date(extract(year FROM this_month)::int - p_years + 1, 1, 1) AS first_day,
           (this_month + interval '1 month')::date - 1 AS last_day,
           -- The rollups are read from a year before the first month (its comparisons).
           make_date(extract(year FROM this_month)::int - p_years, 1, 1) AS read_from
    FROM (SELECT tz, date_trunc('month', p_now AT TIME ZONE tz)::date AS this_month
          FROM (SELECT tenant_timezone() AS tz OFFSET 0) z) m
    WHERE p_years BETWEEN 1 AND 10
),
appointments_by_status AS (
    -- Without filters the month rollup; else the detailed daily one, summed per day
    -- first: turning a date into its month costs a time-zone conversion, so it is done
    -- once per day, not once per rollup row.
    SELECT r.month, r.status, sum(r.appointments) AS n
    FROM appointment_rollup_month_status r, bounds b
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
      AND r.month BETWEEN b.read_from AND b.this_month
    GROUP BY 1, 2
    UNION ALL
    SELECT date_trunc('month', d.day)::date AS month, d.status, sum(d.n) AS n
    FROM (
        SELECT r.day, r.status, sum(r.appointments) AS n
        FROM appointment_rollup_daily r, bounds b
        WHERE (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
          AND r.day BETWEEN b.read_from AND b.last_day
          AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
          AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))
        GROUP BY r.day, r.status
    ) d
    GROUP BY 1, 2
),
appointments AS (
    SELECT month,
           sum(n)::bigint AS total,
           coalesce(sum(n) FILTER (WHERE status = 'confirmed'), 0)::bigint AS confirmed,
           coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(n) FILTER (WHERE status = 'no_show'), 0)::bigint AS no_show
    FROM appointments_by_status GROUP BY month
),
revenue AS (  -- succeeded payments; service and resource are the appointment's
    SELECT r.month, sum(r.revenue_cents)::bigint AS cents   -- no filter: per month
    FROM payment_rollup_month r, bounds b
    WHERE p_revenue AND p_service_id IS NULL AND p_resource_id IS NULL
      AND r.month BETWEEN b.read_from AND b.this_month
    GROUP BY 1
    UNION ALL
    SELECT date_trunc('month', d.day)::date AS month, sum(d.cents)::bigint AS cents
    FROM (
        SELECT r.day, sum(r.revenue_cents) AS cents
        FROM payment_rollup_daily r, bounds b
        WHERE p_revenue AND (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
          AND r.day BETWEEN b.read_from AND b.last_day
          AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
          AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))
        GROUP BY r.day
    ) d
    GROUP BY 1
),
months AS (
    SELECT s.month::date AS month,
           coalesce(a.total, 0) AS total,
           coalesce(a.confirmed, 0) AS confirmed,
           coalesce(a.cancelled, 0) AS cancelled,
           coalesce(a.no_show, 0) AS no_show,
           coalesce(pa.total, 0) AS previous_total,
           coalesce(r.cents, 0) AS cents,
           coalesce(pr.cents, 0) AS previous_cents
    FROM bounds b
    CROSS JOIN LATERAL generate_series(b.first_day, b.this_month, interval '1 month') AS s(month)
    LEFT JOIN appointments a ON a.month = s.month::date
    LEFT JOIN appointments pa ON pa.month = (s.month - interval '1 year')::date
    LEFT JOIN revenue r ON r.month = s.month::date
    LEFT JOIN revenue pr ON pr.month = (s.month - interval '1 year')::date
),
busiest AS (  -- confirmed appointments per month of the year, over the complete years
    SELECT extract(month FROM m.month)::int AS month_of_year, sum(m.confirmed) AS n
    FROM months m, bounds b
    WHERE m.month < date_trunc('year', b.this_month)::date
    GROUP BY 1
)
SELECT json_build_object(
    'months', (SELECT json_agg(json_build_object(
        'month', to_char(m.month, 'YYYY-MM'),
        'appointments', m.total,
        'confirmed', m.confirmed,
        'cancelled', m.cancelled,
        'no_show', m.no_show,
        'revenue_cents', CASE WHEN p_revenue THEN m.cents END,
        'previous_year_appointments', m.previous_total,
        'previous_year_revenue_cents', CASE WHEN p_revenue THEN m.previous_cents END,
        'appointments_yoy_percent',
            CASE WHEN m.previous_total = 0 THEN NULL
                 ELSE round((m.total - m.previous_total) * 100.0 / m.previous_total, 2) END,
        'revenue_yoy_percent',
            CASE WHEN NOT p_revenue OR m.previous_cents = 0 THEN NULL
                 ELSE round((m.cents - m.previous_cents) * 100.0 / m.previous_cents, 2) END)
        ORDER BY m.month) FROM months m),
    'busiest_month_of_year',
        (SELECT month_of_year FROM busiest WHERE n > 0 ORDER BY n DESC, month_of_year LIMIT 1),
    'window', report_window(b.first_day, b.last_day,
                            (b.first_day - interval '1 year')::date,
                            ((b.this_month - interval '1 year') + interval '1 month')::date - 1,
                            b.tz),
    'currency', tenant_currency())
FROM bounds b
$$;

COMMENT ON FUNCTION seasonality_report(integer, bigint[], bigint[], timestamptz, boolean) IS
    'JSON body of GET /api/analytics/analytics/seasonality/: per local month from January p_years - 1 years ago through the current month, appointments by status and succeeded revenue (null when p_revenue is false), each against the same month a year earlier, and the busiest month of the year by confirmed appointments over the complete years. Returns NULL when p_years is not 1-10.';
