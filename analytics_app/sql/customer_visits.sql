-- Customer figures that do not add up across changes (a customer's first visit, the
-- day of their previous visit, their lifetime value): kept per customer, recounted
-- whole for the customers a change touched. A visit is a confirmed appointment with a
-- customer; its day is the local date of start_time in the tenant's time zone (an
-- infinite start_time is on no day: not a visit).
--
-- The fold keeps each customer's visit days and summary (customer_visit_days_folded,
-- customer_visit_summary_folded) and the additive rollups built from their links
-- (customer_visit_links, customer_visit_daily, customer_new_channel_daily, declared in
-- db/rollups.py): for a touched customer it adds the links recounted now (+1) and
-- takes away the links of the state it kept (-1), then replaces the state. A read does
-- the same for the customers touched by changes not folded yet, without writing.
-- SECURITY DEFINER: the DBA views read them through views (as their owner's reads).
--
-- Their bodies are SQL-standard (BEGIN ATOMIC): parsed once, when created, and bound to
-- the functions and tables they name by OID. A body in a string is parsed again by
-- every session that first runs it, and each function name it holds is looked up among
-- every tenant's function of that name (one per tenant: at 10,000 tenants 10-80 ms a
-- name once any function changed anywhere, docs/scale-out.md). For the same reason the
-- rollup files that a release regenerates (db/rollups.py) name none of these functions:
-- they read them through views made once with the schema (rollup_inputs.sql).

-- Customers whose figures the changes not folded yet may have moved: those of changed
-- appointments (any status: their payments are their lifetime value), of the
-- appointments of changed succeeded payments, and those whose channel changed.
CREATE FUNCTION changed_customers() RETURNS bigint[]
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT coalesce(array_agg(DISTINCT c ORDER BY c), '{}')
    FROM (SELECT customer_id FROM appointment_changes
          UNION ALL
          SELECT a.customer_id FROM payment_changes p
          CROSS JOIN LATERAL (SELECT a.customer_id FROM appointments a
                              WHERE a.id = p.appointment_id OFFSET 0) a
          WHERE p.status = 'succeeded'
          UNION ALL
          SELECT a.customer_id FROM payment_changes p
          JOIN appointment_changes a ON a.id = p.appointment_id
          WHERE p.status = 'succeeded'
          UNION ALL
          SELECT id FROM customer_changes) x(c)
    WHERE c IS NOT NULL;
END;

COMMENT ON FUNCTION changed_customers() IS
    'Customers touched by changes the fold has not moved into the rollups yet (their figures are recounted when read).';

-- Visits per customer and local day, recounted from appointments (p_ids NULL: all).
-- Lists of ids are joined (unnest), never tested with = ANY: a fold may name a hundred
-- thousand customers, and = ANY would compare each row with every one of them. Each id
-- of a short list looks its rows up through the index (LATERAL ... OFFSET 0): the
-- planner's costs preferred hash joins over whole tables (135 ms instead of 42 for
-- 2,000 customers at a million appointments); a long list (over 1,000: a bulk load)
-- is joined as a set, which the planner may hash.
CREATE FUNCTION customer_visit_days_fresh(p_ids bigint[] DEFAULT NULL)
RETURNS TABLE (customer_id bigint, day date, visits integer)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT a.customer_id, (a.start_time AT TIME ZONE z.tz)::date, count(*)::integer
    FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    WHERE p_ids IS NULL AND a.status = 'confirmed' AND a.customer_id IS NOT NULL
      AND isfinite(a.start_time)
    GROUP BY 1, 2
    UNION ALL
    SELECT i.id, (a.start_time AT TIME ZONE z.tz)::date, count(*)::integer
    FROM unnest(p_ids) i(id)
    -- (customer_id alone inside: with the status there too, a plan made before the
    -- statistics ANDed the whole partial index of confirmed appointments, per customer)
    CROSS JOIN LATERAL (SELECT a.start_time, a.status FROM appointments a
                        WHERE a.customer_id = i.id OFFSET 0) a
    CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    WHERE cardinality(p_ids) <= 1000 AND a.status = 'confirmed' AND isfinite(a.start_time)
    GROUP BY 1, 2
    UNION ALL
    SELECT a.customer_id, (a.start_time AT TIME ZONE z.tz)::date, count(*)::integer
    FROM unnest(p_ids) i(id)
    JOIN appointments a ON a.customer_id = i.id
    CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    WHERE cardinality(p_ids) > 1000 AND a.status = 'confirmed' AND isfinite(a.start_time)
    GROUP BY 1, 2;
END;

