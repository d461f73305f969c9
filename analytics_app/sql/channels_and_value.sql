-- How bookings were made and what customers are worth, for DBAs (SPEC Part 4). The
-- sources are read from a rollup the triggers keep (appointment_rollup_day_source); the
-- lifetime values are summed from the payments when asked (a full read of payments).
CREATE VIEW appointments_by_source_daily AS
SELECT r.day, r.status, r.source, r.service_id, r.resource_id,
       sum(r.appointments)::bigint AS appointments
FROM appointment_rollup_day_source r
GROUP BY r.day, r.status, r.source, r.service_id, r.resource_id
HAVING sum(r.appointments) <> 0;

COMMENT ON VIEW appointments_by_source_daily IS
    'Appointments per local day (tenant time zone, by start_time), status, source, service and resource: the by_source of /api/analytics/analytics/appointments/ before summing.';
COMMENT ON COLUMN appointments_by_source_daily.day IS 'Local calendar day of start_time in the tenant''s time zone.';
COMMENT ON COLUMN appointments_by_source_daily.status IS 'Appointment status: confirmed, cancelled or no_show.';
COMMENT ON COLUMN appointments_by_source_daily.source IS
    'appointments.source as stored (trimmed, lower-cased); unknown for NULL or blank.';
COMMENT ON COLUMN appointments_by_source_daily.service_id IS 'services.id of the appointments.';
COMMENT ON COLUMN appointments_by_source_daily.resource_id IS 'resources.id of the appointments.';
COMMENT ON COLUMN appointments_by_source_daily.appointments IS 'Number of appointments.';

CREATE VIEW customer_lifetime_value AS
SELECT c.id AS customer_id,
       coalesce(nullif(c.acquisition_channel, ''), 'unknown') AS acquisition_channel,
       v.first_visit_day, v.last_visit_day, coalesce(v.visits, 0) AS visits,
       coalesce(t.cents, 0)::bigint AS lifetime_value_cents
FROM customers c
LEFT JOIN customer_visit_summary v ON v.customer_id = c.id AND v.visits > 0
LEFT JOIN (SELECT a.customer_id, sum(p.amount_cents) AS cents
           FROM payments p JOIN appointments a ON a.id = p.appointment_id
           WHERE p.status = 'succeeded' AND a.customer_id IS NOT NULL
           GROUP BY a.customer_id) t ON t.customer_id = c.id;

COMMENT ON VIEW customer_lifetime_value IS
    'Per customer: acquisition channel (unknown for NULL or blank), first and last local visit day, visits, and the all-time sum of succeeded payments of their appointments (any status, any paid_at), in the tenant''s minor unit.';
COMMENT ON COLUMN customer_lifetime_value.customer_id IS 'customers.id.';
COMMENT ON COLUMN customer_lifetime_value.acquisition_channel IS
    'customers.acquisition_channel as stored (trimmed, lower-cased); unknown for NULL or blank.';
COMMENT ON COLUMN customer_lifetime_value.first_visit_day IS 'Local date of the earliest visit (confirmed appointment), past or future; NULL without visits.';
COMMENT ON COLUMN customer_lifetime_value.last_visit_day IS 'Local date of the latest visit; NULL without visits.';
COMMENT ON COLUMN customer_lifetime_value.visits IS 'Confirmed appointments of the customer.';
COMMENT ON COLUMN customer_lifetime_value.lifetime_value_cents IS 'All-time sum of succeeded payments of the customer''s appointments (any status, any paid_at).';
