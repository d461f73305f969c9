-- Keep the appointment rollups (and the service split of payment_rollup_daily) exact
-- under any INSERT, UPDATE, DELETE or TRUNCATE of appointments. Statement-level, with
-- transition tables: a bulk load of a million rows is one grouped upsert, not a million.
--
-- Concurrency: every row this trigger writes carries its own transaction's txid, so
-- two writers never upsert the same rollup row: no waiting on each other, no deadlock,
-- whatever order their statements come in. Readers sum a key's rows; committed rows
-- are folded into txid 0 by compact_rollups(), run now and then from here.
CREATE FUNCTION rollup_appointments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tz text := tenant_timezone();
    tx bigint := txid_current();
    -- INSERT and DELETE triggers name their one transition table changed_rows and pass
    -- its sign (+1 new, -1 gone); an UPDATE counts +1 for new_rows and -1 for old_rows.
    sign_of_changed int := coalesce(TG_ARGV[0], '1')::int;
    plan_mode text := current_setting('plan_cache_mode');
    bulk boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM appointment_rollup_daily;
        DELETE FROM appointment_rollup_weekday_hour;
        DELETE FROM appointment_rollup_day_status;
        DELETE FROM appointment_rollup_day_service;
        DELETE FROM appointment_rollup_day_resource;
        DELETE FROM appointment_rollup_day_hour;
        DELETE FROM appointment_rollup_day_hour_detail;
        DELETE FROM appointment_rollup_day_source;
        DELETE FROM appointment_rollup_day_status_source;
        DELETE FROM payment_rollup_daily;
        DELETE FROM payment_rollup_day;
        RETURN NULL;
    END IF;

    -- Static statements, so plpgsql keeps their plans from call to call (planning was
    -- most of a single-row write's cost); the two differ only in where rows come from.
    -- A kept plan was made for the size of an earlier transition table: a bulk
    -- statement gets a plan of its own (a one-row plan over a million rows is slow).
    IF TG_OP = 'UPDATE' THEN
        bulk := (SELECT count(*) > 1000 FROM (SELECT 1 FROM new_rows LIMIT 1001) x);
    ELSE
        bulk := (SELECT count(*) > 1000 FROM (SELECT 1 FROM changed_rows LIMIT 1001) x);
    END IF;
    IF bulk THEN
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        WITH d AS MATERIALIZED (
            SELECT (start_time AT TIME ZONE tz)::date AS day,
                   extract(dow FROM start_time AT TIME ZONE tz)::smallint AS weekday,
                   extract(hour FROM start_time AT TIME ZONE tz)::smallint AS hour,
                   status, service_id, resource_id, sign,
                   coalesce(nullif(source, ''), 'unknown') AS source,
                   sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time)) AS secs,
                   -- lead time: only appointments created at or before their start
                   sign * coalesce(created_at <= start_time, false)::int AS lead_n,
                   CASE WHEN created_at <= start_time
                        THEN sign * (extract(epoch FROM start_time) - extract(epoch FROM created_at))
                        ELSE 0 END AS lead_secs,
                   CASE WHEN created_at <= start_time
                        THEN (start_time AT TIME ZONE tz)::date - (created_at AT TIME ZONE tz)::date
                   END AS lead_days
            FROM (SELECT sign_of_changed AS sign, * FROM changed_rows) x
        ),
        daily AS (
            INSERT INTO appointment_rollup_daily AS r
                (day, status, service_id, resource_id, appointments, duration_seconds, txid,
                 lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days,
                 lead_7_to_29_days, lead_30_days_or_more)
            SELECT day, status, service_id, resource_id, sum(sign), sum(secs), tx,
                   sum(lead_n), sum(lead_secs),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days >= 30), 0)
            FROM d GROUP BY 1, 2, 3, 4
            HAVING sum(sign) <> 0 OR sum(secs) <> 0 OR sum(lead_n) <> 0 OR sum(lead_secs) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0) <> 0
            ON CONFLICT (day, status, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds,
                    lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
                    lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
                    lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
                    lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
                    lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
                    lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more
        ),
        day_status AS (
            INSERT INTO appointment_rollup_day_status AS r
                (day, status, appointments, txid, lead_appointments, lead_seconds,
                 lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
            SELECT day, status, sum(sign), tx,
                   sum(lead_n), sum(lead_secs),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days >= 30), 0)
            FROM d GROUP BY 1, 2
            HAVING sum(sign) <> 0 OR sum(lead_n) <> 0 OR sum(lead_secs) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0) <> 0
            ON CONFLICT (day, status, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
                    lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
                    lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
                    lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
                    lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
                    lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more
        ),
        day_service AS (
            INSERT INTO appointment_rollup_day_service AS r
            SELECT day, status, service_id, sum(sign), tx FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, service_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_resource AS (
            INSERT INTO appointment_rollup_day_resource AS r
                (day, status, resource_id, appointments, txid, duration_seconds)
            SELECT day, status, resource_id, sum(sign), tx, sum(secs) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 OR sum(secs) <> 0
            ON CONFLICT (day, status, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds
        ),
        day_hour AS (
            INSERT INTO appointment_rollup_day_hour AS r
                (day, hour, status, txid, appointments)
            SELECT day, hour, status, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, hour, status, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_hour_detail AS (
            INSERT INTO appointment_rollup_day_hour_detail AS r
                (day, hour, status, service_id, resource_id, txid, appointments)
            SELECT day, hour, status, service_id, resource_id, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
            ON CONFLICT (day, hour, status, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_source AS (
            INSERT INTO appointment_rollup_day_source AS r
                (day, status, source, service_id, resource_id, txid, appointments)
            SELECT day, status, source, service_id, resource_id, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, source, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_status_source AS (
            INSERT INTO appointment_rollup_day_status_source AS r
                (day, status, source, txid, appointments)
            SELECT day, status, source, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, source, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        )
        INSERT INTO appointment_rollup_weekday_hour AS r
        SELECT weekday, hour, sum(sign), sum(secs), tx
        FROM d WHERE status = 'confirmed'
        GROUP BY 1, 2 HAVING sum(sign) <> 0 OR sum(secs) <> 0
        ON CONFLICT (weekday, hour, txid) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments,
                duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds;
    ELSE
        WITH d AS MATERIALIZED (
            SELECT (start_time AT TIME ZONE tz)::date AS day,
                   extract(dow FROM start_time AT TIME ZONE tz)::smallint AS weekday,
                   extract(hour FROM start_time AT TIME ZONE tz)::smallint AS hour,
                   status, service_id, resource_id, sign,
                   coalesce(nullif(source, ''), 'unknown') AS source,
                   sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time)) AS secs,
                   -- lead time: only appointments created at or before their start
                   sign * coalesce(created_at <= start_time, false)::int AS lead_n,
                   CASE WHEN created_at <= start_time
                        THEN sign * (extract(epoch FROM start_time) - extract(epoch FROM created_at))
                        ELSE 0 END AS lead_secs,
                   CASE WHEN created_at <= start_time
                        THEN (start_time AT TIME ZONE tz)::date - (created_at AT TIME ZONE tz)::date
                   END AS lead_days
            FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) x
        ),
        daily AS (
            INSERT INTO appointment_rollup_daily AS r
                (day, status, service_id, resource_id, appointments, duration_seconds, txid,
                 lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days,
                 lead_7_to_29_days, lead_30_days_or_more)
            SELECT day, status, service_id, resource_id, sum(sign), sum(secs), tx,
                   sum(lead_n), sum(lead_secs),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days >= 30), 0)
            FROM d GROUP BY 1, 2, 3, 4
            HAVING sum(sign) <> 0 OR sum(secs) <> 0 OR sum(lead_n) <> 0 OR sum(lead_secs) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0) <> 0
            ON CONFLICT (day, status, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds,
                    lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
                    lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
                    lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
                    lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
                    lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
                    lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more
        ),
        day_status AS (
            INSERT INTO appointment_rollup_day_status AS r
                (day, status, appointments, txid, lead_appointments, lead_seconds,
                 lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
            SELECT day, status, sum(sign), tx,
                   sum(lead_n), sum(lead_secs),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0),
                   coalesce(sum(lead_n) FILTER (WHERE lead_days >= 30), 0)
            FROM d GROUP BY 1, 2
            HAVING sum(sign) <> 0 OR sum(lead_n) <> 0 OR sum(lead_secs) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days = 0), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 1 AND 6), 0) <> 0
                OR coalesce(sum(lead_n) FILTER (WHERE lead_days BETWEEN 7 AND 29), 0) <> 0
            ON CONFLICT (day, status, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
                    lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
                    lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
                    lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
                    lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
                    lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more
        ),
        day_service AS (
            INSERT INTO appointment_rollup_day_service AS r
            SELECT day, status, service_id, sum(sign), tx FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, service_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_resource AS (
            INSERT INTO appointment_rollup_day_resource AS r
                (day, status, resource_id, appointments, txid, duration_seconds)
            SELECT day, status, resource_id, sum(sign), tx, sum(secs) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 OR sum(secs) <> 0
            ON CONFLICT (day, status, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments,
                    duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds
        ),
        day_hour AS (
            INSERT INTO appointment_rollup_day_hour AS r
                (day, hour, status, txid, appointments)
            SELECT day, hour, status, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, hour, status, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_hour_detail AS (
            INSERT INTO appointment_rollup_day_hour_detail AS r
                (day, hour, status, service_id, resource_id, txid, appointments)
            SELECT day, hour, status, service_id, resource_id, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
            ON CONFLICT (day, hour, status, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_source AS (
            INSERT INTO appointment_rollup_day_source AS r
                (day, status, source, service_id, resource_id, txid, appointments)
            SELECT day, status, source, service_id, resource_id, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, source, service_id, resource_id, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        ),
        day_status_source AS (
            INSERT INTO appointment_rollup_day_status_source AS r
                (day, status, source, txid, appointments)
            SELECT day, status, source, tx, sum(sign) FROM d
            GROUP BY 1, 2, 3 HAVING sum(sign) <> 0
            ON CONFLICT (day, status, source, txid) DO UPDATE
                SET appointments = r.appointments + EXCLUDED.appointments
        )
        INSERT INTO appointment_rollup_weekday_hour AS r
        SELECT weekday, hour, sum(sign), sum(secs), tx
        FROM d WHERE status = 'confirmed'
        GROUP BY 1, 2 HAVING sum(sign) <> 0 OR sum(secs) <> 0
        ON CONFLICT (weekday, hour, txid) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments,
                duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds;

        -- A payment's service and resource are its appointment's, and so is whether it
        -- paid for a visit (confirmed, with a customer): changing those moves the
        -- appointment's succeeded and refunded payments too (whose lifetime value a
        -- payment adds to is rollup_customers.sql's). This statement has a fresh
        -- snapshot, and the UPDATE got its row locks first: a payment written for these appointments by a transaction not committed
        -- yet holds them FOR SHARE (see rollup_payments_changed), so the UPDATE waited
        -- for it and sees it here.
        IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE (n.service_id, n.resource_id,
                          n.status = 'confirmed' AND n.customer_id IS NOT NULL)
                         IS DISTINCT FROM
                         (o.service_id, o.resource_id,
                          o.status = 'confirmed' AND o.customer_id IS NOT NULL)) THEN
        WITH moved AS MATERIALIZED (
            SELECT (p.paid_at AT TIME ZONE tz)::date AS day, m.service_id, m.resource_id,
                   coalesce(sum(m.sign * p.amount_cents) FILTER (WHERE p.status = 'succeeded'), 0) AS revenue_cents,
                   coalesce(sum(m.sign) FILTER (WHERE p.status = 'succeeded'), 0) AS transactions,
                   coalesce(sum(m.sign * p.amount_cents) FILTER (WHERE p.status = 'refunded'), 0) AS refunded_cents,
                   coalesce(sum(m.sign) FILTER (WHERE p.status = 'refunded'), 0) AS refunds,
                   coalesce(sum(m.sign * p.amount_cents)
                            FILTER (WHERE p.status = 'succeeded' AND m.visit), 0) AS visit_revenue_cents
            FROM (SELECT x.*   -- each moved appointment out of its old place, into its new
                  FROM old_rows o JOIN new_rows n ON n.id = o.id
                  CROSS JOIN LATERAL (VALUES
                      (o.id, o.service_id, o.resource_id, -1,
                       o.status = 'confirmed' AND o.customer_id IS NOT NULL),
                      (n.id, n.service_id, n.resource_id, 1,
                       n.status = 'confirmed' AND n.customer_id IS NOT NULL))
                      x(id, service_id, resource_id, sign, visit)
                  WHERE (n.service_id, n.resource_id, n.status = 'confirmed' AND n.customer_id IS NOT NULL)
                        IS DISTINCT FROM
                        (o.service_id, o.resource_id, o.status = 'confirmed' AND o.customer_id IS NOT NULL)) m
            JOIN payments p ON p.appointment_id = m.id
            WHERE p.status IN ('succeeded', 'refunded') AND p.paid_at IS NOT NULL
            GROUP BY 1, 2, 3
        ),
        detail AS (
            INSERT INTO payment_rollup_daily AS r
                (day, service_id, resource_id, revenue_cents, transactions, refunded_cents,
                 refunds, visit_revenue_cents, txid)
            SELECT day, service_id, resource_id, revenue_cents, transactions, refunded_cents,
                   refunds, visit_revenue_cents, tx
            FROM moved
            ON CONFLICT (day, service_id, resource_id, txid) DO UPDATE
                SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                    transactions = r.transactions + EXCLUDED.transactions,
                    refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
                    refunds = r.refunds + EXCLUDED.refunds,
                    visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents
        )
        -- Per day only the visit revenue can change (the rest moves within the day).
        INSERT INTO payment_rollup_day AS r
            (day, txid, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
        SELECT day, tx, sum(revenue_cents), sum(transactions), sum(refunded_cents), sum(refunds),
               sum(visit_revenue_cents)
        FROM moved GROUP BY day
        HAVING sum(revenue_cents) <> 0 OR sum(transactions) <> 0 OR sum(refunded_cents) <> 0
            OR sum(refunds) <> 0 OR sum(visit_revenue_cents) <> 0
        ON CONFLICT (day, txid) DO UPDATE
            SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                transactions = r.transactions + EXCLUDED.transactions,
                refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
                refunds = r.refunds + EXCLUDED.refunds,
                visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents;
        END IF;
    END IF;

    IF bulk THEN
        PERFORM set_config('plan_cache_mode', plan_mode, true);
    END IF;
    -- Now and then, fold committed rows into txid 0 (skipped if another writer is at it).
    IF random() < 1.0 / 32 THEN
        PERFORM compact_rollups(false);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_appointments_insert AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed('1');
CREATE TRIGGER rollup_appointments_update AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();
CREATE TRIGGER rollup_appointments_delete AFTER DELETE ON appointments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed('-1');
CREATE TRIGGER rollup_appointments_truncate AFTER TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();

COMMENT ON FUNCTION rollup_appointments_changed() IS
    'Statement trigger on appointments: applies the changed rows to the appointment rollups (daily at four grains, by source, day x hour at two, weekday x hour) and, when an appointment changes service, resource or visit status, moves its payments in payment_rollup_daily and payment_rollup_day; rows are keyed by the writing transaction (txid), so writers never contend.';
