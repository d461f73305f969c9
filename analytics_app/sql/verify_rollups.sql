-- Each rollup, summed per key, against a full recount from the base tables: one row
-- per key whose figures differ (missing, extra or other). Empty = correct. A rollup
-- key may have several rows (one per writing transaction) until compacted: summed.
-- One statement, so every rollup and the recount are read in the same snapshot.
CREATE FUNCTION rollup_differences()
RETURNS TABLE (rollup text, key jsonb, kept numeric[], fresh numeric[])
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH fresh AS MATERIALIZED (SELECT * FROM rollup_recount_daily()),
         fresh_weekday_hour AS MATERIALIZED (SELECT * FROM rollup_recount_weekday_hour()),
         fresh_payments AS MATERIALIZED (SELECT * FROM rollup_recount_payments()),
         fresh_customer_days AS MATERIALIZED (SELECT * FROM rollup_recount_customer_days()),
         fresh_day_hour AS MATERIALIZED (SELECT * FROM rollup_recount_day_hour()),
         fresh_customer_links AS MATERIALIZED (SELECT * FROM rollup_recount_customer_links()),
         fresh_customer_values AS MATERIALIZED (SELECT * FROM rollup_recount_customer_values()),
         fresh_new_channel AS MATERIALIZED (SELECT * FROM rollup_recount_customer_new_channel()),
         fresh_day_source AS MATERIALIZED (SELECT * FROM rollup_recount_day_source())
    -- appointment_rollup_daily: appointments, duration, then the six lead-time figures.
    SELECT 'appointment_rollup_daily',
           jsonb_build_object('day', day, 'status', status, 'service_id', service_id,
                              'resource_id', resource_id),
           coalesce(k.v, '{0,0,0,0,0,0,0,0}'), coalesce(f.v, '{0,0,0,0,0,0,0,0}')
    FROM (SELECT day, status, service_id, resource_id,
                 ARRAY[sum(appointments), sum(duration_seconds), sum(lead_appointments),
                       sum(lead_seconds), sum(lead_same_day), sum(lead_1_to_6_days),
                       sum(lead_7_to_29_days), sum(lead_30_days_or_more)]::numeric[] AS v
          FROM appointment_rollup_daily GROUP BY 1, 2, 3, 4) k
    FULL JOIN (SELECT day, status, service_id, resource_id,
                      ARRAY[appointments, duration_seconds, lead_appointments, lead_seconds,
                            lead_same_day, lead_1_to_6_days, lead_7_to_29_days,
                            lead_30_days_or_more]::numeric[] AS v
               FROM fresh) f USING (day, status, service_id, resource_id)
    WHERE coalesce(k.v, '{0,0,0,0,0,0,0,0}') <> coalesce(f.v, '{0,0,0,0,0,0,0,0}')
    UNION ALL
    SELECT 'appointment_rollup_weekday_hour', jsonb_build_object('weekday', weekday, 'hour', hour),
           ARRAY[coalesce(k.n, 0), coalesce(k.s, 0)], ARRAY[coalesce(f.n, 0), coalesce(f.s, 0)]
    FROM (SELECT weekday, hour, sum(appointments) n, sum(duration_seconds) s
          FROM appointment_rollup_weekday_hour GROUP BY 1, 2) k
    FULL JOIN (SELECT weekday, hour, appointments n, duration_seconds s FROM fresh_weekday_hour) f
        USING (weekday, hour)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0) OR coalesce(k.s, 0) <> coalesce(f.s, 0)
    UNION ALL
    -- appointment_rollup_day_status: appointments, then the six lead-time figures.
    SELECT 'appointment_rollup_day_status', jsonb_build_object('day', day, 'status', status),
           coalesce(k.v, '{0,0,0,0,0,0,0}'), coalesce(f.v, '{0,0,0,0,0,0,0}')
    FROM (SELECT day, status,
                 ARRAY[sum(appointments), sum(lead_appointments), sum(lead_seconds),
                       sum(lead_same_day), sum(lead_1_to_6_days), sum(lead_7_to_29_days),
                       sum(lead_30_days_or_more)]::numeric[] AS v
          FROM appointment_rollup_day_status GROUP BY 1, 2) k
    FULL JOIN (SELECT day, status,
                      ARRAY[sum(appointments), sum(lead_appointments), sum(lead_seconds),
                            sum(lead_same_day), sum(lead_1_to_6_days), sum(lead_7_to_29_days),
                            sum(lead_30_days_or_more)]::numeric[] AS v
               FROM fresh GROUP BY 1, 2) f USING (day, status)
    WHERE coalesce(k.v, '{0,0,0,0,0,0,0}') <> coalesce(f.v, '{0,0,0,0,0,0,0}')
    UNION ALL
    SELECT 'appointment_rollup_day_service',
           jsonb_build_object('day', day, 'status', status, 'service_id', service_id),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, status, service_id, sum(appointments) n FROM appointment_rollup_day_service
          GROUP BY 1, 2, 3) k
    FULL JOIN (SELECT day, status, service_id, sum(appointments) n FROM fresh GROUP BY 1, 2, 3) f
        USING (day, status, service_id)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    SELECT 'appointment_rollup_day_resource',
           jsonb_build_object('day', day, 'status', status, 'resource_id', resource_id),
           ARRAY[coalesce(k.n, 0), coalesce(k.s, 0)], ARRAY[coalesce(f.n, 0), coalesce(f.s, 0)]
    FROM (SELECT day, status, resource_id, sum(appointments) n, sum(duration_seconds) s
          FROM appointment_rollup_day_resource GROUP BY 1, 2, 3) k
    FULL JOIN (SELECT day, status, resource_id, sum(appointments) n, sum(duration_seconds) s
               FROM fresh GROUP BY 1, 2, 3) f
        USING (day, status, resource_id)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0) OR coalesce(k.s, 0) <> coalesce(f.s, 0)
    UNION ALL
    SELECT 'appointment_rollup_day_hour',
           jsonb_build_object('day', day, 'hour', hour, 'status', status),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, hour, status, sum(appointments) n FROM appointment_rollup_day_hour
          GROUP BY 1, 2, 3) k
    FULL JOIN (SELECT day, hour, status, sum(appointments) n FROM fresh_day_hour
               GROUP BY 1, 2, 3) f USING (day, hour, status)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    SELECT 'appointment_rollup_day_hour_detail',
           jsonb_build_object('day', day, 'hour', hour, 'status', status,
                              'service_id', service_id, 'resource_id', resource_id),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, hour, status, service_id, resource_id, sum(appointments) n
          FROM appointment_rollup_day_hour_detail GROUP BY 1, 2, 3, 4, 5) k
    FULL JOIN (SELECT day, hour, status, service_id, resource_id, appointments n
               FROM fresh_day_hour) f USING (day, hour, status, service_id, resource_id)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    -- payment_rollup_daily: revenue, transactions, refunded cents, refunds, visit revenue.
    SELECT 'payment_rollup_daily',
           jsonb_build_object('day', day, 'service_id', service_id, 'resource_id', resource_id),
           coalesce(k.v, '{0,0,0,0,0}'), coalesce(f.v, '{0,0,0,0,0}')
    FROM (SELECT day, service_id, resource_id,
                 ARRAY[sum(revenue_cents), sum(transactions), sum(refunded_cents),
                       sum(refunds), sum(visit_revenue_cents)]::numeric[] AS v
          FROM payment_rollup_daily GROUP BY 1, 2, 3) k
    FULL JOIN (SELECT day, service_id, resource_id,
                      ARRAY[revenue_cents, transactions, refunded_cents, refunds,
                            visit_revenue_cents]::numeric[] AS v
               FROM fresh_payments) f USING (day, service_id, resource_id)
    WHERE coalesce(k.v, '{0,0,0,0,0}') <> coalesce(f.v, '{0,0,0,0,0}')
    UNION ALL
    -- payment_rollup_day: the same five figures per day.
    SELECT 'payment_rollup_day', jsonb_build_object('day', day),
           coalesce(k.v, '{0,0,0,0,0}'), coalesce(f.v, '{0,0,0,0,0}')
    FROM (SELECT day, ARRAY[sum(revenue_cents), sum(transactions), sum(refunded_cents),
                            sum(refunds), sum(visit_revenue_cents)]::numeric[] AS v
          FROM payment_rollup_day GROUP BY 1) k
    FULL JOIN (SELECT day, ARRAY[sum(revenue_cents), sum(transactions), sum(refunded_cents),
                                 sum(refunds), sum(visit_revenue_cents)]::numeric[] AS v
               FROM fresh_payments GROUP BY 1) f USING (day)
    WHERE coalesce(k.v, '{0,0,0,0,0}') <> coalesce(f.v, '{0,0,0,0,0}')
    UNION ALL
    SELECT 'appointment_rollup_day_status_source',
           jsonb_build_object('day', day, 'status', status, 'source', source),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, status, source, sum(appointments) n
          FROM appointment_rollup_day_status_source GROUP BY 1, 2, 3) k
    FULL JOIN (SELECT day, status, source, sum(appointments) n
               FROM fresh_day_source GROUP BY 1, 2, 3) f USING (day, status, source)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    SELECT 'appointment_rollup_day_source',
           jsonb_build_object('day', day, 'status', status, 'source', source,
                              'service_id', service_id, 'resource_id', resource_id),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, status, source, service_id, resource_id, sum(appointments) n
          FROM appointment_rollup_day_source GROUP BY 1, 2, 3, 4, 5) k
    FULL JOIN (SELECT day, status, source, service_id, resource_id, appointments n
               FROM fresh_day_source) f USING (day, status, source, service_id, resource_id)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    -- customer_visit_days: visits per customer and local day.
    SELECT 'customer_visit_days', jsonb_build_object('customer_id', customer_id, 'day', day),
           ARRAY[coalesce(k.visits, 0)]::numeric[], ARRAY[coalesce(f.visits, 0)]::numeric[]
    FROM customer_visit_days k FULL JOIN fresh_customer_days f USING (customer_id, day)
    WHERE coalesce(k.visits, 0) <> coalesce(f.visits, 0)
    UNION ALL
    -- customer_visit_summary: first and last day (as days since 2000-01-01), visit days,
    -- visits, lifetime value; a customer without visits is the same as no row (their
    -- lifetime value is carried by no link).
    SELECT 'customer_visit_summary', jsonb_build_object('customer_id', customer_id),
           coalesce(k.v, '{NULL,NULL,0,0,0}'), coalesce(f.v, '{NULL,NULL,0,0,0}')
    FROM (SELECT customer_id, ARRAY[first_visit_day - date '2000-01-01',
                                    last_visit_day - date '2000-01-01', visit_days,
                                    visits,
                                    CASE WHEN visits <> 0 THEN lifetime_cents ELSE 0 END]::numeric[] AS v
          FROM customer_visit_summary WHERE visits <> 0 OR visit_days <> 0
             OR first_visit_day IS NOT NULL OR last_visit_day IS NOT NULL) k
    FULL JOIN (SELECT d.customer_id, ARRAY[min(d.day) - date '2000-01-01',
                                           max(d.day) - date '2000-01-01', count(*),
                                           sum(d.visits), min(v.lifetime_cents)]::numeric[] AS v
               FROM fresh_customer_days d JOIN fresh_customer_values v USING (customer_id)
               GROUP BY 1) f USING (customer_id)
    WHERE coalesce(k.v, '{NULL,NULL,0,0,0}') IS DISTINCT FROM coalesce(f.v, '{NULL,NULL,0,0,0}')
    UNION ALL
    -- customer_visit_links: customers, visits and lifetime value per pair of consecutive
    -- visit days.
    SELECT 'customer_visit_links', jsonb_build_object('from_day', from_day, 'to_day', to_day),
           ARRAY[coalesce(k.c, 0), coalesce(k.v, 0), coalesce(k.l, 0)],
           ARRAY[coalesce(f.c, 0), coalesce(f.v, 0), coalesce(f.l, 0)]
    FROM (SELECT from_day, to_day, sum(customers) c, sum(visits) v, sum(lifetime_cents) l
          FROM customer_visit_links GROUP BY 1, 2) k
    FULL JOIN (SELECT from_day, to_day, customers c, visits v, lifetime_cents l
               FROM fresh_customer_links) f USING (from_day, to_day)
    WHERE coalesce(k.c, 0) <> coalesce(f.c, 0) OR coalesce(k.v, 0) <> coalesce(f.v, 0)
       OR coalesce(k.l, 0) <> coalesce(f.l, 0)
    UNION ALL
    -- customer_new_channel_daily: new customers per first visit day and channel.
    SELECT 'customer_new_channel_daily', jsonb_build_object('day', day, 'channel', channel),
           ARRAY[coalesce(k.n, 0)], ARRAY[coalesce(f.n, 0)]
    FROM (SELECT day, channel, sum(customers) n FROM customer_new_channel_daily
          GROUP BY 1, 2) k
    FULL JOIN (SELECT day, channel, customers n FROM fresh_new_channel) f USING (day, channel)
    WHERE coalesce(k.n, 0) <> coalesce(f.n, 0)
    UNION ALL
    -- customer_visit_daily: customers, new customers, visits per day.
    SELECT 'customer_visit_daily', jsonb_build_object('day', day),
           coalesce(k.v, '{0,0,0}'), coalesce(f.v, '{0,0,0}')
    FROM (SELECT day, ARRAY[sum(customers), sum(new_customers), sum(visits)]::numeric[] AS v
          FROM customer_visit_daily GROUP BY 1) k
    FULL JOIN (SELECT to_day AS day,
                      ARRAY[sum(customers),
                            coalesce(sum(customers) FILTER (WHERE from_day = '-infinity'), 0),
                            sum(visits)]::numeric[] AS v
               FROM fresh_customer_links WHERE to_day < 'infinity' GROUP BY 1) f USING (day)
    WHERE coalesce(k.v, '{0,0,0}') <> coalesce(f.v, '{0,0,0}')
