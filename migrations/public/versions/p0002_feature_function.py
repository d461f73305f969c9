"""public.tenant_has_feature(feature): override column first, then the plan.

The function now lives in analytics_app/sql/public/tenant_feature.sql, a repeatable catalogue
object (db/catalogue.py): this revision is kept, empty, so that databases that ran it
keep a continuous history.

Revision ID: p0002
Revises: p0001
"""

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
