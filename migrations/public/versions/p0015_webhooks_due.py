"""public.tenants.webhooks_due_at: when a tenant's webhook outbox next needs the sender.

`flask webhooks deliver` visited every tenant on each round (about six statements a
tenant: 10.4 s a round at 3,000 tenants, most of them without an endpoint). It now
visits the tenants whose time has come: set to now() when a delivery is queued (an
alert or a ping), and after each visit to the earliest retry due or the earliest moment
an endpoint could reach its 3 days of failures (webhooks/delivery.py); NULL: nothing to
do. Every tenant is visited once after this upgrade, which sets each one's time.

Revision ID: p0015
Revises: p0014
"""

from alembic import op

revision = "p0015"
down_revision = "p0014"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE public.tenants ADD COLUMN webhooks_due_at timestamptz;
        UPDATE public.tenants SET webhooks_due_at = now();
        CREATE INDEX tenants_webhooks_due_idx ON public.tenants (webhooks_due_at)
            WHERE webhooks_due_at IS NOT NULL;
        COMMENT ON COLUMN public.tenants.webhooks_due_at IS
            'When the webhook sender should next visit this tenant (a delivery due, or an endpoint that may reach 3 days of failures); NULL: nothing to send.';
        """
    )


def downgrade():
    op.execute("ALTER TABLE public.tenants DROP COLUMN webhooks_due_at")
