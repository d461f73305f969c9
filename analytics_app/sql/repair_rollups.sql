-- Fix only the rollup keys that differ from a recount, on a live tenant.
-- The differences are computed in one snapshot; each correction (recount - rollup, as
-- of that snapshot) is added as a row of this transaction. Writes committed after the
-- snapshot keep their own rows, so after commit every key sums to its true figure.
-- No table lock, no waiting on writers.
CREATE FUNCTION repair_rollups() RETURNS TABLE (rollup text, repaired_rows bigint)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tx bigint := txid_current();
BEGIN
    CREATE TEMP TABLE rollup_fixes ON COMMIT DROP AS SELECT * FROM rollup_differences();

    INSERT INTO appointment_rollup_daily
        (day, status, service_id, resource_id, appointments, duration_seconds, txid,
         lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days,
         lead_30_days_or_more)
    SELECT (key->>'day')::date, key->>'status', (key->>'service_id')::bigint,
           (key->>'resource_id')::bigint, fresh[1] - kept[1], fresh[2] - kept[2], tx,
           fresh[3] - kept[3], fresh[4] - kept[4], fresh[5] - kept[5], fresh[6] - kept[6],
           fresh[7] - kept[7], fresh[8] - kept[8]
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_daily';
    INSERT INTO appointment_rollup_weekday_hour (weekday, hour, appointments, duration_seconds, txid)
    SELECT (key->>'weekday')::smallint, (key->>'hour')::smallint,
           fresh[1] - kept[1], fresh[2] - kept[2], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_weekday_hour';
    INSERT INTO appointment_rollup_day_status
        (day, status, appointments, txid, lead_appointments, lead_seconds, lead_same_day,
         lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT (key->>'day')::date, key->>'status', fresh[1] - kept[1], tx,
           fresh[2] - kept[2], fresh[3] - kept[3], fresh[4] - kept[4], fresh[5] - kept[5],
           fresh[6] - kept[6], fresh[7] - kept[7]
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_status';
    INSERT INTO appointment_rollup_day_service (day, status, service_id, appointments, txid)
    SELECT (key->>'day')::date, key->>'status', (key->>'service_id')::bigint,
           fresh[1] - kept[1], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_service';
    INSERT INTO appointment_rollup_day_resource
        (day, status, resource_id, appointments, duration_seconds, txid)
    SELECT (key->>'day')::date, key->>'status', (key->>'resource_id')::bigint,
           fresh[1] - kept[1], fresh[2] - kept[2], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_resource';
    INSERT INTO appointment_rollup_day_hour (day, hour, status, appointments, txid)
    SELECT (key->>'day')::date, (key->>'hour')::smallint, key->>'status', fresh[1] - kept[1], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_hour';
    INSERT INTO appointment_rollup_day_hour_detail
        (day, hour, status, service_id, resource_id, appointments, txid)
    SELECT (key->>'day')::date, (key->>'hour')::smallint, key->>'status',
           (key->>'service_id')::bigint, (key->>'resource_id')::bigint, fresh[1] - kept[1], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_hour_detail';
    INSERT INTO payment_rollup_daily
        (day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds,
         visit_revenue_cents, txid)
    SELECT (key->>'day')::date, (key->>'service_id')::bigint, (key->>'resource_id')::bigint,
           fresh[1] - kept[1], fresh[2] - kept[2], fresh[3] - kept[3], fresh[4] - kept[4],
           fresh[5] - kept[5], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'payment_rollup_daily';
    INSERT INTO appointment_rollup_day_source
        (day, status, source, service_id, resource_id, appointments, txid)
    SELECT (key->>'day')::date, key->>'status', key->>'source', (key->>'service_id')::bigint,
           (key->>'resource_id')::bigint, fresh[1] - kept[1], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_source';
    INSERT INTO appointment_rollup_day_status_source (day, status, source, appointments, txid)
    SELECT (key->>'day')::date, key->>'status', key->>'source', fresh[1] - kept[1], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'appointment_rollup_day_status_source';
    INSERT INTO payment_rollup_day
        (day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents, txid)
    SELECT (key->>'day')::date, fresh[1] - kept[1], fresh[2] - kept[2], fresh[3] - kept[3],
           fresh[4] - kept[4], fresh[5] - kept[5], tx
    FROM rollup_fixes WHERE rollup_fixes.rollup = 'payment_rollup_day';
    -- Customers whose visit days or summary differ are recounted whole (which also
    -- moves their links); then any link still off gets a correction row.
    PERFORM refresh_customer_visits(ARRAY(
        SELECT DISTINCT (key->>'customer_id')::bigint FROM rollup_fixes
        WHERE rollup_fixes.rollup IN ('customer_visit_days', 'customer_visit_summary')));
    CREATE TEMP TABLE customer_fixes ON COMMIT DROP AS
    SELECT * FROM rollup_differences() d
    WHERE d.rollup IN ('customer_visit_links', 'customer_visit_daily', 'customer_new_channel_daily');
    INSERT INTO customer_visit_links (from_day, to_day, customers, visits, lifetime_cents, txid)
    SELECT (d.key->>'from_day')::date, (d.key->>'to_day')::date, d.fresh[1] - d.kept[1],
           d.fresh[2] - d.kept[2], d.fresh[3] - d.kept[3], tx
    FROM customer_fixes d WHERE d.rollup = 'customer_visit_links'
    ON CONFLICT (to_day, from_day, txid) DO UPDATE
        SET customers = customer_visit_links.customers + EXCLUDED.customers,
            visits = customer_visit_links.visits + EXCLUDED.visits,
            lifetime_cents = customer_visit_links.lifetime_cents + EXCLUDED.lifetime_cents;
    INSERT INTO customer_new_channel_daily (day, channel, customers, txid)
    SELECT (d.key->>'day')::date, d.key->>'channel', d.fresh[1] - d.kept[1], tx
    FROM customer_fixes d WHERE d.rollup = 'customer_new_channel_daily'
    ON CONFLICT (day, channel, txid) DO UPDATE
        SET customers = customer_new_channel_daily.customers + EXCLUDED.customers;
    INSERT INTO customer_visit_daily (day, customers, new_customers, visits, txid)
    SELECT (d.key->>'day')::date, d.fresh[1] - d.kept[1], d.fresh[2] - d.kept[2],
           d.fresh[3] - d.kept[3], tx
    FROM customer_fixes d WHERE d.rollup = 'customer_visit_daily'
    ON CONFLICT (day, txid) DO UPDATE
        SET customers = customer_visit_daily.customers + EXCLUDED.customers,
            new_customers = customer_visit_daily.new_customers + EXCLUDED.new_customers,
            visits = customer_visit_daily.visits + EXCLUDED.visits;
    DROP TABLE customer_fixes;

    RETURN QUERY SELECT f.rollup, count(*) FROM rollup_fixes f GROUP BY 1 ORDER BY 1;
    DROP TABLE rollup_fixes;
END
$fn$;

COMMENT ON FUNCTION repair_rollups() IS
    'Adds a correction for each rollup key that differs from a full recount (as of one snapshot); safe while others write. Returns the keys repaired per rollup. `flask analytics verify --repair`.';
