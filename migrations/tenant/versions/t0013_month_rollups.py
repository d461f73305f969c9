"""Appointments per local month and status, succeeded payments per local month: the
seasonality report's unfiltered months (declared in analytics_app/db/rollups.py; filled
when the rollup SQL is applied, and kept by the fold like every rollup).

Revision ID: t0013
Revises: t0012
"""

from alembic import op

revision = "t0013"
down_revision = "t0012"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE appointment_rollup_month_status_folded (
            month        date   NOT NULL,
            status       text   NOT NULL,
            appointments bigint NOT NULL,
            PRIMARY KEY (month, status)
        );
        CREATE TABLE payment_rollup_month_folded (
            month         date   PRIMARY KEY,
            revenue_cents bigint NOT NULL,
            transactions  bigint NOT NULL
        );
        """
    )


def downgrade():
    op.execute("DROP TABLE appointment_rollup_month_status_folded, payment_rollup_month_folded")
