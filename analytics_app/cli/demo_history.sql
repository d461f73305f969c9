-- A realistic two-year history for the demo salon, generated in one pass by
-- PostgreSQL (run with search_path set to the demo schema). Patterns:
--   season: busier in December and before summer, quieter in January/August;
--   weekday: Saturday and Friday busiest, Sunday closed in the morning;
--   hour: peaks late morning and after work; slots 09:00-18:00 local time, within
--     each resource's working hours (below);
--   growth: ~25 % more bookings in the second year;
--   outcomes: ~8 % cancelled, ~3 % no-show; payments mostly succeeded, ~3 % refunded;
--   customers: regulars who come back every 3-8 weeks from the day they first came
--     (some never return, some stop after a while), occasional customers, ~8 % walk-ins;
--     new customers arrive all along;
--   lead time: same day to three months ahead.
SELECT setseed(0.4242);
-- The history's clock: now, unless the caller set demo_history.now in its transaction
-- (tests record report bodies for a history written at a fixed instant).
SELECT set_config('demo_history.now',
                  coalesce(nullif(current_setting('demo_history.now', true), ''), now()::text), true);
-- The tenant's zone, looked up once: current_setting('demo_history.tz') is SECURITY DEFINER (never
-- inlined), so calling it per generated row costs a function call each time.
SELECT set_config('demo_history.tz', tenant_timezone(), true);

INSERT INTO services (name, duration_minutes, price_cents) VALUES
    ('Haircut', 30, 3500), ('Color Treatment', 90, 12000), ('Blowout', 45, 4500),
    ('Beard Trim', 20, 2000), ('Manicure', 40, 3000);
INSERT INTO resources (name) VALUES ('Chair 1'), ('Chair 2'), ('Chair 3'), ('Nail Station');
-- Working hours (local wall-clock time; 0 = Sunday): a full-timer, a split shift, a
-- part-timer with a holiday week five weeks ago, and a nail station open long hours
-- that is booked less (the under-used one). Bookings fall inside these hours.
INSERT INTO resource_hours (resource_id, weekday, opens_at, closes_at)
SELECT r.id, w.weekday, w.opens_at, w.closes_at
FROM resources r
JOIN (VALUES ('Chair 1', 2, time '09:00', time '18:00'), ('Chair 1', 3, '09:00', '18:00'),
             ('Chair 1', 4, '09:00', '18:00'), ('Chair 1', 5, '09:00', '18:00'),
             ('Chair 1', 6, '09:00', '18:00'),
             ('Chair 2', 1, '09:00', '13:00'), ('Chair 2', 1, '15:00', '19:00'),
             ('Chair 2', 2, '09:00', '13:00'), ('Chair 2', 2, '15:00', '19:00'),
             ('Chair 2', 3, '09:00', '13:00'), ('Chair 2', 3, '15:00', '19:00'),
             ('Chair 2', 4, '09:00', '13:00'), ('Chair 2', 4, '15:00', '19:00'),
             ('Chair 2', 5, '09:00', '13:00'), ('Chair 2', 5, '15:00', '19:00'),
             ('Chair 2', 6, '09:00', '14:00'),
             ('Chair 3', 3, '10:00', '16:00'), ('Chair 3', 4, '10:00', '16:00'),
             ('Chair 3', 5, '10:00', '16:00'), ('Chair 3', 6, '10:00', '16:00'),
             ('Nail Station', 0, '12:00', '17:00'), ('Nail Station', 1, '10:00', '18:00'),
             ('Nail Station', 2, '10:00', '18:00'), ('Nail Station', 3, '10:00', '18:00'),
             ('Nail Station', 4, '10:00', '18:00'), ('Nail Station', 5, '10:00', '18:00'),
             ('Nail Station', 6, '10:00', '18:00'))
     AS w(resource_name, weekday, opens_at, closes_at) ON w.resource_name = r.name;
