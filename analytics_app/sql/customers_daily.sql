-- Customers and visits per tenant-local day (read from the trigger-maintained
-- customer_visit_daily and appointment_rollup_day_status).
CREATE VIEW customers_daily AS
SELECT coalesce(v.day, w.day) AS day,
       coalesce(v.customers, 0) AS customers,
       coalesce(v.new_customers, 0) AS new_customers,
       coalesce(v.visits, 0) AS visits,
       coalesce(w.confirmed, 0) - coalesce(v.visits, 0) AS walk_in_visits
FROM (SELECT r.day, sum(r.customers)::bigint AS customers,
             sum(r.new_customers)::bigint AS new_customers, sum(r.visits)::bigint AS visits
      FROM customer_visit_daily r
      GROUP BY r.day HAVING sum(r.customers) <> 0) v
FULL JOIN (SELECT r.day, sum(r.appointments)::bigint AS confirmed
           FROM appointment_rollup_day_status r WHERE r.status = 'confirmed'
           GROUP BY r.day HAVING sum(r.appointments) <> 0) w ON w.day = v.day;

COMMENT ON VIEW customers_daily IS
    'Per local day (tenant time zone): distinct customers with a visit (a confirmed appointment with a customer), those whose first visit ever it is, visits, and confirmed appointments without a customer: the daily_breakdown of the customers report.';
COMMENT ON COLUMN customers_daily.day IS 'Local date of start_time in the tenant''s time zone.';
COMMENT ON COLUMN customers_daily.customers IS 'Distinct customers with a visit that day.';
COMMENT ON COLUMN customers_daily.new_customers IS 'Of them, those whose first visit ever is that day.';
COMMENT ON COLUMN customers_daily.visits IS 'Confirmed appointments with a customer that day.';
COMMENT ON COLUMN customers_daily.walk_in_visits IS 'Confirmed appointments without a customer that day.';

-- One row per customer who has had a visit: the per-customer figures the triggers keep.
CREATE VIEW customer_visits AS
SELECT s.customer_id, s.first_visit_day, s.last_visit_day, s.visit_days, s.visits
FROM customer_visit_summary s
WHERE s.visits > 0;

COMMENT ON VIEW customer_visits IS
    'Per customer with at least one visit (confirmed appointment): first and last local visit day (tenant time zone), days with a visit, visits. A customer is new in a period when first_visit_day falls in it.';
COMMENT ON COLUMN customer_visits.customer_id IS 'customers.id.';
COMMENT ON COLUMN customer_visits.first_visit_day IS 'Local date of the customer''s earliest visit (past or future).';
COMMENT ON COLUMN customer_visits.last_visit_day IS 'Local date of the customer''s latest visit (past or future).';
COMMENT ON COLUMN customer_visits.visit_days IS 'Local days with at least one visit.';
COMMENT ON COLUMN customer_visits.visits IS 'Confirmed appointments of the customer.';
