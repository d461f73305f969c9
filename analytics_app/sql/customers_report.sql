-- The body of GET /api/analytics/analytics/customers/, as JSON.
-- A visit is a confirmed appointment with a customer, in the period by the local date
-- of its start. Everything is read from customer_visit_links (consecutive visit days
-- per customer, kept by the triggers) and, for walk-ins, appointment_rollup_day_status:
--   customers in a period  = links into one of its days from a day before it
--                            (each customer's first visit day in the period);
--   new customers          = links into it from -infinity (first visit ever);
--   rebooked customers     = links out of one of its days to a later, finite day
--                            (each customer's last visit day in the period, if any
--                            visit follows it).
CREATE FUNCTION customers_report(
    p_days integer DEFAULT 30,
    p_now timestamptz DEFAULT now(),
    p_start date DEFAULT NULL,
    p_end date DEFAULT NULL
) RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
WITH bounds AS (SELECT * FROM report_period(p_days, p_now, p_start, p_end)),
links_in AS MATERIALIZED (  -- links into the days of both periods, per to_day and kind
    SELECT r.to_day,
           r.from_day < b.first_day AS from_before_period,
           r.from_day < b.previous_first_day AS from_before_previous,
           r.from_day = '-infinity' AS first_visit,
           sum(r.customers)::bigint AS customers, sum(r.visits)::bigint AS visits
    FROM customer_visit_links r, bounds b
    WHERE r.to_day BETWEEN b.previous_first_day AND b.last_day
    GROUP BY 1, 2, 3, 4
),
totals AS (
    SELECT coalesce(sum(l.customers) FILTER (WHERE l.to_day >= b.first_day AND l.from_before_period), 0)::bigint AS customers,
           coalesce(sum(l.customers) FILTER (WHERE l.to_day >= b.first_day AND l.first_visit), 0)::bigint AS new_customers,
           coalesce(sum(l.visits) FILTER (WHERE l.to_day >= b.first_day), 0)::bigint AS visits,
           coalesce(sum(l.customers) FILTER (WHERE l.to_day < b.first_day AND l.from_before_previous), 0)::bigint AS previous_customers
    FROM links_in l, bounds b
),
rebooked AS (
    SELECT coalesce(sum(r.customers), 0)::bigint AS n
    FROM customer_visit_links r, bounds b
    WHERE r.from_day BETWEEN b.first_day AND b.last_day
      AND r.to_day > b.last_day AND r.to_day < 'infinity'
),
confirmed AS (  -- every confirmed appointment, with or without a customer
    SELECT coalesce(sum(r.appointments), 0)::bigint AS n
    FROM appointment_rollup_day_status r, bounds b
    WHERE r.status = 'confirmed' AND r.day BETWEEN b.first_day AND b.last_day
),
daily AS (
    SELECT json_agg(json_build_object(
               'date', to_char(days.day, 'YYYY-MM-DD'),
               'customers', coalesce(c.customers, 0),
               'new_customers', coalesce(c.new_customers, 0))
           ORDER BY days.day) AS days
    FROM bounds b
    CROSS JOIN LATERAL (SELECT b.first_day + i AS day FROM generate_series(0, b.days - 1) AS i) days
    LEFT JOIN (SELECT to_day, sum(customers)::bigint AS customers,
                      coalesce(sum(customers) FILTER (WHERE first_visit), 0)::bigint AS new_customers
               FROM links_in GROUP BY 1) c ON c.to_day = days.day
)
SELECT json_build_object(
    'customers', t.customers,
    'new_customers', t.new_customers,
    'returning_customers', t.customers - t.new_customers,
    'returning_customer_percent',
        CASE WHEN t.customers = 0 THEN 0.0
             ELSE round((t.customers - t.new_customers) * 100.0 / t.customers, 2) END,
    'visits', t.visits,
    'visits_per_customer',
        CASE WHEN t.customers = 0 THEN NULL ELSE round(t.visits::numeric / t.customers, 2) END,
    'rebooked_customers', rb.n,
    'rebooking_rate_percent',
        CASE WHEN t.customers = 0 THEN 0.0 ELSE round(rb.n * 100.0 / t.customers, 2) END,
    'customers_trend_percent',
        CASE WHEN t.previous_customers = 0 THEN NULL
             ELSE round((t.customers - t.previous_customers) * 100.0 / t.previous_customers, 2) END,
    'walk_in_visits', c.n - t.visits,
    'daily_breakdown', (SELECT days FROM daily),
    'period_days', b.days,
    'window', report_window(b.first_day, b.last_day, b.previous_first_day,
                            b.previous_last_day, b.time_zone))
FROM totals t, rebooked rb, confirmed c, bounds b
$$;

COMMENT ON FUNCTION customers_report(integer, timestamptz, date, date) IS
    'JSON body of GET /api/analytics/analytics/customers/: distinct customers with a visit (a confirmed appointment with a customer) over the p_days local days ending today (tenant time zone) or p_start..p_end, how many were new (first visit ever in the period) or returning, visits, rebooking (a later visit, any time), trend against the previous period, walk-in visits and a per-day breakdown. Returns NULL when the period is not valid.';
