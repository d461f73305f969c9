-- Keep the customer visit tables (customer_visit_days, customer_visit_summary,
-- customer_visit_links, customer_visit_daily, customer_new_channel_daily) exact under any
-- INSERT, UPDATE, DELETE or TRUNCATE of appointments, any change of payments (lifetime
-- value) and of customers' acquisition channel. A visit is a confirmed appointment with
-- a customer; its day is the local date of start_time in the tenant's time zone.
--
-- Unlike counts, "first visit" and "the previous visit day" do not add up across
-- transactions, so a customer is recounted whole, and writers of the same customer
-- take turns: refresh_customer_visits() first updates the customers' summary rows
-- (in customer_id order, so two writers cannot deadlock on them), which waits for any
-- other transaction holding them; the next statement then has a fresh snapshot that
-- sees that transaction's committed appointments (READ COMMITTED), or, under
-- REPEATABLE READ, the update fails with a serialization error rather than recount
-- from a stale snapshot. The links rollup is written like the others: per-transaction
-- rows (txid), so writers of different customers never wait on each other.

-- Recount these customers from appointments: their visit days and summary rows are
-- replaced, and the change of their links (new minus old) is added to the rollup.
CREATE FUNCTION refresh_customer_visits(p_customers bigint[]) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    tz text := tenant_timezone();
    tx bigint := txid_current();
    plan_mode text := current_setting('plan_cache_mode');
    bulk boolean := cardinality(p_customers) > 1000;
