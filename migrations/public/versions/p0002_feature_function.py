"""public.tenant_has_feature(feature): override column first, then the plan.

Revision ID: p0002
Revises: p0001
"""

from alembic import op

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE FUNCTION public.tenant_has_feature(p_feature text) RETURNS boolean
        LANGUAGE sql STABLE
        AS $fn$
            SELECT coalesce(
                       (to_jsonb(t) ->> p_feature)::boolean,
                       (p.permissions ->> p_feature)::boolean,
                       false)
            FROM public.tenants t
            LEFT JOIN public.subscription_plans p ON p.id = t.plan_id
            WHERE t.schema_name = current_schema()
        $fn$;
        COMMENT ON FUNCTION public.tenant_has_feature(text) IS
            'Whether the tenant whose schema is first on the search_path has a feature: '
            'its own column (true/false) wins, NULL follows the plan''s permissions.';
        """
    )


def downgrade():
    op.execute("DROP FUNCTION public.tenant_has_feature(text)")