$$;

COMMENT ON FUNCTION rollup_differences() IS
    'Every rollup key whose summed figures differ from a full recount of the base tables, with both sides. Empty when the rollups are exact.';

-- One row per rollup: keys with figures, and how many differ from a recount.
CREATE FUNCTION verify_rollups()
RETURNS TABLE (rollup text, rows_checked bigint, mismatched_rows bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH diff AS MATERIALIZED (SELECT rollup, count(*) AS n FROM rollup_differences() GROUP BY 1)
    SELECT t.name, t.keys, coalesce(d.n, 0)
    FROM (VALUES
        (1, 'appointment_rollup_daily', (SELECT count(*) FROM (SELECT DISTINCT day, status,
             service_id, resource_id FROM appointment_rollup_daily) x)),
        (2, 'appointment_rollup_weekday_hour', (SELECT count(*) FROM (SELECT DISTINCT weekday, hour
             FROM appointment_rollup_weekday_hour) x)),
        (3, 'appointment_rollup_day_status', (SELECT count(*) FROM (SELECT DISTINCT day, status
             FROM appointment_rollup_day_status) x)),
        (4, 'appointment_rollup_day_service', (SELECT count(*) FROM (SELECT DISTINCT day, status,
             service_id FROM appointment_rollup_day_service) x)),
        (5, 'appointment_rollup_day_resource', (SELECT count(*) FROM (SELECT DISTINCT day, status,
             resource_id FROM appointment_rollup_day_resource) x)),
        (6, 'payment_rollup_daily', (SELECT count(*) FROM (SELECT DISTINCT day, service_id,
             resource_id FROM payment_rollup_daily) x)),
        (10, 'appointment_rollup_day_hour', (SELECT count(*) FROM (SELECT DISTINCT day, hour,
             status FROM appointment_rollup_day_hour) x)),
        (11, 'appointment_rollup_day_hour_detail', (SELECT count(*) FROM (SELECT DISTINCT day,
             hour, status, service_id, resource_id FROM appointment_rollup_day_hour_detail) x)),
        (7, 'customer_visit_days', (SELECT count(*) FROM customer_visit_days)),
        (8, 'customer_visit_summary', (SELECT count(*) FROM customer_visit_summary)),
        (9, 'customer_visit_links', (SELECT count(*) FROM (SELECT DISTINCT from_day, to_day
             FROM customer_visit_links) x)),
        (12, 'customer_visit_daily', (SELECT count(*) FROM (SELECT DISTINCT day
             FROM customer_visit_daily) x)),
        (13, 'appointment_rollup_day_source', (SELECT count(*) FROM (SELECT DISTINCT day,
             status, source, service_id, resource_id FROM appointment_rollup_day_source) x)),
        (14, 'customer_new_channel_daily', (SELECT count(*) FROM (SELECT DISTINCT day, channel
             FROM customer_new_channel_daily) x)),
        (16, 'appointment_rollup_day_status_source', (SELECT count(*) FROM (SELECT DISTINCT
             day, status, source FROM appointment_rollup_day_status_source) x)),
        (15, 'payment_rollup_day', (SELECT count(*) FROM (SELECT DISTINCT day
             FROM payment_rollup_day) x))
    ) AS t(ord, name, keys)
    LEFT JOIN diff d ON d.rollup = t.name
    ORDER BY t.ord
$$;

COMMENT ON FUNCTION verify_rollups() IS
    'One row per rollup: keys kept, and keys whose summed figures differ from a full recount of the base tables (all zeros = correct).';
