-- The body of GET /api/analytics/analytics/heatmap/, as JSON: appointments starting in
-- the period per local weekday (0 = Sunday) and local hour, after the filters.
CREATE FUNCTION heatmap_report(
    p_days integer DEFAULT 30,
    p_status text DEFAULT NULL,
    p_service_id bigint[] DEFAULT NULL,
    p_resource_id bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL
) RETURNS json
LANGUAGE plpgsql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- Planned once per session (a generic plan, kept by PL/pgSQL; as outlook_report):
-- planning took about 1 ms of each call, more than running most forms. Every arm is
-- switched on or off by one-time filters on the arguments.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
RETURN (
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
-- Without filters, the period's whole local months come from the month x weekday x hour
-- rollup and only its other days (before the first whole month, after the last) from
-- the day x hour one: 365 days read about 1,000 + 1,000 rows instead of 13,000 at 1M.
whole AS (
    SELECT b.first_day, b.last_day, m.first_month, m.last_month_end,
           m.first_month <= m.last_month_end AS any_month
    FROM bounds b,
         LATERAL (SELECT CASE WHEN extract(day FROM b.first_day) = 1 THEN b.first_day
                              ELSE (date_trunc('month', b.first_day) + interval '1 month')::date
                         END AS first_month,
                         CASE WHEN extract(day FROM b.last_day + 1) = 1 THEN b.last_day
                              ELSE date_trunc('month', b.last_day)::date - 1
                         END AS last_month_end) m
),
spans AS (  -- the days read day by day
    SELECT s.lo, s.hi
    FROM whole w,
         LATERAL (VALUES (w.first_day, CASE WHEN w.any_month THEN w.first_month - 1
                                            ELSE w.last_day END),
                         (CASE WHEN w.any_month THEN w.last_month_end + 1 END, w.last_day)) s(lo, hi)
    WHERE s.lo <= s.hi
),
per_hour AS (
    SELECT r.weekday::int AS weekday, r.hour,
           CASE p_status WHEN 'confirmed' THEN r.confirmed WHEN 'cancelled' THEN r.cancelled
                         WHEN 'no_show' THEN r.no_show
                         ELSE CASE WHEN p_status IS NULL
                                   THEN r.confirmed + r.cancelled + r.no_show ELSE 0 END
           END AS n
    FROM appointment_rollup_month_hour r, whole w
    WHERE p_service_id IS NULL AND p_resource_id IS NULL AND w.any_month
      AND r.month BETWEEN w.first_month AND w.last_month_end
    UNION ALL
    SELECT extract(dow FROM r.day)::int, r.hour, r.appointments
    FROM spans s JOIN appointment_rollup_day_hour r ON r.day BETWEEN s.lo AND s.hi
    WHERE p_service_id IS NULL AND p_resource_id IS NULL
      AND (p_status IS NULL OR r.status = p_status)
    UNION ALL
    -- A resource filter alone: the resources' own rows.
    SELECT extract(dow FROM r.day)::int, r.hour,
           CASE p_status WHEN 'confirmed' THEN r.confirmed WHEN 'cancelled' THEN r.cancelled
                         WHEN 'no_show' THEN r.no_show
                         ELSE CASE WHEN p_status IS NULL
                                   THEN r.confirmed + r.cancelled + r.no_show ELSE 0 END
           END
    FROM appointment_rollup_resource_day_hour r, bounds b
    WHERE p_service_id IS NULL AND p_resource_id IS NOT NULL
      AND r.resource_id = ANY(p_resource_id)
      AND r.day BETWEEN b.first_day AND b.last_day
    UNION ALL
    -- A service filter (with or without resources): the detailed rollup.
    SELECT extract(dow FROM r.day)::int, r.hour, r.appointments
    FROM appointment_rollup_day_hour_detail r, bounds b
    WHERE p_service_id IS NOT NULL
      AND r.day BETWEEN b.first_day AND b.last_day
      AND (p_status IS NULL OR r.status = p_status)
      AND r.service_id = ANY(p_service_id)
      AND (p_resource_id IS NULL OR r.resource_id = ANY(p_resource_id))
),
cells AS (
    SELECT weekday, hour, sum(n)::bigint AS n FROM per_hour GROUP BY 1, 2
),
grid AS (
    SELECT w, json_agg(coalesce(c.n, 0) ORDER BY h) AS hours
    FROM generate_series(0, 6) AS w
    CROSS JOIN generate_series(0, 23) AS h
    LEFT JOIN cells c ON c.weekday = w AND c.hour = h
    GROUP BY w
)
SELECT json_build_object(
    'counts', (SELECT json_agg(hours ORDER BY w) FROM grid),
    'total', (SELECT coalesce(sum(n), 0)::bigint FROM cells),
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone))
FROM bounds b
);
END
$$;

COMMENT ON FUNCTION heatmap_report(integer, text, bigint[], bigint[], timestamptz, date, date) IS
    'JSON body of GET /api/analytics/analytics/heatmap/: appointments starting in the p_days local days ending today (or p_start..p_end) per local weekday (0 = Sunday) x local hour (tenant time zone), optionally filtered by status, service and resource. Returns NULL when the period is not valid.';

-- Appointments per local day, local hour and status, for DBAs (from the rollup).
CREATE VIEW appointments_hourly AS
SELECT r.day, extract(dow FROM r.day)::smallint AS weekday, r.hour, r.status,
       r.service_id, r.resource_id, sum(r.appointments)::bigint AS appointments
FROM appointment_rollup_day_hour_detail r
GROUP BY r.day, r.hour, r.status, r.service_id, r.resource_id
HAVING sum(r.appointments) <> 0;

COMMENT ON VIEW appointments_hourly IS
    'Appointments per local day and local hour of start_time (tenant time zone), status, service and resource: what the heatmap report sums by weekday and hour.';
COMMENT ON COLUMN appointments_hourly.day IS 'Local date of start_time.';
COMMENT ON COLUMN appointments_hourly.weekday IS '0 = Sunday ... 6 = Saturday, of day.';
COMMENT ON COLUMN appointments_hourly.hour IS 'Local hour of start_time, 0-23 (on a DST day one hour is missing and one holds two hours of starts).';
COMMENT ON COLUMN appointments_hourly.status IS 'confirmed, cancelled or no_show.';
COMMENT ON COLUMN appointments_hourly.service_id IS 'services.id of the appointment.';
COMMENT ON COLUMN appointments_hourly.resource_id IS 'resources.id of the appointment.';
COMMENT ON COLUMN appointments_hourly.appointments IS 'Count.';
