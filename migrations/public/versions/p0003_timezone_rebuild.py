"""Rebuild a tenant's rollups when its time zone changes (local days move).

Revision ID: p0003
Revises: p0002
"""

from alembic import op

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
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
        """
    )


def downgrade():
    op.execute(
        "DROP TRIGGER tenants_timezone_changed ON public.tenants;"
        " DROP FUNCTION public.rebuild_rollups_on_timezone_change()"
    )
