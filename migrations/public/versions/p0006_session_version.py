"""public.users.session_version: bumped to end every session of a user.

A session cookie carries the version it was issued under; logout, a password
change and deactivation bump it, so a cookie copied before then stops working.

Revision ID: p0006
Revises: p0005
"""

from alembic import op

revision = "p0006"
down_revision = "p0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE public.users ADD COLUMN session_version integer NOT NULL DEFAULT 1")


def downgrade():
    op.execute("ALTER TABLE public.users DROP COLUMN session_version")
