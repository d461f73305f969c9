-- The SPEC's "period of N days": the N local calendar days ending with the day of
-- p_now in the tenant's time zone. No row when p_days is outside 1..3650.
CREATE FUNCTION report_period(p_days integer, p_now timestamptz)
RETURNS TABLE (first_day date, last_day date)
LANGUAGE sql STABLE
ROWS 1  -- not the planner's default guess of 1000: the reports join against it
SET search_path FROM CURRENT
AS $$
    SELECT today - (p_days - 1), today
    FROM (SELECT (p_now AT TIME ZONE tenant_timezone())::date AS today) t
    WHERE p_days BETWEEN 1 AND 3650
$$;

COMMENT ON FUNCTION report_period(integer, timestamptz) IS
    'First and last local day (tenant time zone) of the p_days-day period ending with the day of p_now; no row when p_days is outside 1..3650.';
