-- The body of GET /api/analytics/analytics/at-risk/ (SPEC Part 5), as JSON: the customers
-- drifting away. A customer is considered when they have visits on at least two distinct
-- local dates before today and no confirmed appointment starting at or after now. Their
-- usual gap is the median of the day differences between their consecutive distinct
-- past visit dates (mean of the middle two for an even count); days since = today - their
-- last visit date. at_risk: 1.5 x gap < days since <= 3 x gap; lapsed: days since > 3 x
-- gap. p_state: 'at_risk', 'lapsed' or 'all'; p_limit NULL: every entry (CSV, xlsx);
-- p_revenue false: lifetime value null. NULL when an argument is out of range.
CREATE FUNCTION at_risk_report(
    p_state text DEFAULT 'at_risk',
    p_limit integer DEFAULT 100,
    p_offset integer DEFAULT 0,
    p_now timestamptz DEFAULT now(),
    p_revenue boolean DEFAULT true
) RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
WITH today AS MATERIALIZED (
    SELECT (p_now AT TIME ZONE tenant_timezone())::date AS day
    WHERE p_state IN ('at_risk', 'lapsed', 'all')
      AND (p_limit IS NULL OR p_limit BETWEEN 1 AND 500)
      AND p_offset BETWEEN 0 AND 100000
),
booked_ahead AS MATERIALIZED (  -- a confirmed appointment starting at or after now
    SELECT DISTINCT a.customer_id FROM appointments a
    WHERE a.status = 'confirmed' AND a.start_time >= p_now AND a.customer_id IS NOT NULL
),
past AS (  -- distinct past visit dates, with the gap since the one before
    SELECT d.customer_id, d.day, d.visits,
           d.day - lag(d.day) OVER (PARTITION BY d.customer_id ORDER BY d.day) AS gap
    FROM customer_visit_days d, today t
    WHERE d.day < t.day
      AND NOT EXISTS (SELECT FROM booked_ahead b WHERE b.customer_id = d.customer_id)
),
considered AS MATERIALIZED (
    SELECT p.customer_id, sum(p.visits)::bigint AS visits, min(p.day) AS first_day,
           max(p.day) AS last_day,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY p.gap)::numeric AS gap
    FROM past p
    GROUP BY p.customer_id
    HAVING count(*) >= 2
),
states AS MATERIALIZED (
    SELECT c.*, t.day - c.last_day AS days_since,
           CASE WHEN t.day - c.last_day > 3 * c.gap THEN 'lapsed'
                WHEN t.day - c.last_day > 1.5 * c.gap THEN 'at_risk' END AS state
    FROM considered c, today t
),
listed AS MATERIALIZED (
    SELECT s.*, v.lifetime_cents, v.channel, cu.name, cu.email
    FROM states s
    JOIN customer_visit_summary v ON v.customer_id = s.customer_id
    JOIN customers cu ON cu.id = s.customer_id
    WHERE s.state IS NOT NULL AND (p_state = 'all' OR s.state = p_state)
),
page AS (
    SELECT l.* FROM listed l
    ORDER BY CASE WHEN p_revenue THEN coalesce(l.lifetime_cents, 0) ELSE 0 END DESC,
             l.customer_id
    LIMIT p_limit OFFSET p_offset
)
SELECT json_build_object(
    'customers', (SELECT coalesce(json_agg(json_build_object(
        'customer_id', p.customer_id,
        'name', p.name,
        'email', p.email,
        'state', p.state,
        'visits', p.visits,
        'first_visit_date', p.first_day,
        'last_visit_date', p.last_day,
        'usual_gap_days', round(p.gap, 2),
        'days_since_last_visit', p.days_since,
        'lifetime_value_cents', CASE WHEN p_revenue THEN p.lifetime_cents END,
        'acquisition_channel', p.channel)
        ORDER BY CASE WHEN p_revenue THEN coalesce(p.lifetime_cents, 0) ELSE 0 END DESC,
                 p.customer_id), '[]') FROM page p),
    'total', (SELECT count(*) FROM listed),
    'at_risk_count', (SELECT count(*) FROM states WHERE state = 'at_risk'),
    'lapsed_count', (SELECT count(*) FROM states WHERE state = 'lapsed'),
    'limit', p_limit,
    'offset', p_offset)
FROM today
$$;

COMMENT ON FUNCTION at_risk_report(text, integer, integer, timestamptz, boolean) IS
    'JSON body of GET /api/analytics/analytics/at-risk/: customers with visits on two or more local dates before today and nothing booked ahead, whose days since their last visit exceed 1.5x (at_risk, up to 3x) or 3x (lapsed) their usual gap (median of the gaps between their past visit dates); ordered by lifetime value (null when p_revenue is false) then customer id; p_limit NULL lists every entry. Holds names and emails. NULL when an argument is out of range.';
