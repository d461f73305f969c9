-- The latest period of a frequency whose report fell due at or before p_now, in a
-- time zone: a week (Monday-Sunday) is due at 08:00 on the Monday after it, a month
-- on the 1st after it, and may go out until 7 / 28 days later (expires_at).
CREATE FUNCTION public.report_due_period(p_frequency text, p_timezone text,
                                         p_now timestamptz)
RETURNS TABLE (period_start date, period_end date, due_at timestamptz,
               expires_at timestamptz)
LANGUAGE sql STABLE
AS $fn$
    WITH rule AS (
        SELECT CASE p_frequency WHEN 'weekly' THEN 'week' ELSE 'month' END AS unit,
               CASE p_frequency WHEN 'weekly' THEN interval '7 days'
                                ELSE interval '1 month' END AS length,
               CASE p_frequency WHEN 'weekly' THEN 7 ELSE 28 END AS late_days
        WHERE p_frequency IN ('weekly', 'monthly')
    ),
    local AS (
        SELECT r.*, p_now AT TIME ZONE p_timezone AS now_local,
               date_trunc(r.unit, p_now AT TIME ZONE p_timezone)::date AS current_start
        FROM rule r
    ),
    due AS (
        SELECT l.*, CASE WHEN l.now_local >= l.current_start + time '08:00'
                         THEN l.current_start
                         ELSE (l.current_start - l.length)::date END AS day
        FROM local l
    )
    SELECT (d.day - d.length)::date, d.day - 1,
           (d.day + time '08:00') AT TIME ZONE p_timezone,
           (d.day + d.late_days + time '08:00') AT TIME ZONE p_timezone
    FROM due d
$fn$;
COMMENT ON FUNCTION public.report_due_period(text, text, timestamptz) IS
    'The latest weekly or monthly period whose email report fell due (08:00 local on '
    'the Monday / the 1st after it) at or before p_now in zone p_timezone.';
