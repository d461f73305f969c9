-- An API request's first and only statement before its report: finds the tenant by
-- host, enters its schema for the transaction (public.enter_tenant), checks the API key
-- (public.api_key_user), answers the feature gate under that search path
-- (public.tenant_has_feature) and applies the report's transaction settings; the report
-- function is the second round trip (docs/decisions.md "A lean request path").
-- No SET clause on purpose: the search_path it sets must outlive the call.
CREATE FUNCTION public.begin_api_request(
    p_host text,
    p_key_prefix text,
    p_key_sha256 text,
    p_features text[],
    p_read_only boolean,
    p_timeout_ms integer
) RETURNS TABLE (tenant_id integer, schema_name text, tenant_name text,
                 timezone text, currency text, locale text, user_id integer,
                 session_version integer, key_touched boolean, granted text[])
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
    t record;
    k record;
BEGIN
    SELECT tn.id, tn.schema_name, tn.name, tn.timezone, tn.currency, tn.locale INTO t
    FROM public.domains d JOIN public.tenants tn ON tn.id = d.tenant_id
    WHERE d.domain = p_host;
    IF NOT FOUND THEN
        RETURN;  -- no row: an unknown host
    END IF;
    PERFORM public.enter_tenant(t.schema_name);
    tenant_id := t.id;
    schema_name := t.schema_name;
    tenant_name := t.name;
    timezone := t.timezone;
    currency := t.currency;
    locale := t.locale;
    key_touched := false;
    IF p_key_prefix IS NOT NULL THEN
        SELECT * INTO k FROM public.api_key_user(t.id, p_key_prefix, p_key_sha256);
        IF k.user_id IS NOT NULL THEN
            user_id := k.user_id;
            session_version := k.session_version;
            key_touched := k.key_touched;
        END IF;
    END IF;
    -- The gate, answered under the tenant's search path as everywhere else.
    granted := ARRAY(SELECT f FROM unnest(p_features) AS f WHERE public.tenant_has_feature(f));
    IF p_read_only THEN
        PERFORM set_config('transaction_read_only', 'on', true);
    END IF;
    IF p_timeout_ms IS NOT NULL THEN
        PERFORM set_config('statement_timeout', p_timeout_ms::text, true);
    END IF;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION public.begin_api_request(text, text, text, text[], boolean, integer) IS
    'An API request''s first statement: tenant by host (no row: unknown), search path, '
    'API key (user_id NULL: not valid), granted features, transaction settings.';
