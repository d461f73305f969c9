-- A new time zone moves a tenant's local days: its rollups are recomputed in the
-- transaction that changes public.tenants.timezone.
CREATE FUNCTION public.rebuild_rollups_on_timezone_change() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF to_regprocedure(format('%I.rebuild_rollups()', NEW.schema_name)) IS NOT NULL THEN
        EXECUTE format('SELECT %I.rebuild_rollups()', NEW.schema_name);
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION public.rebuild_rollups_on_timezone_change() IS
    'Trigger on public.tenants: a new time zone moves local days, so that tenant''s rollups are recomputed in the same transaction.';
CREATE TRIGGER tenants_timezone_changed
    AFTER UPDATE OF timezone ON public.tenants
    FOR EACH ROW WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone)
    EXECUTE FUNCTION public.rebuild_rollups_on_timezone_change();