BEGIN
    IF p_customers IS NULL OR cardinality(p_customers) = 0 THEN
        RETURN;
    END IF;
    IF bulk THEN  -- a plan kept from a one-customer call would be slow here
        PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    END IF;

    -- Take turns per customer (see above). visits = visits makes a new row version,
    -- which is what a REPEATABLE READ writer must conflict with.
    INSERT INTO customer_visit_summary AS s (customer_id)
    SELECT c FROM (SELECT DISTINCT c FROM unnest(p_customers) c) x ORDER BY c
    ON CONFLICT (customer_id) DO UPDATE SET visits = s.visits;

    -- One statement, one snapshot: the old visit days (kept) and the recount (fresh)
    -- give the old and new links; the tables are rewritten to the recount.
    WITH ids AS MATERIALIZED (SELECT DISTINCT c AS customer_id FROM unnest(p_customers) c),
    fresh AS MATERIALIZED (
        SELECT a.customer_id, (a.start_time AT TIME ZONE tz)::date AS day, count(*)::int AS visits
        FROM appointments a JOIN ids USING (customer_id)
        WHERE a.status = 'confirmed'
        GROUP BY 1, 2
    ),
    kept AS MATERIALIZED (
        SELECT k.customer_id, k.day, k.visits FROM customer_visit_days k JOIN ids USING (customer_id)
    ),
    -- Each customer's lifetime value (all-time succeeded payments of their appointments,
    -- any status, any paid_at) and acquisition channel: counted now (fresh), and as the
    -- links and the channel rollup hold them (kept, in the summary).
    fresh_value AS MATERIALIZED (
        SELECT i.customer_id, coalesce(v.cents, 0)::bigint AS cents,
               coalesce(nullif(c.acquisition_channel, ''), 'unknown') AS channel
        FROM ids i
        LEFT JOIN customers c ON c.id = i.customer_id
        LEFT JOIN (SELECT a.customer_id, sum(p.amount_cents) AS cents
                   FROM appointments a JOIN ids USING (customer_id)
                   JOIN payments p ON p.appointment_id = a.id
                   WHERE p.status = 'succeeded'
                   GROUP BY 1) v ON v.customer_id = i.customer_id
    ),
    kept_value AS MATERIALIZED (
        SELECT s.customer_id, s.lifetime_cents AS cents, s.channel
        FROM customer_visit_summary s JOIN ids USING (customer_id)
    ),
    both_sides AS (
        SELECT 1 AS sign, f.*, v.cents, v.channel
        FROM fresh f JOIN fresh_value v USING (customer_id)
        UNION ALL
        SELECT -1, k.*, v.cents, v.channel
        FROM kept k JOIN kept_value v USING (customer_id)
    ),
    links AS (
        SELECT sign, coalesce(lag(day) OVER w, '-infinity'::date) AS from_day, day AS to_day,
               visits, cents, channel
        FROM both_sides WINDOW w AS (PARTITION BY sign, customer_id ORDER BY day)
        UNION ALL
        SELECT sign, max(day), 'infinity'::date, 0, max(cents), NULL
        FROM both_sides GROUP BY sign, customer_id
    ),
    new_by_channel AS (  -- a customer's first visit day, under their channel
        INSERT INTO customer_new_channel_daily AS r (day, channel, txid, customers)
        SELECT to_day, channel, tx, sum(sign) FROM links WHERE from_day = '-infinity'
        GROUP BY 1, 2 HAVING sum(sign) <> 0
        ON CONFLICT (day, channel, txid) DO UPDATE SET customers = r.customers + EXCLUDED.customers
    ),
    upserted AS (
        INSERT INTO customer_visit_days AS d (customer_id, day, visits)
        SELECT customer_id, day, visits FROM fresh
        ON CONFLICT (customer_id, day) DO UPDATE SET visits = EXCLUDED.visits
            WHERE d.visits <> EXCLUDED.visits
    ),
    removed AS (
        DELETE FROM customer_visit_days d
        USING kept k
        WHERE d.customer_id = k.customer_id AND d.day = k.day
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.customer_id = k.customer_id AND f.day = k.day)
    ),
    daily AS (
        INSERT INTO customer_visit_daily AS r (day, txid, customers, new_customers, visits)
        SELECT to_day, tx, sum(sign), coalesce(sum(sign) FILTER (WHERE from_day = '-infinity'), 0),
               sum(sign * visits)
        FROM links WHERE to_day < 'infinity'
        GROUP BY 1
        HAVING sum(sign) <> 0 OR sum(sign * visits) <> 0
            OR coalesce(sum(sign) FILTER (WHERE from_day = '-infinity'), 0) <> 0
        ON CONFLICT (day, txid) DO UPDATE
            SET customers = r.customers + EXCLUDED.customers,
                new_customers = r.new_customers + EXCLUDED.new_customers,
                visits = r.visits + EXCLUDED.visits
    ),
    summary AS (
        UPDATE customer_visit_summary s
        SET first_visit_day = f.first_day, last_visit_day = f.last_day,
            visit_days = f.visit_days, visits = f.visits,
            lifetime_cents = f.cents, channel = f.channel
        FROM (SELECT i.customer_id, min(f.day) AS first_day, max(f.day) AS last_day,
                     count(f.day)::int AS visit_days, coalesce(sum(f.visits), 0)::int AS visits,
                     min(v.cents) AS cents, min(v.channel) AS channel
              FROM ids i JOIN fresh_value v USING (customer_id)
              LEFT JOIN fresh f USING (customer_id) GROUP BY 1) f
        WHERE s.customer_id = f.customer_id
    )
    INSERT INTO customer_visit_links AS r (from_day, to_day, txid, customers, visits, lifetime_cents)
    SELECT from_day, to_day, tx, sum(sign), sum(sign * visits), sum(sign * cents)
    FROM links GROUP BY 1, 2
    HAVING sum(sign) <> 0 OR sum(sign * visits) <> 0 OR sum(sign * cents) <> 0
    ON CONFLICT (to_day, from_day, txid) DO UPDATE
        SET customers = r.customers + EXCLUDED.customers, visits = r.visits + EXCLUDED.visits,
            lifetime_cents = r.lifetime_cents + EXCLUDED.lifetime_cents;

    IF bulk THEN
        PERFORM set_config('plan_cache_mode', plan_mode, true);
    END IF;
END
$fn$;

COMMENT ON FUNCTION refresh_customer_visits(bigint[]) IS
    'Recount these customers'' visit days, summaries and links from appointments (waiting for other writers of the same customers); called by the appointments triggers and by repair_rollups().';

