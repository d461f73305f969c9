-- An alert as the API and the webhooks write it.
CREATE FUNCTION alert_json(p_alert alerts) RETURNS json
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$  -- json, not jsonb: the fields in the SPEC's order
    SELECT json_build_object(
        'id', p_alert.id, 'rule', p_alert.rule, 'subject', p_alert.subject,
        'value', p_alert.value, 'baseline', p_alert.baseline, 'threshold', p_alert.threshold,
        'created_at', rfc3339(p_alert.created_at, tenant_timezone()),
        'message', p_alert.message)
$$;

COMMENT ON FUNCTION alert_json(alerts) IS
    'An alert as the API and the webhook event alert.triggered write it.';

-- The alerts of SPEC Part 6, evaluated at p_now in the tenant's zone (flask alerts check).
-- Rates and shares are compared exactly (in integers), then written as percentages with
-- 2 decimals:
--   no_show_spike: yesterday's (cancelled + no_show) / all appointments starting yesterday
--     > max(2 x baseline, baseline + 5 points), with at least 10 appointments yesterday;
--     baseline: the same rate over the 8 previous same weekdays together (0 when none).
--   quiet_days_ahead: one of the next 3 local dates after today has booked / available
--     < 50 % with available > 0 (booked and available as the outlook's next_days); from
--     08:00 local only.
--   revenue_drop: last week's (Monday-Sunday) succeeded revenue < 70 % of the mean of the
--     4 weeks before it, that mean > 0 (p_revenue: the tenant has can_accept_payments).
CREATE FUNCTION alert_candidates(p_now timestamptz DEFAULT now(), p_revenue boolean DEFAULT true)
RETURNS TABLE (rule text, subject date, value numeric, baseline numeric, threshold numeric,
               message text)
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
WITH clock AS MATERIALIZED (
    SELECT z.tz, (p_now AT TIME ZONE z.tz)::date AS today,
           (p_now AT TIME ZONE z.tz)::time AS time_of_day,
           date_trunc('week', p_now AT TIME ZONE z.tz)::date AS this_monday
    FROM (SELECT tenant_timezone() AS tz OFFSET 0) z
),
day_rates AS (  -- yesterday (n = 0) and the 8 same weekdays before it (n = 1..8)
    SELECT n, coalesce(sum(r.appointments), 0) AS appointments,
           coalesce(sum(r.appointments) FILTER (WHERE r.status IN ('cancelled', 'no_show')), 0)
               AS lost
    FROM clock c CROSS JOIN generate_series(0, 8) AS n
    LEFT JOIN appointment_rollup_day_status r ON r.day = c.today - 1 - 7 * n
    GROUP BY n
),
spike AS (
    SELECT y.appointments AS n, y.lost AS l, sum(b.appointments) AS bn, sum(b.lost) AS bl
    FROM day_rates y, day_rates b
    WHERE y.n = 0 AND b.n > 0
    GROUP BY y.appointments, y.lost
),
spike_alert AS (  -- l/n > 2 bl/bn and l/n > bl/bn + 5/100, exactly (baseline 0 when bn = 0)
    SELECT 'no_show_spike'::text AS rule, c.today - 1 AS subject,
           round(s.l * 100.0 / s.n, 2) AS value,
           round(CASE WHEN s.bn = 0 THEN 0 ELSE s.bl * 100.0 / s.bn END, 2) AS baseline,
           round(greatest(2 * CASE WHEN s.bn = 0 THEN 0 ELSE s.bl * 100.0 / s.bn END,
                          CASE WHEN s.bn = 0 THEN 0 ELSE s.bl * 100.0 / s.bn END + 5), 2)
               AS threshold
    FROM spike s, clock c
    WHERE s.n >= 10
      AND (CASE WHEN s.bn = 0 THEN s.l > 0 ELSE s.l * s.bn > 2 * s.bl * s.n END)
      AND (CASE WHEN s.bn = 0 THEN 100 * s.l > 5 * s.n
                ELSE 100 * s.l * s.bn > 100 * s.bl * s.n + 5 * s.n * s.bn END)
),
ahead AS (  -- the next 3 local dates after today, from 08:00 local
    SELECT c.today + i AS day FROM clock c, generate_series(1, 3) AS i
    WHERE c.time_of_day >= time '08:00'
),
quiet_alert AS (
    SELECT 'quiet_days_ahead'::text, d.day, round(b.seconds * 100 / v.seconds, 2), NULL::numeric,
           50::numeric
    FROM ahead d
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(r.duration_seconds), 0) AS seconds
        FROM appointment_rollup_day_resource r
        WHERE r.day = d.day AND r.status IN ('confirmed', 'no_show')) b
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(a.available_seconds), 0) AS seconds
        FROM resource_available_seconds(d.day, d.day) a) v
    WHERE v.seconds > 0 AND 2 * b.seconds < v.seconds
),
weeks AS (  -- last week (n = 1) and the 4 before it
    SELECT n, (c.this_monday - 7 * n) AS monday,
           coalesce((SELECT sum(p.revenue_cents) FROM payment_rollup_day p
                     WHERE p.day >= c.this_monday - 7 * n AND p.day < c.this_monday - 7 * n + 7),
                    0) AS cents
    FROM clock c, generate_series(1, 5) AS n
    WHERE p_revenue
),
drop_alert AS (  -- last < 0.7 x (sum of 4) / 4, exactly: 40 last < 7 sum
    SELECT 'revenue_drop'::text, l.monday, l.cents::numeric, round(b.total / 4.0, 2),
           round(b.total * 0.7 / 4, 2)
    FROM weeks l, (SELECT sum(cents) AS total FROM weeks WHERE n > 1) b
    WHERE l.n = 1 AND b.total > 0 AND 40 * l.cents < 7 * b.total
)
SELECT a.*, CASE a.rule
    WHEN 'no_show_spike' THEN format(
        '%s%% of yesterday''s appointments (%s) were cancelled or missed, against %s%% on the'
        ' same weekday over the previous 8 weeks.', a.value, a.subject, a.baseline)
    WHEN 'quiet_days_ahead' THEN format(
        '%s is %s%% booked: under half of the working hours.', a.subject, a.value)
    ELSE format(
        'Revenue of the week from %s was %s %s, under 70%% of the mean of the 4 weeks before'
        ' (%s %s).', a.subject, round(a.value / power(10::numeric, m.digits), m.digits),
        m.code, round(a.baseline / power(10::numeric, m.digits), m.digits), m.code)
    END
