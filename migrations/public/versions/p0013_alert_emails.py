"""public.users.alert_emails: who gets an email when an alert is recorded (SPEC Part 6).

The owner (each tenant's first user) keeps alert emails on by default, as it starts
with weekly reports; every later user starts with them off and turns them on in the
settings.

Revision ID: p0013
Revises: p0012
"""

from alembic import op

revision = "p0013"
down_revision = "p0012"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE public.users ADD COLUMN alert_emails boolean NOT NULL DEFAULT false;
        UPDATE public.users u SET alert_emails = true
        WHERE u.id IN (SELECT min(id) FROM public.users GROUP BY tenant_id);
        COMMENT ON COLUMN public.users.alert_emails IS
            'Whether the user gets an email for each alert recorded in their tenant (the owner by default).';
        """
    )


def downgrade():
    op.execute("ALTER TABLE public.users DROP COLUMN alert_emails")
