-- Keep payment_rollup_daily exact under any change to payments (statement-level):
-- succeeded and refunded payments by local day of paid_at, service and resource (both
-- the appointment's), and the succeeded cents of visits (the appointment confirmed,
-- with a customer), also summed per day alone in payment_rollup_day. A customer's
-- lifetime value (succeeded payments, any paid_at) is recounted by
-- rollup_customers.sql's payments trigger.
--
-- A payment's service is its appointment's, read from another table: a transaction
-- that has moved the appointment to another service but not committed yet would be
-- invisible here, and its own trigger cannot see this uncommitted payment either, so
-- the revenue would stay under the old service. Hence the appointments of succeeded
-- and refunded payments are locked FOR SHARE (in id order) before their service is read: that
-- waits for an uncommitted move, and then reads the moved row; a later move waits for
-- this transaction instead (see rollup_appointments_changed). A statement touching
-- more than 1,000 appointments (a bulk load) takes one SHARE lock on the table
-- instead of a row lock per appointment. Rows are keyed by this transaction (txid).
CREATE FUNCTION rollup_payments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tz text := tenant_timezone();
    tx bigint := txid_current();
    -- Every trigger below names its transition table changed_rows and passes its sign:
    -- an UPDATE fires two of them, -1 for the old rows and +1 for the new ones.
    sign_of_changed int := TG_ARGV[0]::int;
    paid_for bigint;
    plan_mode text := current_setting('plan_cache_mode');
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM payment_rollup_daily;
        DELETE FROM payment_rollup_day;
        RETURN NULL;
    END IF;
    SELECT count(DISTINCT appointment_id) INTO paid_for
    FROM changed_rows
    WHERE status = 'succeeded' OR (status = 'refunded' AND paid_at IS NOT NULL);
    IF paid_for = 0 THEN
        RETURN NULL;
    ELSIF paid_for > 1000 THEN
        LOCK TABLE appointments IN SHARE MODE;
        -- A kept plan was made for an earlier, small statement: plan this one anew.
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    ELSE
        PERFORM 1 FROM appointments
        WHERE id IN (SELECT appointment_id FROM changed_rows
                     WHERE status = 'succeeded' OR (status = 'refunded' AND paid_at IS NOT NULL))
        ORDER BY id FOR SHARE;
    END IF;
    -- A new statement, so a new snapshot: it reads the appointments as just locked.
    -- Static SQL: plpgsql keeps the plan from call to call.
    WITH grouped AS MATERIALIZED (
        SELECT (d.paid_at AT TIME ZONE tz)::date AS day, a.service_id, a.resource_id,
               coalesce(sum(sign_of_changed * d.amount_cents) FILTER (WHERE d.status = 'succeeded'), 0) AS revenue_cents,
               coalesce(sum(sign_of_changed) FILTER (WHERE d.status = 'succeeded'), 0) AS transactions,
               coalesce(sum(sign_of_changed * d.amount_cents) FILTER (WHERE d.status = 'refunded'), 0) AS refunded_cents,
               coalesce(sum(sign_of_changed) FILTER (WHERE d.status = 'refunded'), 0) AS refunds,
               coalesce(sum(sign_of_changed * d.amount_cents)
                        FILTER (WHERE d.status = 'succeeded' AND a.status = 'confirmed'
                                  AND a.customer_id IS NOT NULL), 0) AS visit_revenue_cents
        FROM changed_rows d
        JOIN appointments a ON a.id = d.appointment_id
        WHERE d.status IN ('succeeded', 'refunded') AND d.paid_at IS NOT NULL
        GROUP BY 1, 2, 3
    ),
    detail AS (
        INSERT INTO payment_rollup_daily AS r
            (day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds,
             visit_revenue_cents, txid)
        SELECT day, service_id, resource_id, revenue_cents, transactions, refunded_cents,
               refunds, visit_revenue_cents, tx
        FROM grouped
        ON CONFLICT (day, service_id, resource_id, txid) DO UPDATE
            SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                transactions = r.transactions + EXCLUDED.transactions,
                refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
                refunds = r.refunds + EXCLUDED.refunds,
                visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents
    )
    INSERT INTO payment_rollup_day AS r
        (day, txid, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT day, tx, sum(revenue_cents), sum(transactions), sum(refunded_cents), sum(refunds),
           sum(visit_revenue_cents)
    FROM grouped GROUP BY day
    ON CONFLICT (day, txid) DO UPDATE
        SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
            transactions = r.transactions + EXCLUDED.transactions,
            refunded_cents = r.refunded_cents + EXCLUDED.refunded_cents,
            refunds = r.refunds + EXCLUDED.refunds,
            visit_revenue_cents = r.visit_revenue_cents + EXCLUDED.visit_revenue_cents;
    PERFORM set_config('plan_cache_mode', plan_mode, true);
    IF random() < 1.0 / 32 THEN
        PERFORM compact_rollups(false);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_payments_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed('1');
-- Trigger names order their firing: the old rows come out (a), then the new go in (b).
CREATE TRIGGER rollup_payments_update_a_old AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed('-1');
CREATE TRIGGER rollup_payments_update_b_new AFTER UPDATE ON payments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed('1');
CREATE TRIGGER rollup_payments_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed('-1');
CREATE TRIGGER rollup_payments_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed('0');

COMMENT ON FUNCTION rollup_payments_changed() IS
    'Statement trigger on payments: applies the changed rows (succeeded and refunded, with paid_at) to payment_rollup_daily and payment_rollup_day, under their appointment''s service and resource, which it first locks FOR SHARE (a SHARE table lock past 1,000 appointments) so a concurrent move cannot be missed.';