CREATE FUNCTION rollup_customers_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    affected bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM customer_visit_links;
        DELETE FROM customer_visit_daily;
        DELETE FROM customer_visit_days;
        DELETE FROM customer_visit_summary;
        DELETE FROM customer_new_channel_daily;
        RETURN NULL;
    END IF;
    -- The customers whose visits this statement may have changed: a confirmed row with
    -- a customer came, went, or moved (status, customer or start time); and those an
    -- appointment (of any status: its payments, a cancellation fee) moved between.
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT x.c ORDER BY x.c) INTO affected
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (CASE WHEN o.status = 'confirmed'
                                           OR o.customer_id IS DISTINCT FROM n.customer_id
                                         THEN o.customer_id END),
                                   (CASE WHEN n.status = 'confirmed'
                                           OR o.customer_id IS DISTINCT FROM n.customer_id
                                         THEN n.customer_id END)) x(c)
        WHERE x.c IS NOT NULL
          AND (o.id IS NULL OR n.id IS NULL
               OR (o.status, o.customer_id, o.start_time)
                  IS DISTINCT FROM (n.status, n.customer_id, n.start_time));
    ELSE
        SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) INTO affected
        FROM changed_rows WHERE status = 'confirmed' AND customer_id IS NOT NULL;
    END IF;
    IF affected IS NOT NULL THEN
        PERFORM refresh_customer_visits(affected);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_customers_insert AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customers_changed();
CREATE TRIGGER rollup_customers_update AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customers_changed();
CREATE TRIGGER rollup_customers_delete AFTER DELETE ON appointments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customers_changed();
CREATE TRIGGER rollup_customers_truncate AFTER TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customers_changed();

COMMENT ON FUNCTION rollup_customers_changed() IS
    'Statement trigger on appointments: recounts the visits of every customer whose confirmed appointments the statement changed (refresh_customer_visits).';

-- A customer's lifetime value follows their succeeded payments, and the channel rollup
-- their acquisition channel: recount the customers whose payments or channel changed.
-- The payments triggers are named to fire after rollup_payments_*, which lock the paid
-- appointments first: appointment rows, then summary rows, as the appointments triggers
-- take them (no deadlock).
CREATE FUNCTION rollup_customer_payments_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    affected bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM refresh_customer_visits(ARRAY(
            SELECT customer_id FROM customer_visit_summary WHERE lifetime_cents <> 0
            ORDER BY customer_id));
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT a.customer_id ORDER BY a.customer_id) INTO affected
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.appointment_id), (n.appointment_id)) p(appointment_id)
        JOIN appointments a ON a.id = p.appointment_id
        WHERE (o.status = 'succeeded' OR n.status = 'succeeded')
          AND (o.status, o.amount_cents, o.appointment_id)
              IS DISTINCT FROM (n.status, n.amount_cents, n.appointment_id)
          AND a.customer_id IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT a.customer_id ORDER BY a.customer_id) INTO affected
        FROM changed_rows p JOIN appointments a ON a.id = p.appointment_id
        WHERE p.status = 'succeeded' AND a.customer_id IS NOT NULL;
    END IF;
    IF affected IS NOT NULL THEN
        PERFORM refresh_customer_visits(affected);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_payments_z_customers_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customer_payments_changed();
CREATE TRIGGER rollup_payments_z_customers_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customer_payments_changed();
CREATE TRIGGER rollup_payments_z_customers_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customer_payments_changed();
CREATE TRIGGER rollup_payments_z_customers_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customer_payments_changed();

COMMENT ON FUNCTION rollup_customer_payments_changed() IS
    'Statement trigger on payments: recounts (refresh_customer_visits) the customers whose succeeded payments changed, for their lifetime value.';

CREATE FUNCTION rollup_customer_channel_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    affected bigint[];
BEGIN
    SELECT array_agg(DISTINCT n.id ORDER BY n.id) INTO affected
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.acquisition_channel IS DISTINCT FROM n.acquisition_channel;
    IF affected IS NOT NULL THEN
        PERFORM refresh_customer_visits(affected);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER rollup_customers_channel_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_customer_channel_changed();

COMMENT ON FUNCTION rollup_customer_channel_changed() IS
    'Statement trigger on customers: recounts the customers whose acquisition channel changed, for customer_new_channel_daily.';
