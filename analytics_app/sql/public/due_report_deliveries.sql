-- The reports due at p_now: for each active user of a tenant with
-- advanced_analytics whose frequency is weekly or monthly, the latest period due,
-- while it may still go out, if the user was created before it fell due.
-- p_schemas: only these tenants (NULL: all).
CREATE FUNCTION public.due_report_deliveries(p_now timestamptz,
                                             p_schemas text[] DEFAULT NULL)
RETURNS TABLE (user_id integer, schema_name text, email text, frequency text,
               period_start date, period_end date, due_at timestamptz,
               expires_at timestamptz)
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id, t.schema_name, u.email, u.report_frequency, d.period_start,
           d.period_end, d.due_at, d.expires_at
    FROM public.tenants t
    JOIN public.users u ON u.tenant_id = t.id
    CROSS JOIN LATERAL public.report_due_period(u.report_frequency, t.timezone, p_now) d
    WHERE public.tenant_feature(t.schema_name, 'advanced_analytics')
      AND (p_schemas IS NULL OR t.schema_name = ANY (p_schemas))
      AND u.is_active
      AND u.report_frequency IN ('weekly', 'monthly')
      AND u.created_at < d.due_at
      AND p_now < d.expires_at
    ORDER BY d.due_at, u.id
$fn$;
COMMENT ON FUNCTION public.due_report_deliveries(timestamptz, text[]) IS
    'Email reports due at p_now (see docs/email-reports.md): one row per user and '
    'period, whether or not already sent (report_deliveries says that).';
