-- Appointments per tenant-local day and service, with the service's name and a column per status.
CREATE VIEW analytics_by_service AS
SELECT d.day,
       d.service_id,
       s.name AS service_name,
       sum(d.appointments)::bigint AS appointments,
       coalesce(sum(d.appointments) FILTER (WHERE d.status = 'confirmed'), 0)::bigint AS confirmed,
       coalesce(sum(d.appointments) FILTER (WHERE d.status = 'cancelled'), 0)::bigint AS cancelled,
       coalesce(sum(d.appointments) FILTER (WHERE d.status = 'no_show'), 0)::bigint AS no_show
FROM analytics_daily d
JOIN services s ON s.id = d.service_id
GROUP BY d.day, d.service_id, s.name;

COMMENT ON VIEW analytics_by_service IS
    'Appointments per local day (tenant time zone, by start_time) and service, split by status. Sum over a period for the by_service ranking of the appointments report.';
COMMENT ON COLUMN analytics_by_service.day IS 'Local calendar day of start_time in the tenant''s time zone.';
COMMENT ON COLUMN analytics_by_service.service_id IS 'services.id.';
COMMENT ON COLUMN analytics_by_service.service_name IS 'services.name.';
COMMENT ON COLUMN analytics_by_service.appointments IS 'All appointments of the service that day, any status.';
COMMENT ON COLUMN analytics_by_service.confirmed IS 'Confirmed appointments.';
COMMENT ON COLUMN analytics_by_service.cancelled IS 'Cancelled appointments.';
COMMENT ON COLUMN analytics_by_service.no_show IS 'No-show appointments.';