INSERT INTO resource_time_off (resource_id, starts_at, ends_at, reason)
SELECT id, holiday::timestamp AT TIME ZONE current_setting('demo_history.tz'),
       (holiday + 7)::timestamp AT TIME ZONE current_setting('demo_history.tz'), 'Holiday'
FROM resources, (SELECT date_trunc('week', current_setting('demo_history.now')::timestamptz::date - 35)::date AS holiday) h
WHERE name = 'Chair 3';

-- How each found the salon: as owners type it (the database trims and lower-cases it,
-- so 'Instagram ' and 'instagram' are one channel); a tenth left blank (unknown).
INSERT INTO customers (name, email, created_at, acquisition_channel)
SELECT 'Customer ' || i, 'customer' || i || '@example.com', current_setting('demo_history.now')::timestamptz - (random() * interval '760 days'),
       CASE WHEN c < 0.22 THEN 'instagram' WHEN c < 0.30 THEN 'Instagram '
            WHEN c < 0.55 THEN 'google' WHEN c < 0.75 THEN 'referral'
            WHEN c < 0.85 THEN 'walked past' WHEN c < 0.90 THEN 'facebook' ELSE NULL END
FROM generate_series(1, 900) AS i
CROSS JOIN LATERAL (SELECT random() + 0 * i AS c) x;

WITH slots AS (
    SELECT d::date AS day, r.id AS resource_id, r.name AS resource_name, h AS hour,
           extract(dow FROM d)::int AS dow, extract(month FROM d)::int AS month,
           (d::date - (current_setting('demo_history.now')::timestamptz::date - 730)) / 730.0 AS age
    FROM generate_series(current_setting('demo_history.now')::timestamptz::date - 730, current_setting('demo_history.now')::timestamptz::date + 21, interval '1 day') AS d
    CROSS JOIN resources r
    CROSS JOIN generate_series(9, 18) AS h
    -- only hours the resource works, and not while it is away
    WHERE EXISTS (SELECT 1 FROM resource_hours w
                  WHERE w.resource_id = r.id AND w.weekday = extract(dow FROM d)
                    AND w.opens_at <= make_time(h, 0, 0)
                    AND w.closes_at >= make_time(h, 0, 0) + interval '1 hour')
      AND NOT EXISTS (SELECT 1 FROM resource_time_off o
                      WHERE o.resource_id = r.id
                        AND o.starts_at < (d::date + 1)::timestamp AT TIME ZONE current_setting('demo_history.tz')
                        AND o.ends_at > d::date::timestamp AT TIME ZONE current_setting('demo_history.tz'))
),
odds AS (
    SELECT s.*,
           (CASE s.dow WHEN 0 THEN 0.25 WHEN 1 THEN 0.45 WHEN 2 THEN 0.6 WHEN 3 THEN 0.65
                       WHEN 4 THEN 0.75 WHEN 5 THEN 0.9 ELSE 1.0 END)
         * (CASE WHEN s.hour IN (11, 16, 17) THEN 1.0 WHEN s.hour IN (10, 14, 15) THEN 0.8
                 WHEN s.hour = 12 THEN 0.55 ELSE 0.45 END)
         * (CASE s.month WHEN 12 THEN 1.2 WHEN 1 THEN 0.7 WHEN 8 THEN 0.75
                         WHEN 5 THEN 1.1 WHEN 6 THEN 1.1 ELSE 0.95 END)
         * (0.8 + 0.2 * s.age)
         * (CASE WHEN s.dow = 0 AND s.hour < 12 THEN 0 ELSE 1 END) AS p
    FROM slots s
),
ids AS (
    SELECT max(id) FILTER (WHERE name = 'Haircut') AS haircut,
           max(id) FILTER (WHERE name = 'Color Treatment') AS color,
           max(id) FILTER (WHERE name = 'Blowout') AS blowout,
           max(id) FILTER (WHERE name = 'Beard Trim') AS beard,
           max(id) FILTER (WHERE name = 'Manicure') AS manicure
    FROM services
),
picked AS (
    -- Chairs: haircuts most often (3 in 7), then colour, blowouts, beard trims.
    SELECT o.*, random() AS roll, random() AS lead_roll,
           CASE WHEN o.resource_name = 'Nail Station' THEN ids.manicure
                ELSE (ARRAY[ids.haircut, ids.haircut, ids.haircut, ids.color, ids.color,
                            ids.blowout, ids.beard])[1 + floor(random() * 7)::int] END AS service_id
    FROM odds o CROSS JOIN ids
    -- The draw names the resource: a filter on day and hour alone is evaluated below the
    -- join with resources, which picked the same slots for every chair.
    WHERE random() + 0 * o.resource_id
          < o.p * CASE WHEN o.resource_name = 'Nail Station' THEN 1.0 ELSE 2.2 END
)
INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time, status, created_at,
                          source)
