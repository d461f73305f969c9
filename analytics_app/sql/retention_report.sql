-- The body of GET /api/analytics/analytics/retention/ (SPEC Part 5), as JSON: monthly
-- cohorts of new customers (by their first visit ever, future visits included) and how
-- many of each come back in each later month. A visit is a confirmed appointment with a
-- customer, by its local start_time. p_months: the cohorts, the p_months local calendar
-- months ending with the current one (1-24); NULL when out of range.
CREATE FUNCTION retention_report(
    p_months integer DEFAULT 12,
    p_now timestamptz DEFAULT now()
) RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
WITH span AS MATERIALIZED (
    SELECT z.tz, m.current_month,
           (m.current_month - (p_months - 1) * interval '1 month')::date AS first_month,
           (m.current_month + interval '1 month')::date AS after
    FROM (SELECT tenant_timezone() AS tz) z
    CROSS JOIN LATERAL (
        SELECT date_trunc('month', p_now AT TIME ZONE z.tz)::date AS current_month
    ) m
    WHERE p_months BETWEEN 1 AND 24
),
cohort AS MATERIALIZED (  -- customers whose first visit ever is in one of the months
    SELECT v.customer_id, date_trunc('month', v.first_visit_day)::date AS month
    FROM customer_visit_summary v, span s
    WHERE v.first_visit_day >= s.first_month AND v.first_visit_day < s.after
),
returns AS (  -- each cohort customer's months with a visit, from the cohort's own on
    SELECT c.month,
           (extract(year FROM age(date_trunc('month', d.day), c.month)) * 12
            + extract(month FROM age(date_trunc('month', d.day), c.month)))::int AS k,
           count(DISTINCT c.customer_id) AS customers
    FROM cohort c JOIN customer_visit_days d ON d.customer_id = c.customer_id
    CROSS JOIN span s
    WHERE d.day >= c.month AND d.day < s.after
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
