-- Appointments per tenant-local day, status, service and resource (read from the rollup
-- appointment_rollup_daily, so it costs the same at any history size). A key has its
-- folded row and a row per change not folded yet: summed here.
CREATE VIEW analytics_daily AS
SELECT r.day, r.status, r.service_id, r.resource_id, sum(r.appointments)::bigint AS appointments,
       sum(r.duration_seconds) / 60 AS duration_minutes
FROM appointment_rollup_daily r
GROUP BY r.day, r.status, r.service_id, r.resource_id
HAVING sum(r.appointments) <> 0;

COMMENT ON VIEW analytics_daily IS
    'Appointments counted per local day (tenant time zone, by start_time), status, service and resource. Sum it over days and filter it by status, service or resource to get the figures of /api/analytics/analytics/appointments/.';
COMMENT ON COLUMN analytics_daily.day IS 'Local calendar day of start_time in the tenant''s time zone (tenant_timezone()).';
COMMENT ON COLUMN analytics_daily.status IS 'Appointment status: confirmed, cancelled or no_show.';
COMMENT ON COLUMN analytics_daily.service_id IS 'services.id of the appointments.';
COMMENT ON COLUMN analytics_daily.resource_id IS 'resources.id of the appointments.';
COMMENT ON COLUMN analytics_daily.appointments IS 'Number of appointments.';
COMMENT ON COLUMN analytics_daily.duration_minutes IS 'Sum of end_time - start_time over those appointments, in minutes (exact).';
