-- Fold the committed per-transaction rollup rows (txid <> 0) into one row per key
-- (txid 0). Sums are unchanged, so readers see the same figures before and after.
-- Only one compactor works at a time (an advisory lock per schema): p_wait = false
-- (the triggers' occasional call) skips when another one is at it. Rows of
-- transactions still in progress are invisible here and stay for a later run.
CREATE FUNCTION compact_rollups(p_wait boolean DEFAULT true) RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    lock_key bigint := hashtextextended(current_schema() || ':compact_rollups', 0);
    folded bigint := 0;
    n bigint;
BEGIN
    IF p_wait THEN
        PERFORM pg_advisory_xact_lock(lock_key);
    ELSIF NOT pg_try_advisory_xact_lock(lock_key) THEN
        RETURN 0;
    END IF;

    WITH moved AS (DELETE FROM appointment_rollup_daily WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_daily AS r
        (day, status, service_id, resource_id, appointments, duration_seconds, txid,
         lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days,
         lead_30_days_or_more)
    SELECT day, status, service_id, resource_id, sum(appointments), sum(duration_seconds), 0,
           sum(lead_appointments), sum(lead_seconds), sum(lead_same_day), sum(lead_1_to_6_days),
           sum(lead_7_to_29_days), sum(lead_30_days_or_more)
    FROM moved GROUP BY 1, 2, 3, 4
    HAVING sum(appointments) <> 0 OR sum(duration_seconds) <> 0 OR sum(lead_appointments) <> 0
        OR sum(lead_seconds) <> 0 OR sum(lead_same_day) <> 0 OR sum(lead_1_to_6_days) <> 0
        OR sum(lead_7_to_29_days) <> 0 OR sum(lead_30_days_or_more) <> 0
    ON CONFLICT (day, status, service_id, resource_id, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments,
            duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds,
            lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
            lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
            lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
            lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
            lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
            lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_weekday_hour WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_weekday_hour AS r
    SELECT weekday, hour, sum(appointments), sum(duration_seconds), 0
    FROM moved GROUP BY 1, 2
    HAVING sum(appointments) <> 0 OR sum(duration_seconds) <> 0
    ON CONFLICT (weekday, hour, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments,
            duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_status WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_status AS r
        (day, status, appointments, txid, lead_appointments, lead_seconds, lead_same_day,
         lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT day, status, sum(appointments), 0, sum(lead_appointments), sum(lead_seconds),
           sum(lead_same_day), sum(lead_1_to_6_days), sum(lead_7_to_29_days),
           sum(lead_30_days_or_more)
    FROM moved GROUP BY 1, 2
    HAVING sum(appointments) <> 0 OR sum(lead_appointments) <> 0 OR sum(lead_seconds) <> 0
        OR sum(lead_same_day) <> 0 OR sum(lead_1_to_6_days) <> 0
        OR sum(lead_7_to_29_days) <> 0 OR sum(lead_30_days_or_more) <> 0
    ON CONFLICT (day, status, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments,
            lead_appointments = r.lead_appointments + EXCLUDED.lead_appointments,
            lead_seconds = r.lead_seconds + EXCLUDED.lead_seconds,
            lead_same_day = r.lead_same_day + EXCLUDED.lead_same_day,
            lead_1_to_6_days = r.lead_1_to_6_days + EXCLUDED.lead_1_to_6_days,
            lead_7_to_29_days = r.lead_7_to_29_days + EXCLUDED.lead_7_to_29_days,
            lead_30_days_or_more = r.lead_30_days_or_more + EXCLUDED.lead_30_days_or_more;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_service WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_service AS r
    SELECT day, status, service_id, sum(appointments), 0 FROM moved GROUP BY 1, 2, 3
    HAVING sum(appointments) <> 0
    ON CONFLICT (day, status, service_id, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_resource WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_resource AS r
        (day, status, resource_id, appointments, txid, duration_seconds)
    SELECT day, status, resource_id, sum(appointments), 0, sum(duration_seconds)
    FROM moved GROUP BY 1, 2, 3
    HAVING sum(appointments) <> 0 OR sum(duration_seconds) <> 0
    ON CONFLICT (day, status, resource_id, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments,
            duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_hour WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_hour AS r (day, hour, status, txid, appointments)
    SELECT day, hour, status, 0, sum(appointments) FROM moved GROUP BY 1, 2, 3
    HAVING sum(appointments) <> 0
    ON CONFLICT (day, hour, status, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_hour_detail WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_hour_detail AS r
        (day, hour, status, service_id, resource_id, txid, appointments)
    SELECT day, hour, status, service_id, resource_id, 0, sum(appointments)
    FROM moved GROUP BY 1, 2, 3, 4, 5
    HAVING sum(appointments) <> 0
    ON CONFLICT (day, hour, status, service_id, resource_id, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_source WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_source AS r
        (day, status, source, service_id, resource_id, txid, appointments)
    SELECT day, status, source, service_id, resource_id, 0, sum(appointments)
    FROM moved GROUP BY 1, 2, 3, 4, 5
    HAVING sum(appointments) <> 0
    ON CONFLICT (day, status, source, service_id, resource_id, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM appointment_rollup_day_status_source WHERE txid <> 0 RETURNING *)
    INSERT INTO appointment_rollup_day_status_source AS r (day, status, source, txid, appointments)
    SELECT day, status, source, 0, sum(appointments)
    FROM moved GROUP BY 1, 2, 3
    HAVING sum(appointments) <> 0
    ON CONFLICT (day, status, source, txid) DO UPDATE
        SET appointments = r.appointments + EXCLUDED.appointments;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM payment_rollup_daily WHERE txid <> 0 RETURNING *)
    INSERT INTO payment_rollup_daily AS r
        (day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds,
         visit_revenue_cents, txid)
    SELECT day, service_id, resource_id, sum(revenue_cents), sum(transactions),
           sum(refunded_cents), sum(refunds), sum(visit_revenue_cents), 0
    FROM moved GROUP BY 1, 2, 3
    HAVING sum(revenue_cents) <> 0 OR sum(transactions) <> 0 OR sum(refunded_cents) <> 0
        OR sum(refunds) <> 0 OR sum(visit_revenue_cents) <> 0
    ON CONFLICT (day, service_id, resource_id, txid) DO UPDATE
        SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
            transactions = r.transactions + EXCLUDED.transactions,
            refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
            refunds = r.refunds + EXCLUDED.refunds,
            visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;

    WITH moved AS (DELETE FROM payment_rollup_day WHERE txid <> 0 RETURNING *)
    INSERT INTO payment_rollup_day AS r
        (day, txid, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT day, 0, sum(revenue_cents), sum(transactions), sum(refunded_cents), sum(refunds),
           sum(visit_revenue_cents)
    FROM moved GROUP BY 1
    HAVING sum(revenue_cents) <> 0 OR sum(transactions) <> 0 OR sum(refunded_cents) <> 0
        OR sum(refunds) <> 0 OR sum(visit_revenue_cents) <> 0
    ON CONFLICT (day, txid) DO UPDATE
        SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
            transactions = r.transactions + EXCLUDED.transactions,
            refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
            refunds = r.refunds + EXCLUDED.refunds,
            visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;


    WITH moved AS (DELETE FROM customer_visit_links WHERE txid <> 0 RETURNING *)
    INSERT INTO customer_visit_links AS r (from_day, to_day, txid, customers, visits, lifetime_cents)
    SELECT from_day, to_day, 0, sum(customers), sum(visits), sum(lifetime_cents)
    FROM moved GROUP BY 1, 2
    HAVING sum(customers) <> 0 OR sum(visits) <> 0 OR sum(lifetime_cents) <> 0
    ON CONFLICT (to_day, from_day, txid) DO UPDATE
        SET customers = r.customers + EXCLUDED.customers, visits = r.visits + EXCLUDED.visits,
            lifetime_cents = r.lifetime_cents + EXCLUDED.lifetime_cents;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;
    -- Customers move from link to link as they rebook: drop links that summed to nothing.
    DELETE FROM customer_visit_links
    WHERE txid = 0 AND customers = 0 AND visits = 0 AND lifetime_cents = 0;

    WITH moved AS (DELETE FROM customer_new_channel_daily WHERE txid <> 0 RETURNING *)
    INSERT INTO customer_new_channel_daily AS r (day, channel, txid, customers)
    SELECT day, channel, 0, sum(customers) FROM moved GROUP BY 1, 2
    HAVING sum(customers) <> 0
    ON CONFLICT (day, channel, txid) DO UPDATE SET customers = r.customers + EXCLUDED.customers;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;
    DELETE FROM customer_new_channel_daily WHERE txid = 0 AND customers = 0;

    WITH moved AS (DELETE FROM customer_visit_daily WHERE txid <> 0 RETURNING *)
    INSERT INTO customer_visit_daily AS r (day, txid, customers, new_customers, visits)
    SELECT day, 0, sum(customers), sum(new_customers), sum(visits)
    FROM moved GROUP BY 1
    HAVING sum(customers) <> 0 OR sum(new_customers) <> 0 OR sum(visits) <> 0
    ON CONFLICT (day, txid) DO UPDATE
        SET customers = r.customers + EXCLUDED.customers,
            new_customers = r.new_customers + EXCLUDED.new_customers,
            visits = r.visits + EXCLUDED.visits;
    GET DIAGNOSTICS n = ROW_COUNT;
    folded := folded + n;
    RETURN folded;
END
$fn$;

COMMENT ON FUNCTION compact_rollups(boolean) IS
    'Folds committed per-transaction rollup rows into one row per key (sums unchanged). Called now and then by the rollup triggers; `flask analytics compact` runs it on demand.';
