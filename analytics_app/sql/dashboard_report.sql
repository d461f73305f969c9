-- The body of GET /api/analytics/analytics/dashboard/, as JSON. Confirmed appointments only.
CREATE FUNCTION dashboard_report(p_now timestamptz DEFAULT now()) RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- One generic plan, kept for the session (PostgreSQL 18 caches a SQL function's plans;
-- its default re-planned every call: 2-3 ms of a 1-5 ms report at 100k; the filters'
-- arms are one-time filters on the arguments). Older servers plan each call anyway.
SET plan_cache_mode = force_generic_plan
AS $$
WITH zone AS MATERIALIZED (  -- one tenant_timezone() call, not one per use
    SELECT tz, date_trunc('month', p_now AT TIME ZONE tz) AS month_local
    FROM (SELECT tenant_timezone() AS tz OFFSET 0) z
),
month AS MATERIALIZED (
    SELECT tz,
           (p_now AT TIME ZONE tz)::date AS today,
           ((p_now AT TIME ZONE tz)::date + 1)::timestamp AT TIME ZONE tz AS tomorrow,
           p_now + interval '168 hours' AS week_end,
           ((p_now + interval '168 hours') AT TIME ZONE tz)::date AS week_last_day,
           (((p_now + interval '168 hours') AT TIME ZONE tz)::date)::timestamp AT TIME ZONE tz
               AS week_last_day_start,
           month_local::date AS first_day,
           (month_local + interval '1 month')::date - 1 AS last_day,
           month_local AT TIME ZONE tz AS starts,
           (month_local + interval '1 month') AT TIME ZONE tz AS ends
    FROM zone
),
-- Rollup tables, not the views: a bound from a joined CTE cannot pass below a view's
-- GROUP BY, but it uses a table's index; sums add up a key's per-transaction rows.
this_month AS (
    SELECT coalesce(sum(d.appointments), 0)::bigint AS n
    FROM appointment_rollup_day_status d, month m
    WHERE d.status = 'confirmed' AND d.day BETWEEN m.first_day AND m.last_day
),
-- All time: the weekday x hour rollup (at most 168 rows), read once for the totals and
-- both peaks (its view adds the changes not folded yet: one pass over the log, not three).
peaks AS MATERIALIZED (
    SELECT weekday_number, weekday, hour, appointments, duration_seconds
    FROM analytics_peak_times
),
-- The mean from the total in seconds, divided once: a total of per-hour minutes adds up
-- each hour's rounding (62 s = 1.0333... minutes), and a mean on a half hundredth
-- (0.775) came out 0.7749999... and rounded down.
totals AS (
    SELECT (SELECT n FROM this_month) AS this_month,
           coalesce(sum(p.appointments), 0)::bigint AS all_time,
           round(sum(p.duration_seconds) / (60 * nullif(sum(p.appointments), 0)), 2)
               AS average_minutes
    FROM peaks p
),
-- The rest of today: raw rows (the partial index on confirmed start times, read from the
-- index alone), read once for the resources, the services and the next 7 days.
today_rest AS MATERIALIZED (
    SELECT a.resource_id, a.service_id
    FROM appointments a, month m
    WHERE a.status = 'confirmed' AND a.start_time >= p_now AND a.start_time < m.tomorrow
),
future AS (
    -- From now on = the rest of today plus every later local day (the day x
    -- resource/service rollups). Distinct by sorting the few hundred ids: a hash table
    -- would be sized by the generic plan's guess of the range, ~100,000 rows.
    SELECT (SELECT count(DISTINCT x.resource_id) FROM (
                SELECT t.resource_id FROM today_rest t
                UNION ALL
                SELECT r.resource_id FROM appointment_rollup_day_resource r, month m
                WHERE r.status = 'confirmed' AND r.day > m.today
                GROUP BY r.resource_id, r.day HAVING sum(r.appointments) > 0) x
           ) AS resources,
           (SELECT count(DISTINCT x.service_id) FROM (
                SELECT t.service_id FROM today_rest t
                UNION ALL
                SELECT r.service_id FROM appointment_rollup_day_service r, month m
                WHERE r.status = 'confirmed' AND r.day > m.today
                GROUP BY r.service_id, r.day HAVING sum(r.appointments) > 0) x
           ) AS services,
           -- [now, now + 168 h): the rest of today, raw rows for the last, partial local
           -- day (a week later: another range of the same index), whole local days in
           -- between from the day rollup.
           (SELECT count(*) FROM today_rest)
         + (SELECT count(*) FROM appointments a, month m
            WHERE a.status = 'confirmed' AND a.start_time >= m.week_last_day_start
              AND a.start_time < m.week_end)
         + (SELECT coalesce(sum(r.appointments), 0) FROM appointment_rollup_day_status r, month m
            WHERE r.status = 'confirmed' AND r.day > m.today AND r.day < m.week_last_day) AS upcoming
),
peak_day AS (
    SELECT weekday FROM peaks
    GROUP BY weekday_number, weekday
    ORDER BY sum(appointments) DESC, weekday_number
    LIMIT 1
),
peak_hour AS (
    SELECT hour FROM peaks
    GROUP BY hour
    ORDER BY sum(appointments) DESC, hour
    LIMIT 1
)
SELECT json_build_object(
    'total_appointments_this_month', t.this_month,
    'total_appointments_all_time', t.all_time,
    'active_resources_count', f.resources,
    'active_services_count', f.services,
    'upcoming_appointments_count', f.upcoming,
    'average_appointment_duration_minutes', t.average_minutes,
    'peak_booking_day', (SELECT weekday FROM peak_day),
    'peak_booking_hour', (SELECT hour FROM peak_hour),
    'period', json_build_object(
        'start_date', rfc3339(m.starts, m.tz),
        'end_date', rfc3339(m.ends - interval '1 second', m.tz)))
FROM totals t, future f, month m
$$;

COMMENT ON FUNCTION dashboard_report(timestamptz) IS
    'JSON body of GET /api/analytics/analytics/dashboard/ (confirmed appointments only): this local month''s and all-time counts, resources/services with appointments from now on, the next 7 days (168 hours), mean duration, peak local weekday and hour (ties: earliest weekday from Sunday, lowest hour), and the month''s first and last second as RFC 3339 with the tenant''s offset.';
