-- The rollups recomputed from the base tables: what the triggers must always equal.
-- Used to rebuild (rebuild_rollups) and to check (verify_rollups); each returns the
-- rollup's rows in its table's column order.
CREATE FUNCTION rollup_recount_daily()
RETURNS TABLE (day date, status text, service_id bigint, resource_id bigint,
               appointments bigint, duration_seconds numeric)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT (a.start_time AT TIME ZONE z.tz)::date, a.status, a.service_id, a.resource_id,
           count(*), sum(extract(epoch FROM a.end_time) - extract(epoch FROM a.start_time))
    FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz) z
    GROUP BY 1, 2, 3, 4
$$;

CREATE FUNCTION rollup_recount_weekday_hour()
RETURNS TABLE (weekday smallint, hour smallint, appointments bigint, duration_seconds numeric)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT extract(dow FROM l.local_start)::smallint, extract(hour FROM l.local_start)::smallint,
           count(*), sum(l.seconds)
    FROM (SELECT a.start_time AT TIME ZONE z.tz AS local_start,
                 extract(epoch FROM a.end_time) - extract(epoch FROM a.start_time) AS seconds
          FROM appointments a CROSS JOIN (SELECT tenant_timezone() AS tz) z
          WHERE a.status = 'confirmed') l
    GROUP BY 1, 2
$$;

CREATE FUNCTION rollup_recount_payments()
RETURNS TABLE (day date, service_id bigint, revenue_cents bigint, transactions bigint)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    SELECT (p.paid_at AT TIME ZONE z.tz)::date, a.service_id, sum(p.amount_cents)::bigint, count(*)
    FROM payments p
    JOIN appointments a ON a.id = p.appointment_id
    CROSS JOIN (SELECT tenant_timezone() AS tz) z
    WHERE p.status = 'succeeded' AND p.paid_at IS NOT NULL
    GROUP BY 1, 2
$$;

COMMENT ON FUNCTION rollup_recount_daily() IS
    'appointment_rollup_daily recomputed from appointments (full scan): the reference the rollup must equal.';
COMMENT ON FUNCTION rollup_recount_weekday_hour() IS
    'appointment_rollup_weekday_hour recomputed from appointments (full scan).';
COMMENT ON FUNCTION rollup_recount_payments() IS
    'payment_rollup_daily recomputed from payments and appointments (full scan).';
