-- The booking system's whole cost for the analytics: each statement that changes
-- appointments, payments or a customer's acquisition channel appends the changed rows
-- to a change log, in its own transaction, and does nothing else: no rollup row is
-- read, written or locked, no other table is read, so writers never wait on each
-- other or on the fold (which moves committed log rows into the rollups later:
-- fold_rollups.sql). An UPDATE logs the row as it was (-1) and as it is (+1), and only
-- when a logged column changed; readers add the rows not folded yet (rollup_views.sql).
--
-- The worker is woken (NOTIFY analytics_changes, payload the schema) by the statement
-- that finds the log empty, and by any statement of 1,000 rows or more; otherwise it
-- folds on its interval. Statement triggers with transition tables: a bulk load of a
-- million rows is one INSERT ... SELECT into the log.
CREATE FUNCTION log_appointment_changes() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    was_empty boolean := NOT EXISTS (SELECT FROM appointment_changes);
    n bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO appointment_changes
            (sign, id, service_id, resource_id, customer_id, start_time, end_time, status,
             created_at, source)
        SELECT 1, id, service_id, resource_id, customer_id, start_time, end_time, status,
               created_at, source
        FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO appointment_changes
            (sign, id, service_id, resource_id, customer_id, start_time, end_time, status,
             created_at, source)
        SELECT -1, id, service_id, resource_id, customer_id, start_time, end_time, status,
               created_at, source
        FROM old_rows;
    ELSE
        -- Rows whose logged columns are unchanged cancel out and are not logged.
        INSERT INTO appointment_changes
            (sign, id, service_id, resource_id, customer_id, start_time, end_time, status,
             created_at, source)
        SELECT sum(sign), id, service_id, resource_id, customer_id, start_time, end_time,
               status, created_at, source
        FROM (SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows) x
        GROUP BY id, service_id, resource_id, customer_id, start_time, end_time, status,
                 created_at, source
        HAVING sum(sign) <> 0;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 AND (was_empty OR n >= 1000) THEN
        PERFORM pg_notify('analytics_changes', current_schema());
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER log_appointments_insert AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_appointment_changes();
CREATE TRIGGER log_appointments_update AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_appointment_changes();
CREATE TRIGGER log_appointments_delete AFTER DELETE ON appointments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_appointment_changes();

COMMENT ON FUNCTION log_appointment_changes() IS
    'Statement trigger on appointments: appends the changed rows to appointment_changes (-1 as they were, +1 as they are); the fold moves them into the rollups.';

CREATE FUNCTION log_payment_changes() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    was_empty boolean := NOT EXISTS (SELECT FROM payment_changes);
    n bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO payment_changes (sign, id, appointment_id, amount_cents, status, paid_at)
        SELECT 1, id, appointment_id, amount_cents, status, paid_at FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO payment_changes (sign, id, appointment_id, amount_cents, status, paid_at)
        SELECT -1, id, appointment_id, amount_cents, status, paid_at FROM old_rows;
    ELSE
        INSERT INTO payment_changes (sign, id, appointment_id, amount_cents, status, paid_at)
        SELECT sum(sign), id, appointment_id, amount_cents, status, paid_at
        FROM (SELECT -1 AS sign, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows) x
        GROUP BY id, appointment_id, amount_cents, status, paid_at
        HAVING sum(sign) <> 0;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 AND (was_empty OR n >= 1000) THEN
        PERFORM pg_notify('analytics_changes', current_schema());
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER log_payments_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_payment_changes();
CREATE TRIGGER log_payments_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_payment_changes();
CREATE TRIGGER log_payments_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_payment_changes();

COMMENT ON FUNCTION log_payment_changes() IS
    'Statement trigger on payments: appends the changed rows to payment_changes (-1 as they were, +1 as they are); the fold moves them into the rollups.';

-- A customer's acquisition channel is part of their state (new customers by channel):
-- the customers whose channel changed are logged to be recounted.
CREATE FUNCTION log_customer_changes() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    INSERT INTO customer_changes (id)
    SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.acquisition_channel IS DISTINCT FROM n.acquisition_channel;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER log_customers_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes();

COMMENT ON FUNCTION log_customer_changes() IS
    'Statement trigger on customers: logs the customers whose acquisition channel changed, for the fold to recount.';

-- TRUNCATE cannot say which rows went: the rollups are recounted from what is left
-- (rare; the truncating transaction already holds the table exclusively).
CREATE FUNCTION rollups_after_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    PERFORM rebuild_rollups();
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollups_appointments_truncate AFTER TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION rollups_after_truncate();
CREATE TRIGGER rollups_payments_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION rollups_after_truncate();

COMMENT ON FUNCTION rollups_after_truncate() IS
    'Statement trigger on TRUNCATE of appointments or payments: recounts the rollups (rebuild_rollups).';
