-- The IANA time zone of the tenant that owns this schema.
-- SET search_path FROM CURRENT pins the schema the function was created in,
-- so current_schema() names this tenant whatever path the caller has.
CREATE FUNCTION tenant_timezone() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT coalesce(
        (SELECT timezone FROM public.tenants WHERE schema_name = current_schema()::text COLLATE "default"),
        'UTC')
$$;

COMMENT ON FUNCTION tenant_timezone() IS
    'IANA time zone of this schema''s tenant (public.tenants.timezone); every local day, month, weekday and hour of the reports is computed in it.';
