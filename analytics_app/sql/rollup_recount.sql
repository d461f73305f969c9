-- The rollups recomputed from the base tables: what the triggers must always equal.
-- `(SELECT tenant_timezone() AS tz OFFSET 0) z`: OFFSET 0 keeps the planner from pulling
-- the call up into every row (a SECURITY DEFINER function is never inlined; called per
-- row it made a recount of a million appointments take minutes instead of seconds).
-- Used to rebuild (rebuild_rollups) and to check (rollup_differences); each returns
-- one row per rollup key with every figure of the rollup.
CREATE FUNCTION rollup_recount_daily()
RETURNS TABLE (day date, status text, service_id bigint, resource_id bigint,
               appointments bigint, duration_seconds numeric,
               lead_appointments bigint, lead_seconds numeric, lead_same_day bigint,
               lead_1_to_6_days bigint, lead_7_to_29_days bigint, lead_30_days_or_more bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    -- Lead time counts appointments created at or before their start; lead days are
    -- local date of start_time - local date of created_at.
    SELECT day, status, service_id, resource_id, count(*), sum(seconds),
           count(*) FILTER (WHERE booked_ahead),
           coalesce(sum(lead_seconds) FILTER (WHERE booked_ahead), 0),
           count(*) FILTER (WHERE booked_ahead AND lead_days = 0),
           count(*) FILTER (WHERE booked_ahead AND lead_days BETWEEN 1 AND 6),
           count(*) FILTER (WHERE booked_ahead AND lead_days BETWEEN 7 AND 29),
           count(*) FILTER (WHERE booked_ahead AND lead_days >= 30)
    FROM (SELECT (a.start_time AT TIME ZONE z.tz)::date AS day, a.status, a.service_id,
                 a.resource_id,
                 extract(epoch FROM a.end_time) - extract(epoch FROM a.start_time) AS seconds,
                 coalesce(a.created_at <= a.start_time, false) AS booked_ahead,
                 extract(epoch FROM a.start_time) - extract(epoch FROM a.created_at) AS lead_seconds,
                 (a.start_time AT TIME ZONE z.tz)::date - (a.created_at AT TIME ZONE z.tz)::date
                     AS lead_days
          FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z) x
    GROUP BY 1, 2, 3, 4
$$;

CREATE FUNCTION rollup_recount_weekday_hour()
RETURNS TABLE (weekday smallint, hour smallint, appointments bigint, duration_seconds numeric)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT extract(dow FROM l.local_start)::smallint, extract(hour FROM l.local_start)::smallint,
           count(*), sum(l.seconds)
    FROM (SELECT a.start_time AT TIME ZONE z.tz AS local_start,
                 extract(epoch FROM a.end_time) - extract(epoch FROM a.start_time) AS seconds
          FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
          WHERE a.status = 'confirmed') l
    GROUP BY 1, 2
$$;

CREATE FUNCTION rollup_recount_payments()
RETURNS TABLE (day date, service_id bigint, resource_id bigint, revenue_cents bigint,
               transactions bigint, refunded_cents bigint, refunds bigint,
               visit_revenue_cents bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT (p.paid_at AT TIME ZONE z.tz)::date, a.service_id, a.resource_id,
           coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'succeeded'), 0)::bigint,
           count(*) FILTER (WHERE p.status = 'succeeded'),
           coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'refunded'), 0)::bigint,
           count(*) FILTER (WHERE p.status = 'refunded'),
           coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'succeeded'
                                                  AND a.status = 'confirmed'
                                                  AND a.customer_id IS NOT NULL), 0)::bigint
    FROM payments p
    JOIN appointments a ON a.id = p.appointment_id
    CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    WHERE p.status IN ('succeeded', 'refunded') AND p.paid_at IS NOT NULL
    GROUP BY 1, 2, 3
$$;

COMMENT ON FUNCTION rollup_recount_daily() IS
    'appointment_rollup_daily recomputed from appointments (full scan): the reference the rollup must equal.';
COMMENT ON FUNCTION rollup_recount_weekday_hour() IS
    'appointment_rollup_weekday_hour recomputed from appointments (full scan).';
COMMENT ON FUNCTION rollup_recount_payments() IS
    'payment_rollup_daily recomputed from payments and appointments (full scan).';

