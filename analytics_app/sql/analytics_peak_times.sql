-- Confirmed appointments per tenant-local weekday and hour: the dashboard's peaks.
CREATE VIEW analytics_peak_times AS
SELECT extract(dow FROM local_start)::int AS weekday_number,
       (ARRAY['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])
           [extract(dow FROM local_start)::int + 1] AS weekday,
       extract(hour FROM local_start)::int AS hour,
       count(*) AS appointments
FROM (SELECT a.start_time AT TIME ZONE z.tz AS local_start
      FROM appointments a
      CROSS JOIN (SELECT tenant_timezone() AS tz) z
      WHERE a.status = 'confirmed') confirmed
GROUP BY 1, 2, 3;

COMMENT ON VIEW analytics_peak_times IS
    'Confirmed appointments of all time per local weekday and hour of start_time (tenant time zone): the source of peak_booking_day and peak_booking_hour.';
COMMENT ON COLUMN analytics_peak_times.weekday_number IS '0 = Sunday ... 6 = Saturday, local.';
COMMENT ON COLUMN analytics_peak_times.weekday IS 'English weekday name, local.';
COMMENT ON COLUMN analytics_peak_times.hour IS 'Local hour of day, 0-23.';
COMMENT ON COLUMN analytics_peak_times.appointments IS 'Number of confirmed appointments.';
