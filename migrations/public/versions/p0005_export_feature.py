"""A gated feature for the data export API: tenants.can_export_data.

Revision ID: p0005
Revises: p0004
"""

from alembic import op

revision = "p0005"
down_revision = "p0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE public.tenants ADD COLUMN can_export_data boolean")


def downgrade():
    op.execute("ALTER TABLE public.tenants DROP COLUMN can_export_data")
