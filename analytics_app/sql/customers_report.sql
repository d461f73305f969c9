-- The body of GET /api/analytics/analytics/customers/, as JSON.
-- A visit is a confirmed appointment with a customer, in the period by the local date
-- of its start. Read from what the triggers keep:
--   customer_visit_daily   per day: customers with a visit, new ones, visits (the daily
--                          breakdown, new customers, visits);
--   customer_visit_links   consecutive visit days per customer:
--     customers in a period = links into each of its days from a day before it (one per
--                             customer: into their first visit day in the period);
--     rebooked customers    = links out of each of its days to a later, finite day
--                             (one per customer: out of their last visit day in it);
--   appointment_rollup_day_status  confirmed appointments (walk-ins = confirmed - visits);
--     lifetime value        = the same links' lifetime_cents (each link carries the
--                             all-time succeeded payments of its customers);
--   customer_new_channel_daily  new customers per first visit day and channel;
--   payment_rollup_day     visit_revenue_cents by paid day: revenue per visit.
-- p_revenue = false (no can_accept_payments): the two money figures are null.
-- The links are read by range from covering indexes: a few dozen index entries a day
-- (customers come back within weeks, so a day has few distinct previous-visit days).
CREATE FUNCTION customers_report(
    p_days integer DEFAULT 30,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL,
    p_revenue boolean DEFAULT true
) RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- One generic plan, kept for the session, here and in the per-customer recounts that the
-- customer views run while changes wait for the fold (customer_visits.sql; they inherit
-- this setting): by default each re-planned every call, about 1.5 ms a customer view
-- read with even a few changes waiting (benchmarks/BACKLOG.md). Older servers plan each
-- call anyway.
SET plan_cache_mode = force_generic_plan
AS $$
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
per_day AS MATERIALIZED (
    SELECT r.day, sum(r.customers)::bigint AS customers,
           sum(r.new_customers)::bigint AS new_customers, sum(r.visits)::bigint AS visits
    FROM customer_visit_daily r, bounds b
    WHERE r.day BETWEEN b.first_day AND b.last_day
    GROUP BY r.day
),
offsets AS (SELECT i FROM bounds b, generate_series(0, b.days - 1) AS i),
-- One range scan each, over covering indexes (to_day, from_day) and (from_day, to_day).
distinct_customers AS (
    SELECT coalesce(sum(l.customers) FILTER (WHERE l.to_day >= b.first_day
                                               AND l.from_day < b.first_day), 0)::bigint
               AS current,
           -- the same customers' lifetime value (each link carries its customers')
           coalesce(sum(l.lifetime_cents) FILTER (WHERE l.to_day >= b.first_day
                                                    AND l.from_day < b.first_day), 0)::numeric
               AS lifetime_cents,
           coalesce(sum(l.customers) FILTER (WHERE l.to_day < b.first_day
                                               AND l.from_day < b.previous_first_day), 0)::bigint
               AS previous
    FROM customer_visit_links l, bounds b
    WHERE l.to_day BETWEEN b.previous_first_day AND b.last_day
      AND l.from_day < b.first_day
),
rebooked AS (
    SELECT coalesce(sum(l.customers), 0)::bigint AS n
    FROM customer_visit_links l, bounds b
    WHERE l.from_day BETWEEN b.first_day AND b.last_day
      AND l.to_day > b.last_day AND l.to_day < 'infinity'
),
totals AS (
    SELECT coalesce(sum(new_customers), 0)::bigint AS new_customers,
           coalesce(sum(visits), 0)::bigint AS visits
    FROM per_day
),
confirmed AS (  -- every confirmed appointment, with or without a customer
    SELECT coalesce(sum(r.appointments), 0)::bigint AS n
    FROM appointment_rollup_day_status r, bounds b
    WHERE r.status = 'confirmed' AND r.day BETWEEN b.first_day AND b.last_day
),
visit_revenue AS (  -- succeeded payments paid in the period for visits (of any date)
    SELECT coalesce(sum(r.visit_revenue_cents), 0)::numeric AS cents
    FROM payment_rollup_day r, bounds b
    WHERE p_revenue AND r.day BETWEEN b.first_day AND b.last_day
),
by_channel AS (     -- the period's new customers by acquisition channel
    SELECT coalesce(json_agg(json_build_object('channel', g.channel, 'count', g.n)
                             ORDER BY g.n DESC, g.channel COLLATE "C"), '[]') AS channels
    FROM (SELECT r.channel, sum(r.customers)::bigint AS n
          FROM customer_new_channel_daily r, bounds b
          WHERE r.day BETWEEN b.first_day AND b.last_day
          GROUP BY 1) g
    WHERE g.n > 0
),
daily AS (
    SELECT json_agg(json_build_object(
               'date', to_char(b.first_day + o.i, 'YYYY-MM-DD'),
               'customers', coalesce(p.customers, 0),
               'new_customers', coalesce(p.new_customers, 0))
           ORDER BY o.i) AS days
    FROM bounds b CROSS JOIN offsets o
    LEFT JOIN per_day p ON p.day = b.first_day + o.i
)
SELECT json_build_object(
    'customers', d.current,
    'new_customers', t.new_customers,
    'returning_customers', d.current - t.new_customers,
    'returning_customer_percent',
        CASE WHEN d.current = 0 THEN 0.0
             ELSE round((d.current - t.new_customers) * 100.0 / d.current, 2) END,
    'visits', t.visits,
    'visits_per_customer',
        CASE WHEN d.current = 0 THEN NULL ELSE round(t.visits::numeric / d.current, 2) END,
    'rebooked_customers', rb.n,
    'rebooking_rate_percent',
        CASE WHEN d.current = 0 THEN 0.0 ELSE round(rb.n * 100.0 / d.current, 2) END,
    'customers_trend_percent',
        CASE WHEN d.previous = 0 THEN NULL
             ELSE round((d.current - d.previous) * 100.0 / d.previous, 2) END,
    'walk_in_visits', c.n - t.visits,
    'new_customers_by_channel', (SELECT channels FROM by_channel),
    'average_lifetime_value_cents',
        CASE WHEN NOT p_revenue THEN NULL WHEN d.current = 0 THEN 0
             ELSE round(d.lifetime_cents / d.current)::bigint END,
    'revenue_per_visit_cents',
        CASE WHEN NOT p_revenue THEN NULL WHEN t.visits = 0 THEN 0
             ELSE round(vr.cents / t.visits)::bigint END,
    'daily_breakdown', (SELECT days FROM daily),
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone))
FROM distinct_customers d, rebooked rb, totals t, confirmed c, visit_revenue vr, bounds b
$$;

COMMENT ON FUNCTION customers_report(integer, timestamptz, date, date, boolean) IS
    'JSON body of GET /api/analytics/analytics/customers/: distinct customers with a visit (a confirmed appointment with a customer) over the p_days local days ending today (tenant time zone) or p_start..p_end, how many were new (first visit ever in the period) or returning, visits, rebooking (a later visit, any time), trend against the previous period, walk-in visits, new customers by acquisition channel, average lifetime value and revenue per visit (null when p_revenue is false) and a per-day breakdown. Returns NULL when the period is not valid.';
