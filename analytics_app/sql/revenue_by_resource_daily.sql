-- Succeeded and refunded payments per tenant-local day of paid_at, service and resource
-- (both the paid appointment's), read from the trigger-maintained payment_rollup_daily.
CREATE VIEW revenue_by_resource_daily AS
SELECT r.day, r.service_id, r.resource_id,
       sum(r.revenue_cents)::bigint AS revenue_cents,
       sum(r.transactions)::bigint AS transaction_count,
       sum(r.refunded_cents)::bigint AS refunded_cents,
       sum(r.refunds)::bigint AS refund_count
FROM payment_rollup_daily r
GROUP BY r.day, r.service_id, r.resource_id
HAVING sum(r.transactions) <> 0 OR sum(r.refunds) <> 0;

COMMENT ON VIEW revenue_by_resource_daily IS
    'Succeeded and refunded payments per local day of paid_at (tenant time zone), service and resource of the paid appointment: by_resource and refunded_cents of the revenue report.';
COMMENT ON COLUMN revenue_by_resource_daily.day IS 'Local date of paid_at in the tenant''s time zone.';
COMMENT ON COLUMN revenue_by_resource_daily.resource_id IS 'The paid appointment''s resource (a chair, a room, a member of staff).';
COMMENT ON COLUMN revenue_by_resource_daily.revenue_cents IS 'Sum of amount_cents of succeeded payments.';
COMMENT ON COLUMN revenue_by_resource_daily.transaction_count IS 'Number of succeeded payments.';
COMMENT ON COLUMN revenue_by_resource_daily.refunded_cents IS 'Sum of amount_cents of refunded payments.';
COMMENT ON COLUMN revenue_by_resource_daily.refund_count IS 'Number of refunded payments.';
COMMENT ON COLUMN revenue_by_resource_daily.service_id IS 'services.id of the paid appointment.';
