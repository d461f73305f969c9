-- Keep payment_rollup_daily exact under any change to payments (statement-level).
CREATE FUNCTION rollup_payments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM payment_rollup_daily;
        RETURN NULL;
    END IF;
    EXECUTE format($q$
        INSERT INTO payment_rollup_daily AS r
        SELECT (d.paid_at AT TIME ZONE $1)::date, a.service_id,
               sum(d.sign * d.amount_cents), sum(d.sign)
        FROM (%s) d
        JOIN appointments a ON a.id = d.appointment_id
        WHERE d.status = 'succeeded' AND d.paid_at IS NOT NULL
        GROUP BY 1, 2
        HAVING sum(d.sign) <> 0 OR sum(d.sign * d.amount_cents) <> 0
        ORDER BY 1, 2
        ON CONFLICT (day, service_id) DO UPDATE
            SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                transactions = r.transactions + EXCLUDED.transactions
    $q$, delta) USING tenant_timezone();
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
    'Statement trigger on payments: applies the changed rows (succeeded, with paid_at) to payment_rollup_daily.';
