-- The body of GET /api/analytics/analytics/appointments/, as JSON.
-- The period is the p_days local calendar days ending with today (tenant time zone);
-- the previous period is the p_days days before it. NULL filters are not applied.
CREATE FUNCTION appointments_report(
    p_days integer DEFAULT 30,
    p_status text DEFAULT NULL,
    p_service_id bigint DEFAULT NULL,
    p_resource_id bigint DEFAULT NULL,
    p_now timestamptz DEFAULT now()
) RETURNS json
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
WITH bounds AS (
    SELECT today - (p_days - 1) AS first_day, today AS last_day
    FROM (SELECT (p_now AT TIME ZONE tenant_timezone())::date AS today) t
    WHERE p_days BETWEEN 1 AND 3650
),
filtered AS (      -- both periods, filters applied
    SELECT d.day, d.status, d.service_id, d.resource_id, d.appointments
    FROM analytics_daily d, bounds b
    WHERE d.day BETWEEN b.first_day - p_days AND b.last_day
      AND (p_status IS NULL OR d.status = p_status)
      AND (p_service_id IS NULL OR d.service_id = p_service_id)
      AND (p_resource_id IS NULL OR d.resource_id = p_resource_id)
),
current_period AS (
    SELECT f.* FROM filtered f, bounds b WHERE f.day >= b.first_day
),
totals AS (
    SELECT coalesce(sum(appointments), 0)::bigint AS total,
           coalesce(sum(appointments) FILTER (WHERE status = 'confirmed'), 0)::bigint AS confirmed,
           coalesce(sum(appointments) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(appointments) FILTER (WHERE status = 'no_show'), 0)::bigint AS no_show
    FROM current_period
),
previous AS (
    SELECT coalesce(sum(f.appointments), 0)::bigint AS total
    FROM filtered f, bounds b WHERE f.day < b.first_day
),
by_service AS (
    SELECT coalesce(json_agg(json_build_object(
               'service_id', id, 'service_name', name, 'count', n) ORDER BY n DESC, id), '[]')
    FROM (SELECT s.id, s.name, sum(c.appointments)::bigint AS n
          FROM current_period c JOIN services s ON s.id = c.service_id
          GROUP BY s.id, s.name) x
    WHERE n > 0
),
by_resource AS (
    SELECT coalesce(json_agg(json_build_object(
               'resource_id', id, 'resource_name', name, 'count', n) ORDER BY n DESC, id), '[]')
    FROM (SELECT r.id, r.name, sum(c.appointments)::bigint AS n
          FROM current_period c JOIN resources r ON r.id = c.resource_id
          GROUP BY r.id, r.name) x
    WHERE n > 0
),
daily AS (
    SELECT json_agg(json_build_object(
               'date', to_char(g.day, 'YYYY-MM-DD'),
               'count', coalesce(c.total, 0),
               'status_breakdown', json_build_object(
                   'confirmed', coalesce(c.confirmed, 0),
                   'cancelled', coalesce(c.cancelled, 0),
                   'no_show', coalesce(c.no_show, 0)))
           ORDER BY g.day) AS days
    FROM bounds b
    CROSS JOIN LATERAL (SELECT b.first_day + i AS day FROM generate_series(0, p_days - 1) AS i) g
    LEFT JOIN (SELECT day,
                      sum(appointments)::bigint AS total,
                      sum(appointments) FILTER (WHERE status = 'confirmed')::bigint AS confirmed,
                      sum(appointments) FILTER (WHERE status = 'cancelled')::bigint AS cancelled,
                      sum(appointments) FILTER (WHERE status = 'no_show')::bigint AS no_show
               FROM current_period GROUP BY day) c ON c.day = g.day
)
SELECT json_build_object(
    'total', t.total,
    'by_status', json_build_object(
        'confirmed', t.confirmed, 'cancelled', t.cancelled, 'no_show', t.no_show),
    'by_service', (SELECT * FROM by_service),
    'by_resource', (SELECT * FROM by_resource),
    'daily_breakdown', (SELECT days FROM daily),
    'booking_trend_percent',
        CASE WHEN p.total = 0 THEN NULL
             ELSE round((t.total - p.total) * 100.0 / p.total, 2) END,
    'cancellation_rate_percent',
        CASE WHEN t.total = 0 THEN 0.0 ELSE round(t.cancelled * 100.0 / t.total, 2) END,
    'no_show_rate_percent',
        CASE WHEN t.total = 0 THEN 0.0 ELSE round(t.no_show * 100.0 / t.total, 2) END,
    'period_days', p_days)
FROM totals t, previous p, bounds
$$;

COMMENT ON FUNCTION appointments_report(integer, text, bigint, bigint, timestamptz) IS
    'JSON body of GET /api/analytics/analytics/appointments/: appointments over the p_days local days ending today (tenant time zone), optionally filtered by status, service and resource, with per-day breakdown, trend against the p_days before, and cancellation/no-show rates. Returns NULL when p_days is outside 1..3650.';
