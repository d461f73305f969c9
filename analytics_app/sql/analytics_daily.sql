-- Appointments per tenant-local day, status, service and resource.
CREATE VIEW analytics_daily AS
SELECT (a.start_time AT TIME ZONE z.tz)::date AS day,
       a.status,
       a.service_id,
       a.resource_id,
       count(*) AS appointments,
       sum(extract(epoch FROM a.end_time) - extract(epoch FROM a.start_time)) / 60 AS duration_minutes
FROM appointments a
CROSS JOIN (SELECT tenant_timezone() AS tz) z
GROUP BY 1, 2, 3, 4;

COMMENT ON VIEW analytics_daily IS
    'Appointments counted per local day (tenant time zone, by start_time), status, service and resource. Sum it over days and filter it by status, service or resource to get the figures of /api/analytics/analytics/appointments/.';
COMMENT ON COLUMN analytics_daily.day IS 'Local calendar day of start_time in the tenant''s time zone (tenant_timezone()).';
COMMENT ON COLUMN analytics_daily.status IS 'Appointment status: confirmed, cancelled or no_show.';
COMMENT ON COLUMN analytics_daily.service_id IS 'services.id of the appointments.';
COMMENT ON COLUMN analytics_daily.resource_id IS 'resources.id of the appointments.';
COMMENT ON COLUMN analytics_daily.appointments IS 'Number of appointments.';
COMMENT ON COLUMN analytics_daily.duration_minutes IS 'Sum of end_time - start_time over those appointments, in minutes (exact).';
