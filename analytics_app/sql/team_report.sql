-- The body of GET /api/analytics/analytics/team/, as JSON: per resource that is active
-- or has appointments in the period, its counts, booked and available minutes,
-- utilisation and revenue (p_revenue false: null, for tenants without payments).
CREATE FUNCTION team_report(
    p_days integer DEFAULT 30,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL,
    p_revenue boolean DEFAULT true
) RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
-- Booked and available time are summed in seconds; minutes and percentages are
-- rounded once, at the end.
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
counts AS (
    SELECT r.resource_id,
           coalesce(sum(r.appointments), 0)::bigint AS appointments,
           coalesce(sum(r.appointments) FILTER (WHERE r.status = 'confirmed'), 0)::bigint AS confirmed,
           coalesce(sum(r.appointments) FILTER (WHERE r.status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(r.appointments) FILTER (WHERE r.status = 'no_show'), 0)::bigint AS no_show,
           coalesce(sum(r.duration_seconds) FILTER (WHERE r.status IN ('confirmed', 'no_show')), 0)
               AS booked
    FROM appointment_rollup_day_resource r, bounds b
    WHERE r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.resource_id
),
available AS (
    SELECT a.resource_id, sum(a.available_seconds) AS available
    FROM bounds b, resource_available_seconds(b.first_day, b.last_day) a
    GROUP BY a.resource_id
),
revenue AS (
    SELECT p.resource_id, sum(p.revenue_cents)::bigint AS cents
    FROM payment_rollup_daily p, bounds b
    WHERE p_revenue AND p.day BETWEEN b.first_day AND b.last_day
    GROUP BY p.resource_id
),
entries AS MATERIALIZED (
    SELECT r.id, r.name, coalesce(c.appointments, 0) AS appointments,
           coalesce(c.confirmed, 0) AS confirmed, coalesce(c.cancelled, 0) AS cancelled,
           coalesce(c.no_show, 0) AS no_show, coalesce(c.booked, 0) AS booked,
           coalesce(a.available, 0) AS available,
           CASE WHEN p_revenue THEN coalesce(v.cents, 0) END AS revenue
    FROM resources r
    LEFT JOIN counts c ON c.resource_id = r.id
    LEFT JOIN available a ON a.resource_id = r.id
    LEFT JOIN revenue v ON v.resource_id = r.id
    WHERE r.is_active OR coalesce(c.appointments, 0) <> 0
),
totals AS (
    SELECT coalesce(sum(booked), 0) AS booked, coalesce(sum(available), 0) AS available
    FROM entries
)
SELECT json_build_object(
    'resources', (SELECT coalesce(json_agg(json_build_object(
        'resource_id', e.id,
        'resource_name', e.name,
        'appointments', e.appointments,
        'confirmed', e.confirmed,
        'cancelled', e.cancelled,
        'no_show', e.no_show,
        'no_show_rate_percent',
            CASE WHEN e.appointments = 0 THEN 0.0
                 ELSE round(e.no_show * 100.0 / e.appointments, 2) END,
        'booked_minutes', round(e.booked / 60, 2),
        'available_minutes', round(e.available / 60, 2),
        'utilisation_percent',
            CASE WHEN e.available = 0 THEN NULL ELSE round(e.booked * 100 / e.available, 2) END,
        'revenue_cents', e.revenue) ORDER BY e.id), '[]') FROM entries e),
    'booked_minutes', round(t.booked / 60, 2),
    'available_minutes', round(t.available / 60, 2),
    'utilisation_percent',
        CASE WHEN t.available = 0 THEN NULL ELSE round(t.booked * 100 / t.available, 2) END,
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone),
    'currency', tenant_currency())
FROM totals t, bounds b
$$;

COMMENT ON FUNCTION team_report(integer, timestamptz, date, date, boolean) IS
    'JSON body of GET /api/analytics/analytics/team/: per resource (active, or with appointments in the period) appointments by status, no-show rate, booked minutes (confirmed and no-show), available minutes (working hours minus time off, local wall-clock time), utilisation and revenue (null when p_revenue is false), with totals. Returns NULL when the period is not valid.';
