-- For the platform operator: one row per tenant, read from the rollups.
CREATE FUNCTION public.platform_tenant_totals()
RETURNS TABLE (schema_name text, name text, plan text, timezone text,
               appointments bigint, confirmed_appointments bigint,
               appointments_last_30_days bigint, payments bigint,
               revenue_cents bigint, revenue_cents_last_30_days bigint)
LANGUAGE plpgsql VOLATILE  -- each tenant read on a snapshot taken after its locks (docs/decisions.md)
AS $fn$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tn.schema_name, tn.name, p.name AS plan, tn.timezone
             FROM public.tenants tn
             LEFT JOIN public.subscription_plans p ON p.id = tn.plan_id
             ORDER BY tn.schema_name
    LOOP
        CONTINUE WHEN to_regclass(
            format('%I.appointment_rollup_day_status', t.schema_name)) IS NULL;
        schema_name := t.schema_name;
        name := t.name;
        plan := t.plan;
        timezone := t.timezone;
        -- Each tenant's figures are read in a subtransaction that is then rolled back, so
        -- that its locks (about forty: the rollup views' tables and their indexes) go with
        -- it; the figures stay in the variables. Held to the end of the statement, they
        -- filled the server's lock table after a few hundred tenants ("out of shared
        -- memory", for every other session too while it lasted).
        BEGIN
            EXECUTE format($q$
                WITH d AS (SELECT (now() AT TIME ZONE %L)::date AS today)
                SELECT
                    (SELECT coalesce(sum(appointments), 0)::bigint
                       FROM %I.appointment_rollup_day_status),
                    (SELECT coalesce(sum(appointments), 0)::bigint
                       FROM %I.appointment_rollup_day_status WHERE status = 'confirmed'),
                    (SELECT coalesce(sum(appointments), 0)::bigint
                       FROM %I.appointment_rollup_day_status, d
                      WHERE day BETWEEN d.today - 29 AND d.today),
                    (SELECT coalesce(sum(transactions), 0)::bigint
                       FROM %I.payment_rollup_daily),
                    (SELECT coalesce(sum(revenue_cents), 0)::bigint
                       FROM %I.payment_rollup_daily),
                    (SELECT coalesce(sum(revenue_cents), 0)::bigint
                       FROM %I.payment_rollup_daily, d
                      WHERE day BETWEEN d.today - 29 AND d.today)
                $q$, t.timezone, t.schema_name, t.schema_name, t.schema_name,
                t.schema_name, t.schema_name, t.schema_name)
            INTO appointments, confirmed_appointments, appointments_last_30_days,
                 payments, revenue_cents, revenue_cents_last_30_days;
            RAISE EXCEPTION USING ERRCODE = 'P0004';  -- roll back: the locks go
        EXCEPTION WHEN assert_failure THEN  -- P0004, raised just above
        END;
        RETURN NEXT;
    END LOOP;
END
$fn$;
REVOKE EXECUTE ON FUNCTION public.platform_tenant_totals() FROM PUBLIC;
COMMENT ON FUNCTION public.platform_tenant_totals() IS
    'Per tenant: appointments (all, confirmed, last 30 local days as the API counts them), succeeded payments and revenue (all time, last 30 local days). Read from the rollups, each tenant in a subtransaction rolled back so that no lock is kept per tenant. For the platform operator.';
