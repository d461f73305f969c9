-- Keep payment_rollup_daily exact under any change to payments (statement-level).
--
-- A payment's service is its appointment's, read from another table: a transaction
-- that has moved the appointment to another service but not committed yet would be
-- invisible here, and its own trigger cannot see this uncommitted payment either, so
-- the revenue would stay under the old service. Hence the appointments of succeeded
-- payments are locked FOR SHARE (in id order) before their service is read: that
-- waits for an uncommitted move, and then reads the moved row; a later move waits for
-- this transaction instead (see rollup_appointments_changed). A statement touching
-- more than 1,000 appointments (a bulk load) takes one SHARE lock on the table
-- instead of a row lock per appointment. Rows are keyed by this transaction (txid).
CREATE FUNCTION rollup_payments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tx bigint := txid_current();
    delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
    paid_for bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM payment_rollup_daily;
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        SELECT count(DISTINCT appointment_id) FROM (%s) d
        WHERE status = 'succeeded' AND paid_at IS NOT NULL
    $q$, delta) INTO paid_for;
    IF paid_for = 0 THEN
        RETURN NULL;
    ELSIF paid_for > 1000 THEN
        LOCK TABLE appointments IN SHARE MODE;
    ELSE
        EXECUTE format($q$
            SELECT 1 FROM appointments
            WHERE id IN (SELECT appointment_id FROM (%s) d
                         WHERE status = 'succeeded' AND paid_at IS NOT NULL)
            ORDER BY id FOR SHARE
        $q$, delta);
    END IF;
    EXECUTE format($q$
        INSERT INTO payment_rollup_daily AS r
        SELECT (d.paid_at AT TIME ZONE $1)::date, a.service_id,
               sum(d.sign * d.amount_cents), sum(d.sign), $2
        FROM (%s) d
        JOIN appointments a ON a.id = d.appointment_id
        WHERE d.status = 'succeeded' AND d.paid_at IS NOT NULL
        GROUP BY 1, 2
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.amount_cents) <> 0
        ON CONFLICT (day, service_id, txid) DO UPDATE
            SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                transactions = r.transactions + EXCLUDED.transactions
    $q$, delta) USING tenant_timezone(), tx;
    IF random() < 1.0 / 32 THEN
        PERFORM compact_rollups(false);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_payments_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed();
CREATE TRIGGER rollup_payments_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed();
CREATE TRIGGER rollup_payments_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed();
CREATE TRIGGER rollup_payments_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_payments_changed();

COMMENT ON FUNCTION rollup_payments_changed() IS
    'Statement trigger on payments: applies the changed rows (succeeded, with paid_at) to payment_rollup_daily under their appointment''s service, which it first locks FOR SHARE (a SHARE table lock past 1,000 appointments) so a concurrent service move cannot be missed.';
