-- Keep the appointment rollups (and the service split of payment_rollup_daily) exact
-- under any INSERT, UPDATE, DELETE or TRUNCATE of appointments. Statement-level, with
-- transition tables: a bulk load of a million rows is one grouped upsert, not a million.
CREATE FUNCTION rollup_appointments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tz text := tenant_timezone();
    -- Each changed row counts +1 in its new form and -1 in its old one. Transition
    -- tables exist only for their own event, hence the SQL text per event.
    delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM appointment_rollup_daily;
        DELETE FROM appointment_rollup_weekday_hour;
        DELETE FROM appointment_rollup_day_status;
        DELETE FROM appointment_rollup_day_service;
        DELETE FROM appointment_rollup_day_resource;
        DELETE FROM payment_rollup_daily;
        RETURN NULL;
    END IF;

    EXECUTE format($q$
        INSERT INTO appointment_rollup_daily AS r
        SELECT (start_time AT TIME ZONE $1)::date, status, service_id, resource_id,
               sum(sign), sum(sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time)))
        FROM (%s) d
        GROUP BY 1, 2, 3, 4
        HAVING sum(sign) <> 0
            OR sum(sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time))) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, status, service_id, resource_id) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments,
                duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds
    $q$, delta) USING tz;

    -- The same delta at the coarser grains (one grouped upsert each).
    EXECUTE format($q$
        INSERT INTO appointment_rollup_day_status AS r
        SELECT (start_time AT TIME ZONE $1)::date, status, sum(sign)
        FROM (%s) d GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
        ON CONFLICT (day, status) DO UPDATE SET appointments = r.appointments + EXCLUDED.appointments
    $q$, delta) USING tz;
    EXECUTE format($q$
        INSERT INTO appointment_rollup_day_service AS r
        SELECT (start_time AT TIME ZONE $1)::date, status, service_id, sum(sign)
        FROM (%s) d GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (day, status, service_id) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments
    $q$, delta) USING tz;
    EXECUTE format($q$
        INSERT INTO appointment_rollup_day_resource AS r
        SELECT (start_time AT TIME ZONE $1)::date, status, resource_id, sum(sign)
        FROM (%s) d GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (day, status, resource_id) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments
    $q$, delta) USING tz;

    EXECUTE format($q$
        INSERT INTO appointment_rollup_weekday_hour AS r
        SELECT extract(dow FROM start_time AT TIME ZONE $1)::smallint,
               extract(hour FROM start_time AT TIME ZONE $1)::smallint,
               sum(sign), sum(sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time)))
        FROM (%s) d
        WHERE status = 'confirmed'
        GROUP BY 1, 2
        HAVING sum(sign) <> 0
            OR sum(sign * (extract(epoch FROM end_time) - extract(epoch FROM start_time))) <> 0
        ORDER BY 1, 2
        ON CONFLICT (weekday, hour) DO UPDATE
            SET appointments = r.appointments + EXCLUDED.appointments,
                duration_seconds = r.duration_seconds + EXCLUDED.duration_seconds
    $q$, delta) USING tz;

    -- A payment's service is its appointment's: moving an appointment to another
    -- service moves its succeeded payments' revenue too.
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO payment_rollup_daily AS r
        SELECT (p.paid_at AT TIME ZONE tz)::date, m.service_id,
               sum(m.sign * p.amount_cents), sum(m.sign)
        FROM (SELECT o.id, o.service_id, -1 AS sign FROM old_rows o
              JOIN new_rows n ON n.id = o.id WHERE n.service_id <> o.service_id
              UNION ALL
              SELECT n.id, n.service_id, 1 FROM old_rows o
              JOIN new_rows n ON n.id = o.id WHERE n.service_id <> o.service_id) m
        JOIN payments p ON p.appointment_id = m.id
        WHERE p.status = 'succeeded' AND p.paid_at IS NOT NULL
        GROUP BY 1, 2
        HAVING sum(m.sign) <> 0
        ORDER BY 1, 2
        ON CONFLICT (day, service_id) DO UPDATE
            SET revenue_cents = r.revenue_cents + EXCLUDED.revenue_cents,
                transactions = r.transactions + EXCLUDED.transactions;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_appointments_insert AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();
CREATE TRIGGER rollup_appointments_update AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();
CREATE TRIGGER rollup_appointments_delete AFTER DELETE ON appointments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();
CREATE TRIGGER rollup_appointments_truncate AFTER TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_appointments_changed();

COMMENT ON FUNCTION rollup_appointments_changed() IS
    'Statement trigger on appointments: applies the changed rows to the appointment rollups (daily at four grains, weekday x hour) and, when an appointment changes service, to payment_rollup_daily.';
