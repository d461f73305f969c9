-- A report's period and the previous one, as local dates of the tenant's time zone.
-- Either the p_days local calendar days ending with the day of p_now, or, when p_start
-- is given, p_start..p_end (both inclusive; future dates allowed). The previous period
-- is as many days, ending the day before the period starts. No row when the period is
-- not valid (p_days outside 1..3650; p_end missing, before p_start, or over 3650 days).
CREATE FUNCTION report_period(
    p_days integer,
    p_now timestamptz,
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL
)
RETURNS TABLE (first_day date, last_day date, days integer,
               previous_first_day date, previous_last_day date, time_zone text)
LANGUAGE sql STABLE
ROWS 1  -- not the planner's default guess of 1000: the reports join against it
SET search_path FROM CURRENT
AS $$
    SELECT f, l, l - f + 1, f - (l - f + 1), f - 1, tz
    FROM (SELECT CASE WHEN p_start IS NULL THEN today - (p_days - 1) ELSE p_start END AS f,
                 CASE WHEN p_start IS NULL THEN today ELSE p_end END AS l, tz
          FROM (SELECT tz, (p_now AT TIME ZONE tz)::date AS today
                -- OFFSET 0: one call; pulled up, each use of today called it again
                -- (nine calls of a definer function: about half of this function's own time)
                FROM (SELECT tenant_timezone() AS tz OFFSET 0) z) t) x
    WHERE CASE WHEN p_start IS NULL THEN p_days BETWEEN 1 AND 3650
               ELSE p_end IS NOT NULL AND p_end >= p_start AND p_end - p_start < 3650 END
$$;

-- The "window" object of every period report: the period's and the previous period's
-- first and last local dates, and the IANA time zone they are in.
CREATE FUNCTION report_window(p_first date, p_last date, p_previous_first date,
                              p_previous_last date, p_time_zone text)
RETURNS json
LANGUAGE sql IMMUTABLE
SET search_path FROM CURRENT
AS $$
    SELECT json_build_object(
        'start_date', to_char(p_first, 'YYYY-MM-DD'),
        'end_date', to_char(p_last, 'YYYY-MM-DD'),
        'previous_start_date', to_char(p_previous_first, 'YYYY-MM-DD'),
        'previous_end_date', to_char(p_previous_last, 'YYYY-MM-DD'),
        'time_zone', p_time_zone)
$$;