CREATE FUNCTION rollup_recount_day_hour()
RETURNS TABLE (day date, hour smallint, status text, service_id bigint, resource_id bigint,
               appointments bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT (l.local_start)::date, extract(hour FROM l.local_start)::smallint, l.status,
           l.service_id, l.resource_id, count(*)
    FROM (SELECT a.start_time AT TIME ZONE z.tz AS local_start, a.status, a.service_id,
                 a.resource_id
          FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z) l
    GROUP BY 1, 2, 3, 4, 5
$$;

COMMENT ON FUNCTION rollup_recount_day_hour() IS
    'appointment_rollup_day_hour_detail recomputed from appointments (full scan).';

CREATE FUNCTION rollup_recount_customer_days()
RETURNS TABLE (customer_id bigint, day date, visits integer)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT a.customer_id, (a.start_time AT TIME ZONE z.tz)::date, count(*)::int
    FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    WHERE a.status = 'confirmed' AND a.customer_id IS NOT NULL
    GROUP BY 1, 2
$$;

-- The links between each customer's consecutive visit days, from a set of visit days
-- (one row per customer and day): the first day comes from -infinity, the last goes
-- to infinity; visits are those of to_day.
-- Each customer's lifetime value (all-time succeeded payments of their appointments,
-- any status, any paid_at) and acquisition channel ('unknown' for NULL or blank).
CREATE FUNCTION rollup_recount_customer_values()
RETURNS TABLE (customer_id bigint, lifetime_cents bigint, channel text)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT c.id, coalesce(v.cents, 0)::bigint, coalesce(nullif(c.acquisition_channel, ''), 'unknown')
    FROM customers c
    LEFT JOIN (SELECT a.customer_id, sum(p.amount_cents) AS cents
               FROM payments p JOIN appointments a ON a.id = p.appointment_id
               WHERE p.status = 'succeeded' AND a.customer_id IS NOT NULL
               GROUP BY 1) v ON v.customer_id = c.id
$$;

CREATE FUNCTION rollup_recount_customer_links()
RETURNS TABLE (from_day date, to_day date, customers bigint, visits bigint, lifetime_cents bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH days AS MATERIALIZED (
        SELECT d.customer_id, d.day, d.visits, v.lifetime_cents AS cents
        FROM rollup_recount_customer_days() d
        JOIN rollup_recount_customer_values() v USING (customer_id)
    )
    SELECT from_day, to_day, count(*), sum(visits)::bigint, sum(cents)::bigint
    FROM (SELECT coalesce(lag(day) OVER (PARTITION BY customer_id ORDER BY day),
                          '-infinity'::date) AS from_day, day AS to_day, visits, cents
          FROM days
          UNION ALL
          SELECT max(day), 'infinity'::date, 0, max(cents) FROM days GROUP BY customer_id) l
    GROUP BY 1, 2
$$;

CREATE FUNCTION rollup_recount_customer_new_channel()
RETURNS TABLE (day date, channel text, customers bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT f.first_day, v.channel, count(*)
    FROM (SELECT customer_id, min(day) AS first_day FROM rollup_recount_customer_days()
          GROUP BY 1) f
    JOIN rollup_recount_customer_values() v USING (customer_id)
    GROUP BY 1, 2
$$;

COMMENT ON FUNCTION rollup_recount_customer_days() IS
    'customer_visit_days recomputed from appointments (full scan).';
COMMENT ON FUNCTION rollup_recount_customer_links() IS
    'customer_visit_links recomputed from appointments and payments (full scan).';
COMMENT ON FUNCTION rollup_recount_customer_values() IS
    'Per customer: lifetime value (all-time succeeded payments) and acquisition channel, from the base tables.';
COMMENT ON FUNCTION rollup_recount_customer_new_channel() IS
    'customer_new_channel_daily recomputed from appointments and customers (full scan).';

CREATE FUNCTION rollup_recount_day_source()
RETURNS TABLE (day date, status text, source text, service_id bigint, resource_id bigint,
               appointments bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT (a.start_time AT TIME ZONE z.tz)::date, a.status,
           coalesce(nullif(a.source, ''), 'unknown'), a.service_id, a.resource_id, count(*)
    FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz OFFSET 0) z
    GROUP BY 1, 2, 3, 4, 5
$$;

COMMENT ON FUNCTION rollup_recount_day_source() IS
    'appointment_rollup_day_source recomputed from appointments (full scan).';