FROM (SELECT * FROM spike_alert UNION ALL SELECT * FROM quiet_alert
      UNION ALL SELECT * FROM drop_alert) a,
     (SELECT c.code, currency_minor_digits(c.code) AS digits  -- JPY: whole yen, KWD: 3
      FROM (SELECT tenant_currency() AS code) c) m
$$;

COMMENT ON FUNCTION alert_candidates(timestamptz, boolean) IS
    'The alerts whose rule holds at p_now (no_show_spike for yesterday, quiet_days_ahead for each of the next 3 dates from 08:00 local, revenue_drop for last week), with value, baseline, threshold and a sentence; recorded by check_alerts().';

-- Record the alerts that hold now (once per rule and subject: ON CONFLICT), and, in the
-- same transaction, one webhook delivery per new alert and endpoint that wants
-- alert.triggered (the outbox; the caller adds the emails owed in that transaction,
-- from public.users, which the schema's own code does not read). Returns the alerts
-- recorded by this call.
CREATE FUNCTION check_alerts(p_now timestamptz DEFAULT now(), p_revenue boolean DEFAULT true)
RETURNS SETOF alerts
LANGUAGE sql VOLATILE  -- as the caller (the app): the owner role only reads
SET search_path FROM CURRENT
AS $$
WITH recorded AS (
    INSERT INTO alerts (rule, subject, value, baseline, threshold, message)
    SELECT rule, subject, value, baseline, threshold, message
    FROM alert_candidates(p_now, p_revenue)
    ON CONFLICT (rule, subject) DO NOTHING
    RETURNING *
),
queued AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload)
    SELECT e.id, format('msg_%s_alert_%s', current_schema(), r.id), 'alert.triggered',
           jsonb_build_object('type', 'alert.triggered',
                              'timestamp', rfc3339(r.created_at, 'UTC'),
                              'data', alert_json(r)::jsonb)
    FROM recorded r
    JOIN webhook_endpoints e ON e.disabled_at IS NULL AND 'alert.triggered' = ANY (e.events)
)
SELECT * FROM recorded
$$;

COMMENT ON FUNCTION check_alerts(timestamptz, boolean) IS
    'Records the alerts that hold at p_now, once per rule and subject, with one webhook delivery per endpoint that wants alert.triggered (same transaction); returns the ones this call recorded.';

-- GET /api/analytics/alerts/: the alerts of the last p_days days, newest first.
CREATE FUNCTION alerts_report(p_days integer DEFAULT 30, p_now timestamptz DEFAULT now())
RETURNS json
LANGUAGE sql VOLATILE  -- its snapshot after its tables are locked (docs/decisions.md)
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT json_build_object(
        'alerts', coalesce((SELECT json_agg(alert_json(a) ORDER BY a.created_at DESC, a.id DESC)
                            FROM alerts a
                            WHERE a.created_at > p_now - p_days * interval '1 day'
                              AND a.created_at <= p_now), '[]'),
        'days', p_days)
    WHERE p_days BETWEEN 1 AND 3650
$$;

COMMENT ON FUNCTION alerts_report(integer, timestamptz) IS
    'JSON body of GET /api/analytics/alerts/: the alerts recorded in the p_days days before p_now, newest first.';
