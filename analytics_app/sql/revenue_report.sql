-- The body of GET /api/analytics/analytics/revenue/, as JSON: succeeded payments by local day of paid_at.
CREATE FUNCTION revenue_report(
    p_days integer DEFAULT 30,
    p_service_id bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL
) RETURNS json
LANGUAGE plpgsql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
-- Planned once per session (a generic plan, kept by PL/pgSQL; as outlook_report): the
-- service filter's arms are switched by one-time filters on the arguments.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
RETURN (
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
-- The rollup itself, not the revenue_daily view: a period bound from a joined CTE cannot
-- pass below the view's GROUP BY, but it can use the table's index. Every use below
-- sums, so a key's rows (the folded one, changes not folded yet) add up. Read once
-- (materialized) for the totals, the days, the services and the resources: each read
-- of a rollup is also a pass over the changes not folded yet.
current_period AS MATERIALIZED (
    SELECT r.day, r.service_id, r.resource_id, r.revenue_cents,
           r.transactions AS transaction_count, r.refunded_cents
    FROM payment_rollup_daily r, bounds b
    WHERE r.day BETWEEN b.first_day AND b.last_day
      AND (p_service_id IS NULL OR r.service_id = ANY(p_service_id))
),
totals AS (
    SELECT coalesce(sum(revenue_cents), 0)::bigint AS revenue,
           coalesce(sum(transaction_count), 0)::bigint AS transactions
    FROM current_period
),
previous AS (  -- a total: the day rollup without a service filter (a row a day)
    SELECT coalesce(sum(x.revenue_cents), 0)::bigint AS revenue
    FROM (SELECT r.revenue_cents
          FROM payment_rollup_day r, bounds b
          WHERE p_service_id IS NULL
            AND r.day BETWEEN b.previous_first_day AND b.previous_last_day
          UNION ALL
          SELECT r.revenue_cents
          FROM payment_rollup_daily r, bounds b
          WHERE p_service_id IS NOT NULL AND r.service_id = ANY(p_service_id)
            AND r.day BETWEEN b.previous_first_day AND b.previous_last_day) x
),
by_service AS (
    SELECT coalesce(json_agg(json_build_object(
               'service_id', id, 'service_name', name, 'revenue_cents', revenue, 'count', n)
               ORDER BY revenue DESC, id), '[]')
    FROM (SELECT s.id, s.name, sum(c.revenue_cents)::bigint AS revenue,
                 sum(c.transaction_count)::bigint AS n
          FROM current_period c JOIN services s ON s.id = c.service_id
          GROUP BY s.id, s.name) x
    WHERE n > 0
),
-- Succeeded and refunded payments by resource (their appointment's), same filter.
per_resource AS (
    SELECT resource_id, sum(revenue_cents)::bigint AS revenue,
           sum(transaction_count)::bigint AS n, sum(refunded_cents)::bigint AS refunded
    FROM current_period
    GROUP BY resource_id
),
by_resource AS (
    SELECT coalesce(json_agg(json_build_object(
               'resource_id', x.id, 'resource_name', x.name, 'revenue_cents', x.revenue,
               'count', x.n) ORDER BY x.revenue DESC, x.id), '[]')
    FROM (SELECT s.id, s.name, p.revenue, p.n
          FROM per_resource p JOIN resources s ON s.id = p.resource_id) x
    WHERE x.n > 0
),
daily AS (
    SELECT json_agg(json_build_object(
               'date', to_char(g.day, 'YYYY-MM-DD'),
               'revenue_cents', coalesce(c.revenue, 0),
               'transaction_count', coalesce(c.n, 0))
           ORDER BY g.day) AS days
    FROM bounds b
    CROSS JOIN LATERAL (SELECT b.first_day + i AS day FROM generate_series(0, b.days - 1) AS i) g
    LEFT JOIN (SELECT day, sum(revenue_cents)::bigint AS revenue, sum(transaction_count)::bigint AS n
               FROM current_period GROUP BY day) c ON c.day = g.day
)
SELECT json_build_object(
    'total_revenue_cents', t.revenue,
    'transaction_count', t.transactions,
    'average_transaction_value_cents',
        CASE WHEN t.transactions = 0 THEN 0
             ELSE round(t.revenue::numeric / t.transactions)::bigint END,
    'by_service', (SELECT * FROM by_service),
    'by_resource', (SELECT * FROM by_resource),
    'daily_breakdown', (SELECT days FROM daily),
    'revenue_trend_percent',
        CASE WHEN p.revenue = 0 THEN NULL
             ELSE round((t.revenue - p.revenue) * 100.0 / p.revenue, 2) END,
    'refunded_cents', (SELECT coalesce(sum(refunded), 0)::bigint FROM per_resource),
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone),
    'currency', tenant_currency())
FROM totals t, previous p, bounds b
);
END
$$;

COMMENT ON FUNCTION revenue_report(integer, bigint[], timestamptz, date, date) IS
    'JSON body of GET /api/analytics/analytics/revenue/: succeeded payments over the p_days local days ending today (tenant time zone, by paid_at) or p_start..p_end, optionally for one service, with per-day breakdown and the trend against the previous period of as many days. Returns NULL when the period is not valid.';
