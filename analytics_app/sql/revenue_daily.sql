-- Succeeded payments per tenant-local day (of paid_at) and service (the appointment's).
CREATE VIEW revenue_daily AS
SELECT r.day, r.service_id, sum(r.revenue_cents)::bigint AS revenue_cents,
       sum(r.transactions)::bigint AS transaction_count
FROM payment_rollup_daily r
GROUP BY r.day, r.service_id
HAVING sum(r.transactions) <> 0;

COMMENT ON VIEW revenue_daily IS
    'Succeeded payments per local day of paid_at (tenant time zone) and service of the paid appointment: the source of /api/analytics/analytics/revenue/.';
COMMENT ON COLUMN revenue_daily.day IS 'Local calendar day of paid_at in the tenant''s time zone.';
COMMENT ON COLUMN revenue_daily.service_id IS 'services.id of the paid appointment.';
COMMENT ON COLUMN revenue_daily.revenue_cents IS 'Sum of amount_cents of succeeded payments.';
COMMENT ON COLUMN revenue_daily.transaction_count IS 'Number of succeeded payments.';