-- Each customer's lifetime value (all-time succeeded payments of their appointments,
-- any status, any paid_at) and acquisition channel ('unknown' for NULL or blank).
CREATE FUNCTION customer_values_fresh(p_ids bigint[] DEFAULT NULL)
RETURNS TABLE (customer_id bigint, cents bigint, channel text)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT c.id, coalesce(v.cents, 0)::bigint, coalesce(nullif(c.acquisition_channel, ''), 'unknown')
    FROM customers c
    LEFT JOIN (SELECT a.customer_id, sum(p.amount_cents) AS cents
               FROM payments p JOIN appointments a ON a.id = p.appointment_id
               WHERE p.status = 'succeeded' AND a.customer_id IS NOT NULL
               GROUP BY 1) v ON v.customer_id = c.id
    WHERE p_ids IS NULL
    UNION ALL
    SELECT i.id, coalesce(v.cents, 0)::bigint, coalesce(nullif(c.acquisition_channel, ''), 'unknown')
    FROM unnest(p_ids) i(id)
    LEFT JOIN customers c ON c.id = i.id
    LEFT JOIN LATERAL (
        SELECT sum(p.amount_cents) AS cents
        FROM (SELECT a.id FROM appointments a WHERE a.customer_id = i.id OFFSET 0) a
        CROSS JOIN LATERAL (SELECT p.amount_cents, p.status FROM payments p
                            WHERE p.appointment_id = a.id OFFSET 0) p
        WHERE p.status = 'succeeded') v ON true
    WHERE cardinality(p_ids) <= 1000
    UNION ALL
    SELECT i.id, coalesce(v.cents, 0)::bigint, coalesce(nullif(c.acquisition_channel, ''), 'unknown')
    FROM unnest(p_ids) i(id)
    LEFT JOIN customers c ON c.id = i.id
    LEFT JOIN (SELECT a.customer_id, sum(p.amount_cents) AS cents
               FROM unnest(p_ids) j(id)
               JOIN appointments a ON a.customer_id = j.id
               JOIN payments p ON p.appointment_id = a.id
               WHERE p.status = 'succeeded'
               GROUP BY 1) v ON v.customer_id = i.id
    WHERE cardinality(p_ids) > 1000;
END;

-- The days a customer with this last visit day and usual gap starts to drift away: the
-- first local dates whose days since the last visit exceed 1.5x the gap (at risk) and
-- 3x (lapsed); NULL without a gap. Days since are whole, so "> 1.5 x gap" is ">= the
-- floor of it + 1" (SPEC Part 5, GET .../at-risk/).
-- (A set of one row, so that PostgreSQL inlines it into the queries that call it.)
CREATE FUNCTION drift_days(p_last date, p_gap numeric)
RETURNS TABLE (at_risk_day date, lapsed_day date)
LANGUAGE sql IMMUTABLE ROWS 1
AS $$
    SELECT p_last + floor(1.5 * p_gap)::integer + 1, p_last + floor(3 * p_gap)::integer + 1
$$;

-- Per customer with a visit: first and last visit day, visit days, visits, lifetime
-- value and channel; their usual gap (the median of the day differences between
-- consecutive visit days) and the days it makes them at risk and lapsed; and the same
-- without the last visit day, which at-risk reads when that day is today (today's
-- visits are not past ones). Recounted (p_ids NULL: all).
CREATE FUNCTION customer_visit_summary_fresh(p_ids bigint[] DEFAULT NULL)
RETURNS TABLE (customer_id bigint, first_visit_day date, last_visit_day date,
               visit_days integer, visits integer, lifetime_cents bigint, channel text,
               usual_gap_days numeric, at_risk_day date, lapsed_day date,
               day_before_last date, gap_before_last numeric, visits_before_last integer,
               at_risk_day_before_last date, lapsed_day_before_last date)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    SELECT s.customer_id, s.first_day, s.last_day, s.days, s.visits, v.cents, v.channel,
           s.gap, r.at_risk_day, r.lapsed_day, s.day_before_last, s.gap_before_last,
           s.visits_before_last, b.at_risk_day, b.lapsed_day
    FROM (SELECT d.customer_id, min(d.day) AS first_day, max(d.day) AS last_day,
                 count(*)::integer AS days, sum(d.visits)::integer AS visits,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY d.gap)::numeric AS gap,
                 max(d.day) FILTER (WHERE d.day < d.last_day) AS day_before_last,
                 (percentile_cont(0.5) WITHIN GROUP (ORDER BY d.gap)
                      FILTER (WHERE d.day < d.last_day))::numeric AS gap_before_last,
                 coalesce(sum(d.visits) FILTER (WHERE d.day < d.last_day), 0)::integer
                     AS visits_before_last
          FROM (SELECT f.customer_id, f.day, f.visits,
                       f.day - lag(f.day) OVER (PARTITION BY f.customer_id ORDER BY f.day) AS gap,
                       max(f.day) OVER (PARTITION BY f.customer_id) AS last_day
                FROM customer_visit_days_fresh(p_ids) f) d
          GROUP BY 1) s
    JOIN customer_values_fresh(p_ids) v USING (customer_id)
    CROSS JOIN LATERAL drift_days(s.last_day, s.gap) r
    CROSS JOIN LATERAL drift_days(s.day_before_last, s.gap_before_last) b;
END;

