-- Succeeded payments per tenant-local day (of paid_at) and service (the appointment's).
CREATE VIEW revenue_daily AS
SELECT (p.paid_at AT TIME ZONE z.tz)::date AS day,
       a.service_id,
       sum(p.amount_cents)::bigint AS revenue_cents,
       count(*) AS transaction_count
FROM payments p
JOIN appointments a ON a.id = p.appointment_id
CROSS JOIN (SELECT tenant_timezone() AS tz) z
WHERE p.status = 'succeeded' AND p.paid_at IS NOT NULL
GROUP BY 1, 2;

COMMENT ON VIEW revenue_daily IS
    'Succeeded payments per local day of paid_at (tenant time zone) and service of the paid appointment: the source of /api/analytics/analytics/revenue/.';
COMMENT ON COLUMN revenue_daily.day IS 'Local calendar day of paid_at in the tenant''s time zone.';
COMMENT ON COLUMN revenue_daily.service_id IS 'services.id of the paid appointment.';
COMMENT ON COLUMN revenue_daily.revenue_cents IS 'Sum of amount_cents of succeeded payments.';
COMMENT ON COLUMN revenue_daily.transaction_count IS 'Number of succeeded payments.';
