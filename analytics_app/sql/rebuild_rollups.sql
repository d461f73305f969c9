-- Recompute every rollup of this schema from the base tables (after a time-zone
-- change, or when the report SQL is re-applied by `flask db upgrade`).
CREATE FUNCTION rebuild_rollups() RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    DELETE FROM appointment_rollup_daily;
    DELETE FROM appointment_rollup_weekday_hour;
    DELETE FROM payment_rollup_daily;
    INSERT INTO appointment_rollup_daily SELECT * FROM rollup_recount_daily();
    INSERT INTO appointment_rollup_weekday_hour SELECT * FROM rollup_recount_weekday_hour();
    INSERT INTO payment_rollup_daily SELECT * FROM rollup_recount_payments();
END
$$;

COMMENT ON FUNCTION rebuild_rollups() IS
    'Recompute the rollup tables from appointments and payments, in the tenant''s current time zone.';
