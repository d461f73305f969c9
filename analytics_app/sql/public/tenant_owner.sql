-- A tenant's owner, written once: its first user (the lowest id) still active. The owner
-- starts with weekly reports and alert emails, manages the webhook endpoints on the
-- settings page, and is told when one of them is disabled. p_schema is compared in the
-- column's collation, as in tenant_feature (current_schema() is a `name`).
CREATE FUNCTION public.tenant_owner(p_schema text) RETURNS integer
LANGUAGE sql STABLE
AS $fn$
    SELECT u.id
    FROM public.tenants t
    JOIN public.users u ON u.tenant_id = t.id
    WHERE t.schema_name = p_schema COLLATE "default" AND u.is_active
    ORDER BY u.id
    LIMIT 1
$fn$;
COMMENT ON FUNCTION public.tenant_owner(text) IS
    'The id of the tenant''s owner: its first user (lowest id) that is active; NULL when none.';
