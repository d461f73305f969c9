-- Working time (seconds) of each resource per local day: the union of its resource_hours for the
-- day's weekday, each from (day + opens_at) to (day + closes_at) read as wall-clock
-- time in the tenant's zone (a DST day gives an hour more or less), minus the union of
-- its time off. Computed when asked: its cost is resources x days, not appointments.
CREATE FUNCTION resource_available_seconds(p_first date DEFAULT NULL, p_last date DEFAULT NULL)
RETURNS TABLE (resource_id bigint, day date, available_seconds numeric)
LANGUAGE sql STABLE
SECURITY DEFINER  -- readers may call it (and the view below) without reading the tables
SET search_path FROM CURRENT
AS $$
    WITH zone AS MATERIALIZED (SELECT tenant_timezone() AS tz),
    span AS MATERIALIZED (  -- NULL: the 30 local days ending today
        SELECT coalesce(p_first, (now() AT TIME ZONE z.tz)::date - 29) AS first_day,
               coalesce(p_last, (now() AT TIME ZONE z.tz)::date) AS last_day
        FROM zone z
    ),
    shifts AS (
        SELECT h.resource_id, d.day,
               range_agg(tstzrange((d.day + h.opens_at) AT TIME ZONE z.tz,
                                   (d.day + h.closes_at) AT TIME ZONE z.tz)) AS hours
        FROM span, LATERAL (SELECT span.first_day + i AS day
                            FROM generate_series(0, span.last_day - span.first_day) AS i) d
        JOIN resource_hours h ON h.weekday = extract(dow FROM d.day)
        CROSS JOIN zone z
        GROUP BY 1, 2
    ),
    away AS (
        SELECT o.resource_id, range_agg(tstzrange(o.starts_at, o.ends_at)) AS off
        FROM resource_time_off o, zone z, span
        WHERE o.starts_at < (span.last_day + 2)::timestamp AT TIME ZONE z.tz
          AND o.ends_at > (span.first_day - 1)::timestamp AT TIME ZONE z.tz
        GROUP BY 1
    )
    SELECT s.resource_id, s.day,
           coalesce((SELECT sum(extract(epoch FROM upper(r) - lower(r)))
                     FROM unnest(s.hours - coalesce(a.off, '{}'::tstzmultirange)) AS r), 0)
    FROM shifts s LEFT JOIN away a USING (resource_id)
$$;

COMMENT ON FUNCTION resource_available_seconds(date, date) IS
    'Per resource with working hours and local day from p_first to p_last (default: the 30 local days ending today): the seconds of its resource_hours for that weekday (wall-clock time in the tenant''s zone, overlaps once) not covered by its resource_time_off.';

CREATE VIEW resource_utilisation_daily AS
SELECT b.resource_id, b.day,
       coalesce(b.booked_seconds, 0) / 60 AS booked_minutes,
       coalesce(a.available_seconds, 0) / 60 AS available_minutes
FROM (SELECT r.resource_id, r.day, sum(r.duration_seconds) AS booked_seconds
      FROM appointment_rollup_day_resource r
      WHERE r.status IN ('confirmed', 'no_show')
      GROUP BY 1, 2 HAVING sum(r.duration_seconds) <> 0) b
FULL JOIN resource_available_seconds(
              (SELECT min(day) FROM appointment_rollup_day_resource),
              (SELECT max(day) FROM appointment_rollup_day_resource)) a
    USING (resource_id, day);

COMMENT ON VIEW resource_utilisation_daily IS
    'Per resource and local day with bookings (the span of days that have any appointment): booked minutes (confirmed and no-show appointments starting that day, not clipped to working hours) and available minutes (working hours minus time off); utilisation = booked / available.';
COMMENT ON COLUMN resource_utilisation_daily.resource_id IS 'resources.id.';
COMMENT ON COLUMN resource_utilisation_daily.day IS 'Local date in the tenant''s time zone.';
COMMENT ON COLUMN resource_utilisation_daily.booked_minutes IS 'Sum of end_time - start_time of confirmed and no_show appointments starting that day, in minutes.';
COMMENT ON COLUMN resource_utilisation_daily.available_minutes IS 'Working minutes that day (resource_hours in local wall-clock time, minus resource_time_off).';
