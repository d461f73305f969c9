"""public.platform_tenant_totals(): one row per tenant, for capacity and billing questions.

The function now lives in analytics_app/sql/public/platform_tenant_totals.sql, a repeatable catalogue
object (db/catalogue.py): this revision is kept, empty, so that databases that ran it
keep a continuous history.

Revision ID: p0004
Revises: p0003
"""

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
