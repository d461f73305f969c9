-- Recompute every rollup of this schema from the base tables (after a time-zone
-- change, or when the rollup SQL is re-applied by `flask db upgrade`). Writers wait
-- while it runs; `repair_rollups()` is the live alternative.
CREATE FUNCTION rebuild_rollups() RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    -- Recount and replace in one consistent state: no compactor at work, and no writer
    -- between the deletes and the recount (SHARE blocks writes until this commits).
    PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || ':compact_rollups', 0));
    LOCK TABLE appointments, payments IN SHARE MODE;
    DELETE FROM appointment_rollup_daily;
    DELETE FROM appointment_rollup_weekday_hour;
    DELETE FROM payment_rollup_daily;
    DELETE FROM appointment_rollup_day_status;
    DELETE FROM appointment_rollup_day_service;
    DELETE FROM appointment_rollup_day_resource;
    INSERT INTO appointment_rollup_daily SELECT * FROM rollup_recount_daily();
    INSERT INTO appointment_rollup_day_status
    SELECT day, status, sum(appointments) FROM appointment_rollup_daily GROUP BY 1, 2;
    INSERT INTO appointment_rollup_day_service
    SELECT day, status, service_id, sum(appointments) FROM appointment_rollup_daily GROUP BY 1, 2, 3;
    INSERT INTO appointment_rollup_day_resource
    SELECT day, status, resource_id, sum(appointments) FROM appointment_rollup_daily GROUP BY 1, 2, 3;
    INSERT INTO appointment_rollup_weekday_hour SELECT * FROM rollup_recount_weekday_hour();
    INSERT INTO payment_rollup_daily SELECT * FROM rollup_recount_payments();
END
$$;

COMMENT ON FUNCTION rebuild_rollups() IS
    'Recompute the rollup tables from appointments and payments, in the tenant''s current time zone.';
