-- The body of GET /api/analytics/analytics/retention/ (SPEC Part 5), as JSON: monthly
-- cohorts of new customers (by their first visit ever, future visits included) and how
-- many of each come back in each later month. A visit is a confirmed appointment with a
-- customer, by its local start_time. p_months: the cohorts, the p_months local calendar
-- months ending with the current one (1-24); NULL when out of range. Read from the
-- customers kept per cohort month and month with a visit (customer_cohort_months,
-- declared in db/rollups.py): a few hundred rows, however many customers.
CREATE FUNCTION retention_report(
    p_months integer DEFAULT 12,
    p_now timestamptz DEFAULT now()
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
WITH span AS MATERIALIZED (
    SELECT z.tz, m.current_month,
           (m.current_month - (p_months - 1) * interval '1 month')::date AS first_month,
           (m.current_month + interval '1 month')::date AS after
    FROM (SELECT tenant_timezone() AS tz OFFSET 0) z
    CROSS JOIN LATERAL (
        SELECT date_trunc('month', p_now AT TIME ZONE z.tz)::date AS current_month
    ) m
    WHERE p_months BETWEEN 1 AND 24
),
returns AS (  -- each cohort's customers with a visit in each month, from the cohort's own
    SELECT r.cohort_month AS month,
           (extract(year FROM age(r.month, r.cohort_month)) * 12
            + extract(month FROM age(r.month, r.cohort_month)))::int AS k,
           sum(r.customers) AS customers
    FROM customer_cohort_months r, span s
    WHERE r.cohort_month >= s.first_month AND r.cohort_month < s.after AND r.month < s.after
    GROUP BY 1, 2
),
months AS (
    SELECT (s.first_month + i * interval '1 month')::date AS month, p_months - 1 - i AS last_k
    FROM span s, generate_series(0, p_months - 1) AS i
),
cells AS (
    SELECT m.month, k.k, coalesce(r.customers, 0) AS retained,
           coalesce(first.customers, 0) AS new_customers
    FROM months m
    CROSS JOIN LATERAL generate_series(0, m.last_k) AS k(k)
    LEFT JOIN returns r ON r.month = m.month AND r.k = k.k
    LEFT JOIN returns first ON first.month = m.month AND first.k = 0
),
cohorts AS (
    SELECT json_agg(json_build_object(
               'month', to_char(c.month, 'YYYY-MM'),
               'new_customers', c.new_customers,
               'retained', c.retained,
               'retained_percent', c.percents) ORDER BY c.month) AS entries
    FROM (SELECT month, min(new_customers) AS new_customers,
                 json_agg(retained ORDER BY k) AS retained,
                 json_agg(CASE WHEN new_customers = 0 THEN 0.0
                               ELSE round(retained * 100.0 / new_customers, 2) END
                          ORDER BY k) AS percents
          FROM cells GROUP BY month) c
),
average AS (  -- over the cohorts that have an element k, weighted by their new customers
    SELECT json_agg(CASE WHEN a.new_customers = 0 THEN NULL
                         ELSE round(a.retained * 100.0 / a.new_customers, 2) END
                    ORDER BY a.k) AS percents
    FROM (SELECT k, sum(retained) AS retained, sum(new_customers) AS new_customers
          FROM cells GROUP BY k) a
)
SELECT json_build_object(
    'cohorts', c.entries,
    'average_retained_percent', a.percents,
    'window', json_build_object(
        'start_date', s.first_month,
        'end_date', s.after - 1,
        'time_zone', s.tz))
FROM span s, cohorts c, average a
$$;

COMMENT ON FUNCTION retention_report(integer, timestamptz) IS
    'JSON body of GET /api/analytics/analytics/retention/: per local calendar month of the p_months ending with the current one, the customers whose first visit ever falls in it (new_customers) and how many of them have a visit in each later month (retained[k], k months after; future visits count), with percentages and their weighted average per k. NULL when p_months is not 1-24.';