-- The links between each customer's consecutive visit days: from -infinity into the
-- first, from the last to infinity; visits are those of to_day, cents the customer's
-- lifetime value, channel their acquisition channel, first_day their first visit day;
-- the last link (to infinity) carries the days their usual gap makes them at risk and
-- lapsed (drift_days). p_fresh: recounted from the base tables (p_ids NULL: every
-- customer); else as the fold last kept them.
CREATE FUNCTION customer_links(p_ids bigint[] DEFAULT NULL, p_fresh boolean DEFAULT true)
RETURNS TABLE (customer_id bigint, from_day date, to_day date, visits bigint, cents bigint,
               channel text, first_day date, at_risk_day date, lapsed_day date)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH days AS MATERIALIZED (
        SELECT d.customer_id, d.day, d.visits, v.cents, v.channel, NULL::date AS at_risk_day,
               NULL::date AS lapsed_day
        FROM customer_visit_days_fresh(p_ids) d
        JOIN customer_values_fresh(p_ids) v USING (customer_id)
        WHERE p_fresh
        UNION ALL
        SELECT d.customer_id, d.day, d.visits, s.lifetime_cents, s.channel, s.at_risk_day,
               s.lapsed_day
        FROM unnest(p_ids) i(id)
        CROSS JOIN LATERAL (SELECT * FROM customer_visit_summary_folded s
                            WHERE s.customer_id = i.id OFFSET 0) s
        CROSS JOIN LATERAL (SELECT * FROM customer_visit_days_folded d
                            WHERE d.customer_id = i.id OFFSET 0) d
        WHERE NOT p_fresh AND cardinality(p_ids) <= 1000
        UNION ALL
        SELECT d.customer_id, d.day, d.visits, s.lifetime_cents, s.channel, s.at_risk_day,
               s.lapsed_day
        FROM unnest(p_ids) i(id)
        JOIN customer_visit_summary_folded s ON s.customer_id = i.id
        JOIN customer_visit_days_folded d ON d.customer_id = i.id
        WHERE NOT p_fresh AND cardinality(p_ids) > 1000
    )
    , links AS MATERIALIZED (
        SELECT customer_id, coalesce(lag(day) OVER w, '-infinity'::date) AS from_day, day,
               visits::bigint AS visits, cents, channel, min(day) OVER w AS first_day,
               at_risk_day, lapsed_day
        FROM days WINDOW w AS (PARTITION BY customer_id ORDER BY day)
    )
    SELECT customer_id, from_day, day, visits, cents, channel, first_day, NULL::date, NULL::date
    FROM links
    UNION ALL  -- the last link, recounted: the drift days of the median gap
    SELECT e.customer_id, e.last_day, 'infinity'::date, 0, e.cents, NULL, e.first_day,
           r.at_risk_day, r.lapsed_day
    FROM (SELECT customer_id, min(first_day) AS first_day, max(day) AS last_day,
                 max(cents) AS cents,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY day - from_day)
                     FILTER (WHERE from_day > '-infinity')::numeric AS gap
          FROM links WHERE p_fresh GROUP BY customer_id) e
    CROSS JOIN LATERAL drift_days(e.last_day, e.gap) r
    UNION ALL  -- the last link as kept: the drift days the summary keeps with those days
    SELECT customer_id, max(day), 'infinity'::date, 0, max(cents), NULL, min(first_day),
           max(at_risk_day), max(lapsed_day)
    FROM links WHERE NOT p_fresh GROUP BY customer_id;
END;

-- What the touched customers' links changed by: recounted now (+1) minus kept (-1)
-- (p_ids NULL: the customers of the changes not folded yet).
CREATE FUNCTION customer_link_changes(p_ids bigint[] DEFAULT NULL)
RETURNS TABLE (sign integer, customer_id bigint, from_day date, to_day date, visits bigint,
               cents bigint, channel text, first_day date, at_risk_day date, lapsed_day date)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
BEGIN ATOMIC
    WITH ids AS MATERIALIZED (SELECT coalesce(p_ids, changed_customers()) AS ids)
    SELECT 1, l.* FROM ids, customer_links(ids.ids, true) l WHERE cardinality(ids.ids) > 0
    UNION ALL
    SELECT -1, l.* FROM ids, customer_links(ids.ids, false) l WHERE cardinality(ids.ids) > 0;
END;

COMMENT ON FUNCTION customer_visit_days_fresh(bigint[]) IS
    'Visits per customer and local day recounted from appointments, for these customers (NULL: all).';
COMMENT ON FUNCTION customer_values_fresh(bigint[]) IS
    'Lifetime value (all-time succeeded payments) and acquisition channel of these customers (NULL: all), from the base tables.';
COMMENT ON FUNCTION drift_days(date, numeric) IS
    'The first local days a customer with this last visit day and usual gap is at risk (days since > 1.5x the gap) and lapsed (> 3x).';
COMMENT ON FUNCTION customer_visit_summary_fresh(bigint[]) IS
    'First and last visit day, visit days, visits, lifetime value, channel, usual gap and drift days (also without the last visit day) of these customers with a visit (NULL: all), recounted.';
COMMENT ON FUNCTION customer_links(bigint[], boolean) IS
    'Links between consecutive visit days of these customers: recounted (p_fresh) or as the fold kept them.';
COMMENT ON FUNCTION customer_link_changes(bigint[]) IS
    'The change of these customers'' links (NULL: those of the changes not folded yet) since the fold kept them: +1 recounted, -1 kept.';

