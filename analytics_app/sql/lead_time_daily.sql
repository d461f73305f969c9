-- How far ahead appointments were booked, per tenant-local day of start_time, status,
-- service and resource (read from the trigger-maintained appointment_rollup_daily).
CREATE VIEW lead_time_daily AS
SELECT r.day, r.status, r.service_id, r.resource_id,
       sum(r.lead_appointments)::bigint AS booked_ahead,
       sum(r.lead_seconds) / 3600 AS lead_hours,
       sum(r.lead_same_day)::bigint AS same_day,
       sum(r.lead_1_to_6_days)::bigint AS one_to_six_days,
       sum(r.lead_7_to_29_days)::bigint AS seven_to_29_days,
       sum(r.lead_30_days_or_more)::bigint AS thirty_days_or_more
FROM appointment_rollup_daily r
GROUP BY r.day, r.status, r.service_id, r.resource_id
HAVING sum(r.lead_appointments) <> 0;

COMMENT ON VIEW lead_time_daily IS
    'Lead time of appointments created at or before their start, per local day of start_time (tenant time zone), status, service and resource: the lead_time of the appointments report.';
COMMENT ON COLUMN lead_time_daily.day IS 'Local date of start_time in the tenant''s time zone.';
COMMENT ON COLUMN lead_time_daily.booked_ahead IS 'Appointments whose created_at is at or before start_time.';
COMMENT ON COLUMN lead_time_daily.lead_hours IS 'Sum of start_time - created_at over them, in hours (divide by booked_ahead for the mean).';
COMMENT ON COLUMN lead_time_daily.same_day IS 'Of them, created on the local date of their start.';
COMMENT ON COLUMN lead_time_daily.one_to_six_days IS 'Created 1 to 6 local dates before their start.';
COMMENT ON COLUMN lead_time_daily.seven_to_29_days IS 'Created 7 to 29 local dates before their start.';
COMMENT ON COLUMN lead_time_daily.thirty_days_or_more IS 'Created 30 or more local dates before their start.';
COMMENT ON COLUMN lead_time_daily.status IS 'confirmed, cancelled or no_show.';
COMMENT ON COLUMN lead_time_daily.service_id IS 'services.id of the appointment.';
COMMENT ON COLUMN lead_time_daily.resource_id IS 'resources.id of the appointment.';