SELECT p.service_id, p.resource_id,
       -- Occasional customers (421-900, lower ids more often) and ~8 % walk-ins; the
       -- regulars (1-420) are given their slots below.
       CASE WHEN w.walk_in < 0.08 THEN NULL ELSE 421 + floor(480 * random() ^ 2)::int END,
       start_local AT TIME ZONE current_setting('demo_history.tz'),
       (start_local + make_interval(mins => s.duration_minutes)) AT TIME ZONE current_setting('demo_history.tz'),
       CASE WHEN start_local >= current_setting('demo_history.now')::timestamptz AT TIME ZONE current_setting('demo_history.tz') THEN 'confirmed'
            WHEN p.roll < 0.08 THEN 'cancelled'
            WHEN p.roll < 0.11 THEN 'no_show'
            ELSE 'confirmed' END,
       -- Lead time: a fifth the same day, most within the week, some a month or more ahead.
       -- (never later than now: a future appointment was booked already)
       least(current_setting('demo_history.now')::timestamptz, (start_local AT TIME ZONE current_setting('demo_history.tz')) - CASE
           WHEN p.lead_roll < 0.20 THEN random() * interval '8 hours'
           WHEN p.lead_roll < 0.65 THEN interval '1 day' + random() * interval '6 days'
           WHEN p.lead_roll < 0.90 THEN interval '7 days' + random() * interval '22 days'
           ELSE interval '30 days' + random() * interval '60 days' END),
       -- How it was booked: walk-ins mostly in person; the rest online, by phone, a few
       -- through Instagram, some not recorded (unknown).
       CASE WHEN w.walk_in < 0.08 THEN CASE WHEN w.source < 0.9 THEN 'walk_in' ELSE 'phone' END
            WHEN w.source < 0.52 THEN 'online' WHEN w.source < 0.82 THEN 'phone'
            WHEN w.source < 0.90 THEN 'instagram' ELSE NULL END
FROM picked p
JOIN services s ON s.id = p.service_id
CROSS JOIN LATERAL (SELECT random() + 0 * p.roll AS walk_in, random() + 0 * p.roll AS source) w
CROSS JOIN LATERAL (SELECT p.day + make_interval(hours => p.hour,
                           mins => (CASE WHEN random() < 0.3 THEN 30 ELSE 0 END)) AS start_local) t;

