-- The one place a transaction is pointed at a tenant's schema: search_path
-- '"<schema>", public' (', pg_temp' last when creating objects, so that functions
-- pinning the path with SET search_path FROM CURRENT put pg_temp last), set for the
-- transaction only (set_config(..., true): gone at commit or rollback, so no pooled
-- connection carries a tenant's path into another request). NULL: public alone.
-- db/tenant_session.py (every request, report, export, migration, CLI command) and
-- begin_api_request() call it. Schema names are CHECKed in public.tenants; %I quotes.
-- No SET clause on purpose: the search_path it sets must outlive the call.
CREATE FUNCTION public.enter_tenant(p_schema text, p_pin_temp_last boolean DEFAULT false)
RETURNS text
LANGUAGE sql VOLATILE
AS $fn$
    SELECT set_config(
        'search_path',
        CASE WHEN p_schema IS NULL THEN 'public' ELSE format('%I, public', p_schema) END
            || CASE WHEN p_pin_temp_last THEN ', pg_temp' ELSE '' END,
        true)
$fn$;
COMMENT ON FUNCTION public.enter_tenant(text, boolean) IS
    'Point the current transaction at a tenant schema (search_path "<schema>", public[, pg_temp]); returns the path.';
