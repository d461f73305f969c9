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
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
WITH today AS MATERIALIZED (
    SELECT z.day, (z.day + 1)::timestamp AT TIME ZONE z.tz AS tomorrow
    FROM (SELECT tz, (p_now AT TIME ZONE tz)::date AS day FROM tenant_timezone() tz) z
    WHERE p_state IN ('at_risk', 'lapsed', 'all')
      AND (p_limit IS NULL OR p_limit BETWEEN 1 AND 500)
      AND p_offset BETWEEN 0 AND 100000
),
changed AS MATERIALIZED (SELECT changed_customers() AS ids),
-- A kept row is read as it is when the customer's changes are folded and their last
-- visit is before today: every visit of theirs is past, nothing is booked ahead, and
-- their state is read from the days they cross 1.5x and 3x their usual gap.
kept AS MATERIALIZED (  -- the page's first p_offset + p_limit of them, in its order
    (SELECT s.* FROM customer_visit_summary_folded s
     WHERE p_revenue AND s.at_risk_day <= (SELECT day FROM today)
       AND (p_state = 'all' OR (s.lapsed_day <= (SELECT day FROM today)) = (p_state = 'lapsed'))
       AND s.customer_id NOT IN (SELECT unnest(ids) FROM changed)
     ORDER BY s.lifetime_cents DESC, s.customer_id
     LIMIT p_offset + p_limit)
    UNION ALL
    (SELECT s.* FROM customer_visit_summary_folded s
     WHERE NOT p_revenue AND s.at_risk_day <= (SELECT day FROM today)
       AND (p_state = 'all' OR (s.lapsed_day <= (SELECT day FROM today)) = (p_state = 'lapsed'))
       AND s.customer_id NOT IN (SELECT unnest(ids) FROM changed)
     ORDER BY s.customer_id
     LIMIT p_offset + p_limit)
),
-- The others are weighed here: customers of changes not folded yet (recounted), and
-- those whose last visit day is today, whose past visits end the visit day before it.
others AS MATERIALIZED (
    SELECT f.* FROM changed c, customer_visit_summary_fresh(c.ids) f
    WHERE cardinality(c.ids) > 0
    UNION ALL
    SELECT s.* FROM customer_visit_summary_folded s
    WHERE s.last_visit_day = (SELECT day FROM today)
      AND s.at_risk_day_before_last <= (SELECT day FROM today)
      AND s.customer_id NOT IN (SELECT unnest(ids) FROM changed)
),
other_states AS MATERIALIZED (
    SELECT o.customer_id, p.visits, o.first_visit_day, p.last_day, p.gap, o.lifetime_cents,
           o.channel, t.day - p.last_day AS days_since,
           CASE WHEN p.lapsed_day <= t.day THEN 'lapsed'
                WHEN p.at_risk_day <= t.day THEN 'at_risk' END AS state
    FROM others o CROSS JOIN today t
    CROSS JOIN LATERAL (
        SELECT o.visits, o.last_visit_day AS last_day, o.usual_gap_days AS gap,
               o.at_risk_day, o.lapsed_day
        WHERE o.last_visit_day < t.day
        UNION ALL
        SELECT o.visits_before_last, o.day_before_last, o.gap_before_last,
               o.at_risk_day_before_last, o.lapsed_day_before_last
        WHERE o.last_visit_day = t.day AND o.at_risk_day_before_last <= t.day
          AND NOT EXISTS (SELECT FROM appointments a
                          WHERE a.customer_id = o.customer_id AND a.status = 'confirmed'
                            AND a.start_time >= p_now)
    ) p
),
-- The states counted: every kept row's from the days customers cross 1.5x and 3x
-- (customer_at_risk_days and customer_lapsed_days: grains 4 and 5 of the customers'
-- links' folded table), less the kept rows of the customers weighed above, plus what
-- they weigh.
counts AS (
    SELECT r.n - l.n AS at_risk, l.n AS lapsed  -- (the lapsed are past 1.5x too)
    FROM today t
    CROSS JOIN LATERAL (SELECT coalesce(sum(customers), 0) AS n
                        FROM customer_link_rollup_folded
                        WHERE grain = 4 AND at_risk_day <= t.day) r
    CROSS JOIN LATERAL (SELECT coalesce(sum(customers), 0) AS n
                        FROM customer_link_rollup_folded
                        WHERE grain = 5 AND lapsed_day <= t.day) l
    UNION ALL
    SELECT -count(*) FILTER (WHERE s.lapsed_day > t.day),
           -count(*) FILTER (WHERE s.lapsed_day <= t.day)
    FROM changed c CROSS JOIN LATERAL unnest(c.ids) i(id)
    JOIN customer_visit_summary_folded s ON s.customer_id = i.id
    CROSS JOIN today t
    WHERE s.at_risk_day <= t.day
    UNION ALL
    SELECT count(*) FILTER (WHERE state = 'at_risk'), count(*) FILTER (WHERE state = 'lapsed')
    FROM other_states
),
totals AS (SELECT sum(at_risk)::bigint AS at_risk, sum(lapsed)::bigint AS lapsed FROM counts),
listed AS MATERIALIZED (
    SELECT k.customer_id, k.visits, k.first_visit_day AS first_day,
           k.last_visit_day AS last_day, k.usual_gap_days AS gap, k.lifetime_cents,
           k.channel, t.day - k.last_visit_day AS days_since,
           CASE WHEN k.lapsed_day <= t.day THEN 'lapsed' ELSE 'at_risk' END AS state
    FROM kept k CROSS JOIN today t
    UNION ALL
    SELECT o.customer_id, o.visits, o.first_visit_day, o.last_day, o.gap, o.lifetime_cents,
           o.channel, o.days_since, o.state
    FROM other_states o
    WHERE o.state IS NOT NULL AND (p_state = 'all' OR o.state = p_state)
),
page AS (
    SELECT l.*, cu.name, cu.email FROM listed l JOIN customers cu ON cu.id = l.customer_id
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
    'total', (SELECT CASE p_state WHEN 'at_risk' THEN at_risk WHEN 'lapsed' THEN lapsed
                              ELSE at_risk + lapsed END FROM totals),
    'at_risk_count', (SELECT at_risk FROM totals),
    'lapsed_count', (SELECT lapsed FROM totals),
    'limit', p_limit,
    'offset', p_offset)
FROM today
$$;

COMMENT ON FUNCTION at_risk_report(text, integer, integer, timestamptz, boolean) IS
    'JSON body of GET /api/analytics/analytics/at-risk/: customers with visits on two or more local dates before today and nothing booked ahead, whose days since their last visit exceed 1.5x (at_risk, up to 3x) or 3x (lapsed) their usual gap (median of the gaps between their past visit dates); ordered by lifetime value (null when p_revenue is false) then customer id; p_limit NULL lists every entry. Holds names and emails. NULL when an argument is out of range.';