-- Regulars: each first comes on a day of the last two years, then every 3-8 weeks
-- (+/- 3 days) for a number of visits: 15 % never come back. Each wished-for day takes
-- one of that day's booked slots (not a walk-in's), as far as the day has slots.
WITH regulars AS (
    SELECT i AS customer_id,
           current_setting('demo_history.now')::timestamptz::date - 740 + floor(random() * 740)::int AS first_day,
           21 + floor(random() * 36)::int AS cadence,
           CASE WHEN random() < 0.15 THEN 1 ELSE 2 + floor(random() * 40)::int END AS visits
    FROM generate_series(1, 420) AS i
),
wishes AS (
    SELECT r.customer_id,
           r.first_day + k * r.cadence
               + CASE WHEN k = 0 THEN 0 ELSE floor(random() * 7)::int - 3 END AS day
    FROM regulars r CROSS JOIN LATERAL generate_series(0, r.visits - 1) AS k
),
ranked_wishes AS (
    SELECT customer_id, day, row_number() OVER (PARTITION BY day ORDER BY random()) AS n
    FROM wishes
),
ranked_slots AS (
    SELECT id, (start_time AT TIME ZONE current_setting('demo_history.tz'))::date AS day,
           row_number() OVER (PARTITION BY (start_time AT TIME ZONE current_setting('demo_history.tz'))::date
                              ORDER BY random()) AS n
    FROM appointments WHERE customer_id IS NOT NULL
)
UPDATE appointments a SET customer_id = w.customer_id
FROM ranked_slots s JOIN ranked_wishes w USING (day, n)
WHERE a.id = s.id;

-- Yesterday went badly (a storm): every third of its appointments still confirmed was
-- cancelled or missed, about 40 % lost against the usual 11 %, so the demo has a
-- no_show_spike alert to show (`flask demo` runs `flask alerts check` once at start).
-- A quiet day (a Sunday) also had a party booked, cancelled that morning, so that
-- yesterday has the 10 appointments the rule needs.
WITH yesterday AS (
    SELECT id, row_number() OVER (ORDER BY start_time, id) AS n
    FROM appointments
    WHERE status = 'confirmed'
      AND (start_time AT TIME ZONE current_setting('demo_history.tz'))::date
          = (current_setting('demo_history.now')::timestamptz
             AT TIME ZONE current_setting('demo_history.tz'))::date - 1
)
UPDATE appointments a SET status = CASE WHEN y.n % 6 = 0 THEN 'cancelled' ELSE 'no_show' END
FROM yesterday y WHERE a.id = y.id AND y.n % 3 = 0;
INSERT INTO appointments (service_id, resource_id, customer_id, start_time, end_time, status,
                          created_at, source)
SELECT (SELECT min(id) FROM services WHERE name = 'Blowout'),
       (SELECT min(id) FROM resources WHERE name = 'Nail Station'), NULL, t.start_at,
       t.start_at + interval '45 minutes', 'cancelled', t.start_at - interval '5 days', 'phone'
FROM (SELECT ((current_setting('demo_history.now')::timestamptz
               AT TIME ZONE current_setting('demo_history.tz'))::date - 1 + time '13:00')
             AT TIME ZONE current_setting('demo_history.tz') AS start_at) t
CROSS JOIN generate_series(1, 12 - (
    SELECT count(*) FROM appointments
    WHERE (start_time AT TIME ZONE current_setting('demo_history.tz'))::date
          = (current_setting('demo_history.now')::timestamptz
             AT TIME ZONE current_setting('demo_history.tz'))::date - 1));

-- Payments for what has happened: most succeed; a few pend, fail or are refunded.
INSERT INTO payments (appointment_id, amount_cents, status, paid_at)
SELECT a.id,
       s.price_cents + (CASE WHEN random() < 0.35 THEN (random() * 20)::int * 50 ELSE 0 END),
       CASE WHEN r < 0.90 THEN 'succeeded' WHEN r < 0.94 THEN 'pending'
            WHEN r < 0.97 THEN 'failed' ELSE 'refunded' END,
       a.end_time + (random() * interval '10 minutes')
FROM appointments a
JOIN services s ON s.id = a.service_id
-- The draw names a.id: an uncorrelated LATERAL (SELECT random()) is evaluated once,
-- which gave every payment the same status.
CROSS JOIN LATERAL (SELECT random() + 0 * a.id AS r) x
WHERE a.status = 'confirmed' AND a.end_time < current_setting('demo_history.now')::timestamptz - interval '10 minutes';
