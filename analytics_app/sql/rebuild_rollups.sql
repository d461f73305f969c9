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
    DELETE FROM appointment_rollup_day_hour;
    DELETE FROM appointment_rollup_day_hour_detail;
    DELETE FROM customer_visit_links;
    DELETE FROM customer_visit_daily;
    DELETE FROM customer_visit_days;
    DELETE FROM customer_visit_summary;
    DELETE FROM customer_new_channel_daily;
    DELETE FROM appointment_rollup_day_source;
    DELETE FROM appointment_rollup_day_status_source;
    DELETE FROM payment_rollup_day;
    INSERT INTO appointment_rollup_daily
        (day, status, service_id, resource_id, appointments, duration_seconds,
         lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days,
         lead_30_days_or_more)
    SELECT day, status, service_id, resource_id, appointments, duration_seconds,
           lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days,
           lead_30_days_or_more
    FROM rollup_recount_daily();
    INSERT INTO appointment_rollup_day_status
        (day, status, appointments, lead_appointments, lead_seconds, lead_same_day,
         lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT day, status, sum(appointments), sum(lead_appointments), sum(lead_seconds),
           sum(lead_same_day), sum(lead_1_to_6_days), sum(lead_7_to_29_days),
           sum(lead_30_days_or_more)
    FROM appointment_rollup_daily GROUP BY 1, 2;
    INSERT INTO appointment_rollup_day_service (day, status, service_id, appointments)
    SELECT day, status, service_id, sum(appointments) FROM appointment_rollup_daily GROUP BY 1, 2, 3;
    INSERT INTO appointment_rollup_day_resource (day, status, resource_id, appointments, duration_seconds)
    SELECT day, status, resource_id, sum(appointments), sum(duration_seconds)
    FROM appointment_rollup_daily GROUP BY 1, 2, 3;
    INSERT INTO appointment_rollup_day_hour_detail
        (day, hour, status, service_id, resource_id, appointments)
    SELECT day, hour, status, service_id, resource_id, appointments FROM rollup_recount_day_hour();
    INSERT INTO appointment_rollup_day_hour (day, hour, status, appointments)
    SELECT day, hour, status, sum(appointments) FROM appointment_rollup_day_hour_detail
    GROUP BY 1, 2, 3;
    INSERT INTO appointment_rollup_weekday_hour (weekday, hour, appointments, duration_seconds)
    SELECT weekday, hour, appointments, duration_seconds FROM rollup_recount_weekday_hour();
    INSERT INTO payment_rollup_daily
        (day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds,
         visit_revenue_cents)
    SELECT day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds,
           visit_revenue_cents
    FROM rollup_recount_payments();
    INSERT INTO payment_rollup_day
        (day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT day, sum(revenue_cents), sum(transactions), sum(refunded_cents), sum(refunds),
           sum(visit_revenue_cents)
    FROM payment_rollup_daily GROUP BY 1;
    INSERT INTO appointment_rollup_day_source
        (day, status, source, service_id, resource_id, appointments)
    SELECT day, status, source, service_id, resource_id, appointments
    FROM rollup_recount_day_source();
    INSERT INTO appointment_rollup_day_status_source (day, status, source, appointments)
    SELECT day, status, source, sum(appointments) FROM appointment_rollup_day_source
    GROUP BY 1, 2, 3;
    INSERT INTO customer_visit_days (customer_id, day, visits)
    SELECT customer_id, day, visits FROM rollup_recount_customer_days();
    INSERT INTO customer_visit_summary
        (customer_id, first_visit_day, last_visit_day, visit_days, visits, lifetime_cents, channel)
    SELECT d.customer_id, min(d.day), max(d.day), count(*), sum(d.visits), min(v.lifetime_cents),
           min(v.channel)
    FROM customer_visit_days d JOIN rollup_recount_customer_values() v USING (customer_id)
    GROUP BY 1;
    INSERT INTO customer_visit_links (from_day, to_day, customers, visits, lifetime_cents)
    SELECT from_day, to_day, customers, visits, lifetime_cents FROM rollup_recount_customer_links();
    INSERT INTO customer_new_channel_daily (day, channel, customers)
    SELECT day, channel, customers FROM rollup_recount_customer_new_channel();
    INSERT INTO customer_visit_daily (day, customers, new_customers, visits)
    SELECT to_day, sum(customers),
           coalesce(sum(customers) FILTER (WHERE from_day = '-infinity'), 0), sum(visits)
    FROM customer_visit_links WHERE to_day < 'infinity' GROUP BY 1;
END
$$;

COMMENT ON FUNCTION rebuild_rollups() IS
    'Recompute the rollup tables from appointments and payments, in the tenant''s current time zone.';
