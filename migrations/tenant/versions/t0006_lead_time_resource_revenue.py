"""Rollups for Part 2: lead time per appointment grain, revenue and refunds per resource.

appointment_rollup_daily gains, per key, the appointments whose created_at is at or
before start_time (lead_appointments), the sum of their start - created in seconds,
and how many fall in each lead-day bucket. payment_rollup_daily gains the resource
(its appointment's) in its key, and refunded payments beside the succeeded ones.
The rollups are recomputed when the new rollup SQL is applied (db/catalogue.py).

Revision ID: t0006
Revises: t0005
"""

from alembic import op

revision = "t0006"
down_revision = "t0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE appointment_rollup_daily
            ADD COLUMN lead_appointments bigint NOT NULL DEFAULT 0,
            ADD COLUMN lead_seconds numeric NOT NULL DEFAULT 0,
            ADD COLUMN lead_same_day bigint NOT NULL DEFAULT 0,
            ADD COLUMN lead_1_to_6_days bigint NOT NULL DEFAULT 0,
            ADD COLUMN lead_7_to_29_days bigint NOT NULL DEFAULT 0,
            ADD COLUMN lead_30_days_or_more bigint NOT NULL DEFAULT 0;
        DELETE FROM payment_rollup_daily;  -- the resource is unknown: recounted on apply
        ALTER TABLE payment_rollup_daily
            ADD COLUMN resource_id bigint NOT NULL DEFAULT 0,
            ADD COLUMN refunded_cents bigint NOT NULL DEFAULT 0,
            ADD COLUMN refunds bigint NOT NULL DEFAULT 0,
            DROP CONSTRAINT payment_rollup_daily_pkey,
            ADD PRIMARY KEY (day, service_id, resource_id, txid);
        """
    )


def downgrade():
    op.execute(
        """
        ALTER TABLE appointment_rollup_daily
            DROP COLUMN lead_appointments, DROP COLUMN lead_seconds, DROP COLUMN lead_same_day,
            DROP COLUMN lead_1_to_6_days, DROP COLUMN lead_7_to_29_days,
            DROP COLUMN lead_30_days_or_more;
        DELETE FROM payment_rollup_daily;
        ALTER TABLE payment_rollup_daily
            DROP CONSTRAINT payment_rollup_daily_pkey,
            DROP COLUMN resource_id, DROP COLUMN refunded_cents, DROP COLUMN refunds,
            ADD PRIMARY KEY (day, service_id, txid);
        """
    )
