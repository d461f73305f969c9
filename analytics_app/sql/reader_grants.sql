-- Who may read this schema's reports: the report functions run as their owner
-- (SECURITY DEFINER, with the schema pinned by SET search_path FROM CURRENT), so a
-- reader needs no right on any table. Nobody else may call them.
REVOKE EXECUTE ON FUNCTION dashboard_report(timestamptz),
    appointments_report(integer, text, bigint, bigint, timestamptz),
    revenue_report(integer, bigint, timestamptz), tenant_timezone() FROM PUBLIC;
