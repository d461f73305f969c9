-- Compare each rollup with a full recount: one row per rollup with the number of
-- rows that differ (missing, extra or with other figures). All zeros = correct.
CREATE FUNCTION verify_rollups()
RETURNS TABLE (rollup text, rows_checked bigint, mismatched_rows bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH kept AS (SELECT * FROM appointment_rollup_daily WHERE appointments <> 0
                                                           OR duration_seconds <> 0),
         fresh AS (SELECT * FROM rollup_recount_daily()),
         -- Each recount is a full scan: computed once, used on both sides.
         fresh_weekday_hour AS MATERIALIZED (SELECT * FROM rollup_recount_weekday_hour()),
         fresh_payments AS MATERIALIZED (SELECT * FROM rollup_recount_payments())
    SELECT 'appointment_rollup_daily', (SELECT count(*) FROM kept),
           (SELECT count(*) FROM ((TABLE kept EXCEPT ALL TABLE fresh)
                                  UNION ALL (TABLE fresh EXCEPT ALL TABLE kept)) d)
    UNION ALL
    SELECT 'appointment_rollup_weekday_hour',
           (SELECT count(*) FROM appointment_rollup_weekday_hour),
           (SELECT count(*) FROM (
               (SELECT * FROM appointment_rollup_weekday_hour WHERE appointments <> 0
                EXCEPT ALL TABLE fresh_weekday_hour)
               UNION ALL
               (TABLE fresh_weekday_hour
                EXCEPT ALL SELECT * FROM appointment_rollup_weekday_hour)) d)
    UNION ALL
    SELECT 'appointment_rollup_day_status', (SELECT count(*) FROM appointment_rollup_day_status),
           (SELECT count(*) FROM (
               (SELECT * FROM appointment_rollup_day_status WHERE appointments <> 0
                EXCEPT ALL SELECT day, status, sum(appointments) FROM fresh GROUP BY 1, 2)
               UNION ALL
               (SELECT day, status, sum(appointments) FROM fresh GROUP BY 1, 2
                EXCEPT ALL SELECT * FROM appointment_rollup_day_status)) d)
    UNION ALL
    SELECT 'appointment_rollup_day_service', (SELECT count(*) FROM appointment_rollup_day_service),
           (SELECT count(*) FROM (
               (SELECT * FROM appointment_rollup_day_service WHERE appointments <> 0
                EXCEPT ALL SELECT day, status, service_id, sum(appointments) FROM fresh GROUP BY 1, 2, 3)
               UNION ALL
               (SELECT day, status, service_id, sum(appointments) FROM fresh GROUP BY 1, 2, 3
                EXCEPT ALL SELECT * FROM appointment_rollup_day_service)) d)
    UNION ALL
    SELECT 'appointment_rollup_day_resource', (SELECT count(*) FROM appointment_rollup_day_resource),
           (SELECT count(*) FROM (
               (SELECT * FROM appointment_rollup_day_resource WHERE appointments <> 0
                EXCEPT ALL SELECT day, status, resource_id, sum(appointments) FROM fresh GROUP BY 1, 2, 3)
               UNION ALL
               (SELECT day, status, resource_id, sum(appointments) FROM fresh GROUP BY 1, 2, 3
                EXCEPT ALL SELECT * FROM appointment_rollup_day_resource)) d)
    UNION ALL
    SELECT 'payment_rollup_daily', (SELECT count(*) FROM payment_rollup_daily),
           (SELECT count(*) FROM (
               (SELECT * FROM payment_rollup_daily WHERE transactions <> 0
                EXCEPT ALL TABLE fresh_payments)
               UNION ALL
               (TABLE fresh_payments
                EXCEPT ALL SELECT * FROM payment_rollup_daily)) d)
$$;

COMMENT ON FUNCTION verify_rollups() IS
    'For each rollup table: rows checked, and rows found only in the rollup or only in a full recount of the base tables (a wrong row counts twice; 0 = correct).';
