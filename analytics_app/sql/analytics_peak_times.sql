-- Confirmed appointments per tenant-local weekday and hour: the dashboard's peaks.
CREATE VIEW analytics_peak_times AS
SELECT r.weekday::int AS weekday_number,
       (ARRAY['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])
           [r.weekday + 1] AS weekday,
       r.hour::int AS hour,
       sum(r.appointments)::bigint AS appointments,
       sum(r.duration_seconds) / 60 AS duration_minutes,
       sum(r.duration_seconds) AS duration_seconds
FROM appointment_rollup_weekday_hour r
GROUP BY r.weekday, r.hour
HAVING sum(r.appointments) <> 0;

COMMENT ON VIEW analytics_peak_times IS
    'Confirmed appointments of all time per local weekday and hour of start_time (tenant time zone): the source of peak_booking_day and peak_booking_hour.';
COMMENT ON COLUMN analytics_peak_times.weekday_number IS '0 = Sunday ... 6 = Saturday, local.';
COMMENT ON COLUMN analytics_peak_times.weekday IS 'English weekday name, local.';
COMMENT ON COLUMN analytics_peak_times.hour IS 'Local hour of day, 0-23.';
COMMENT ON COLUMN analytics_peak_times.appointments IS 'Number of confirmed appointments.';
COMMENT ON COLUMN analytics_peak_times.duration_minutes IS 'Sum of end_time - start_time over those appointments, in minutes (numeric, cut where its division stops: 62 s is 1.0333333333333333).';
COMMENT ON COLUMN analytics_peak_times.duration_seconds IS 'The same sum in seconds (exact): divide a total of it, not a total of duration_minutes, for a mean to round exactly.';
