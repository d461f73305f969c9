-- The ISO 4217 currency of the tenant that owns this schema: the unit of every amount
-- the reports give (`*_cents` fields hold its minor unit: cents, yen, fils).
CREATE FUNCTION tenant_currency() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT coalesce(
        (SELECT currency FROM public.tenants WHERE schema_name = current_schema()::text COLLATE "default"),
        'USD')
$$;

COMMENT ON FUNCTION tenant_currency() IS
    'ISO 4217 currency of this schema''s tenant (public.tenants.currency); the report amounts (*_cents) are integers in its minor unit.';
