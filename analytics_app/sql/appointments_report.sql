-- The body of GET /api/analytics/analytics/appointments/, as JSON.
-- The period is the p_days local calendar days ending with today (tenant time zone), or
-- p_start..p_end; the previous period is as many days before it (report_period).
-- NULL filters are not applied.
CREATE FUNCTION appointments_report(
    p_days integer DEFAULT 30,
    p_status text DEFAULT NULL,
    p_service_id bigint[] DEFAULT NULL,
    p_resource_id bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL
) RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- One generic plan, kept for the session (PostgreSQL 18 caches a SQL function's plans;
-- its default re-planned every call: 2-3 ms of a 1-5 ms report at 100k; the filters'
-- arms are one-time filters on the arguments). Older servers plan each call anyway.
SET plan_cache_mode = force_generic_plan
AS $$
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
-- Appointments per day and status over both periods, read from the coarsest rollup
-- that can answer the filters (each branch runs only for its own filter combination).
per_day AS (
    SELECT r.day, r.status, r.appointments AS n
    FROM appointment_rollup_day_status r, bounds b
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
      AND r.day BETWEEN b.previous_first_day AND b.last_day
    UNION ALL
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_day_service r, bounds b
    WHERE p_service_id IS NOT NULL AND p_resource_id IS NULL AND r.service_id = ANY(p_service_id)
      AND r.day BETWEEN b.previous_first_day AND b.last_day
    UNION ALL
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_day_resource r, bounds b
    WHERE p_service_id IS NULL AND p_resource_id IS NOT NULL AND r.resource_id = ANY(p_resource_id)
      AND r.day BETWEEN b.previous_first_day AND b.last_day
    UNION ALL
    SELECT r.day, r.status, r.appointments
    FROM appointment_rollup_daily r, bounds b
    WHERE p_service_id IS NOT NULL AND p_resource_id IS NOT NULL
      AND r.service_id = ANY(p_service_id) AND r.resource_id = ANY(p_resource_id)
      AND r.day BETWEEN b.previous_first_day AND b.last_day
),
per_service AS (   -- the period only
    SELECT r.service_id AS id, sum(r.appointments)::bigint AS n
    FROM appointment_rollup_day_service r, bounds b
    WHERE p_resource_id IS NULL AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
      AND (p_status IS NULL OR r.status = p_status)
      AND r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.service_id
    UNION ALL
    SELECT r.service_id, sum(r.appointments)::bigint
    FROM appointment_rollup_daily r, bounds b
    WHERE p_resource_id IS NOT NULL AND r.resource_id = ANY(p_resource_id)
      AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
      AND (p_status IS NULL OR r.status = p_status)
      AND r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.service_id
),
per_resource AS (  -- the period only
    SELECT r.resource_id AS id, sum(r.appointments)::bigint AS n
    FROM appointment_rollup_day_resource r, bounds b
    WHERE p_service_id IS NULL AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))
      AND (p_status IS NULL OR r.status = p_status)
      AND r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.resource_id
    UNION ALL
    SELECT r.resource_id, sum(r.appointments)::bigint
    FROM appointment_rollup_daily r, bounds b
    WHERE p_service_id IS NOT NULL AND r.service_id = ANY(p_service_id)
      AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))
      AND (p_status IS NULL OR r.status = p_status)
      AND r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.resource_id
),
grouped AS MATERIALIZED (  -- per period (is_total), and per period, day and status
    SELECT p.day >= b.first_day AS in_period, p.day, p.status, sum(p.n)::bigint AS n,
           GROUPING(p.day, p.status) = 3 AS is_total
    FROM per_day p, bounds b
    WHERE p_status IS NULL OR p.status = p_status
    GROUP BY GROUPING SETS ((p.day >= b.first_day), (p.day >= b.first_day, p.day, p.status))
),
totals AS (
    SELECT coalesce(sum(n), 0)::bigint AS total,
           coalesce(sum(n) FILTER (WHERE status = 'confirmed'), 0)::bigint AS confirmed,
           coalesce(sum(n) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(n) FILTER (WHERE status = 'no_show'), 0)::bigint AS no_show
    FROM grouped WHERE NOT is_total AND in_period
),
previous AS (
    SELECT coalesce(sum(n), 0)::bigint AS total FROM grouped WHERE is_total AND NOT in_period
),
by_service AS (
    SELECT coalesce(json_agg(json_build_object(
               'service_id', s.id, 'service_name', s.name, 'count', g.n) ORDER BY g.n DESC, s.id), '[]')
    FROM per_service g JOIN services s ON s.id = g.id
    WHERE g.n > 0
),
by_resource AS (
    SELECT coalesce(json_agg(json_build_object(
               'resource_id', r.id, 'resource_name', r.name, 'count', g.n) ORDER BY g.n DESC, r.id), '[]')
    FROM per_resource g JOIN resources r ON r.id = g.id
    WHERE g.n > 0
),
-- How the period's bookings were made (appointment_rollup_day_status_source without a
-- service or resource filter, else appointment_rollup_day_source; NULL or blank sources
-- are kept there as 'unknown'), after every filter.
by_source AS (
    SELECT coalesce(json_agg(json_build_object('source', g.source, 'count', g.n)
                             ORDER BY g.n DESC, g.source COLLATE "C"), '[]')
    FROM (SELECT s.source, sum(s.n)::bigint AS n
          FROM (SELECT r.source, r.appointments AS n        -- no service or resource filter
                FROM appointment_rollup_day_status_source r, bounds b
                WHERE p_service_id IS NULL AND p_resource_id IS NULL
                  AND r.day BETWEEN b.first_day AND b.last_day
                  AND (p_status IS NULL OR r.status = p_status)
                UNION ALL
                SELECT r.source, r.appointments
                FROM appointment_rollup_day_source r, bounds b
                WHERE (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
                  AND r.day BETWEEN b.first_day AND b.last_day
                  AND (p_status IS NULL OR r.status = p_status)
                  AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
                  AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))) s
          GROUP BY s.source) g
    WHERE g.n > 0
),
-- What cancellations and no-shows cost: each at its service's current price (NULL = 0).
lost AS (
    SELECT coalesce(sum(g.n * coalesce(s.price_cents, 0)) FILTER (WHERE g.status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(g.n * coalesce(s.price_cents, 0)) FILTER (WHERE g.status = 'no_show'), 0)::bigint AS no_show
    FROM (SELECT r.status, r.service_id, sum(r.appointments) AS n
          FROM appointment_rollup_day_service r, bounds b
          WHERE p_resource_id IS NULL AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
            AND r.status IN ('cancelled', 'no_show') AND (p_status IS NULL OR r.status = p_status)
            AND r.day BETWEEN b.first_day AND b.last_day
          GROUP BY 1, 2
          UNION ALL
          SELECT r.status, r.service_id, sum(r.appointments)
          FROM appointment_rollup_daily r, bounds b
          WHERE p_resource_id IS NOT NULL AND r.resource_id = ANY(p_resource_id)
            AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
            AND r.status IN ('cancelled', 'no_show') AND (p_status IS NULL OR r.status = p_status)
            AND r.day BETWEEN b.first_day AND b.last_day
          GROUP BY 1, 2) g
    LEFT JOIN services s ON s.id = g.service_id
),
-- How far ahead people booked (appointments created at or before their start).
lead AS (
    SELECT coalesce(sum(r.lead_appointments), 0) AS n,
           sum(r.lead_seconds) AS seconds,
           coalesce(sum(r.lead_same_day), 0)::bigint AS same_day,
           coalesce(sum(r.lead_1_to_6_days), 0)::bigint AS one_to_six,
           coalesce(sum(r.lead_7_to_29_days), 0)::bigint AS seven_to_29,
           coalesce(sum(r.lead_30_days_or_more), 0)::bigint AS thirty_plus
    FROM (SELECT r.lead_appointments, r.lead_seconds, r.lead_same_day, r.lead_1_to_6_days,
                 r.lead_7_to_29_days, r.lead_30_days_or_more
          FROM appointment_rollup_day_status r, bounds b   -- no service or resource filter
          WHERE p_service_id IS NULL AND p_resource_id IS NULL
            AND r.day BETWEEN b.first_day AND b.last_day
            AND (p_status IS NULL OR r.status = p_status)
          UNION ALL
          SELECT r.lead_appointments, r.lead_seconds, r.lead_same_day, r.lead_1_to_6_days,
                 r.lead_7_to_29_days, r.lead_30_days_or_more
          FROM appointment_rollup_daily r, bounds b
          WHERE (p_service_id IS NOT NULL OR p_resource_id IS NOT NULL)
            AND r.day BETWEEN b.first_day AND b.last_day
            AND (p_status IS NULL OR r.status = p_status)
            AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
            AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))) r
),
daily AS (
    SELECT json_agg(json_build_object(
               'date', to_char(days.day, 'YYYY-MM-DD'),
               'count', coalesce(c.total, 0),
               'status_breakdown', json_build_object(
                   'confirmed', coalesce(c.confirmed, 0),
                   'cancelled', coalesce(c.cancelled, 0),
                   'no_show', coalesce(c.no_show, 0)))
           ORDER BY days.day) AS days
    FROM bounds b
    CROSS JOIN LATERAL (SELECT b.first_day + i AS day FROM generate_series(0, b.days - 1) AS i) days
    LEFT JOIN (SELECT day,
                      sum(n)::bigint AS total,
                      sum(n) FILTER (WHERE status = 'confirmed')::bigint AS confirmed,
                      sum(n) FILTER (WHERE status = 'cancelled')::bigint AS cancelled,
                      sum(n) FILTER (WHERE status = 'no_show')::bigint AS no_show
               FROM grouped WHERE NOT is_total AND in_period GROUP BY day) c ON c.day = days.day
)
SELECT json_build_object(
    'total', t.total,
    'by_status', json_build_object(
        'confirmed', t.confirmed, 'cancelled', t.cancelled, 'no_show', t.no_show),
    'by_service', (SELECT * FROM by_service),
    'by_resource', (SELECT * FROM by_resource),
    'by_source', (SELECT * FROM by_source),
    'daily_breakdown', (SELECT days FROM daily),
    'booking_trend_percent',
        CASE WHEN p.total = 0 THEN NULL
             ELSE round((t.total - p.total) * 100.0 / p.total, 2) END,
    'cancellation_rate_percent',
        CASE WHEN t.total = 0 THEN 0.0 ELSE round(t.cancelled * 100.0 / t.total, 2) END,
    'no_show_rate_percent',
        CASE WHEN t.total = 0 THEN 0.0 ELSE round(t.no_show * 100.0 / t.total, 2) END,
    'cancelled_value_cents', l.cancelled,
    'no_show_value_cents', l.no_show,
    'lead_time', json_build_object(
        'average_hours',
            CASE WHEN ld.n = 0 THEN NULL ELSE round(ld.seconds / ld.n / 3600, 2) END,
        'same_day', ld.same_day,
        '1_to_6_days', ld.one_to_six,
        '7_to_29_days', ld.seven_to_29,
        '30_days_or_more', ld.thirty_plus),
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone),
    'currency', tenant_currency())
FROM totals t, previous p, lost l, lead ld, bounds b
$$;

COMMENT ON FUNCTION appointments_report(integer, text, bigint[], bigint[], timestamptz, date, date) IS
    'JSON body of GET /api/analytics/analytics/appointments/: appointments over the p_days local days ending today (tenant time zone) or p_start..p_end, optionally filtered by status, service and resource, with per-day breakdown, counts by booking source, trend against the previous period of as many days, cancellation/no-show rates and what they cost at current prices. Returns NULL when the period is not valid.';
