"""Rollup tables behind the report views, kept by triggers (analytics_app/sql/rollup_*.sql).

Revision ID: t0002
Revises: t0001
"""

from alembic import op

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        -- Appointments per tenant-local day of start_time, status, service, resource.
        CREATE TABLE appointment_rollup_daily (
            day              date   NOT NULL,
            status           text   NOT NULL,
            service_id       bigint NOT NULL,
            resource_id      bigint NOT NULL,
            appointments     bigint NOT NULL,
            duration_seconds numeric NOT NULL,
            PRIMARY KEY (day, status, service_id, resource_id)
        );
        -- Confirmed appointments per local weekday (0 = Sunday) and hour of start_time.
        CREATE TABLE appointment_rollup_weekday_hour (
            weekday          smallint NOT NULL,
            hour             smallint NOT NULL,
            appointments     bigint NOT NULL,
            duration_seconds numeric NOT NULL,
            PRIMARY KEY (weekday, hour)
        );
        -- Succeeded payments per local day of paid_at and service of the appointment.
        CREATE TABLE payment_rollup_daily (
            day           date   NOT NULL,
            service_id    bigint NOT NULL,
            revenue_cents bigint NOT NULL,
            transactions  bigint NOT NULL,
            PRIMARY KEY (day, service_id)
        );
        -- What the remaining raw queries need: confirmed appointments from now on.
        CREATE INDEX appointments_confirmed_start_idx
            ON appointments (start_time, resource_id, service_id) WHERE status = 'confirmed';
        """
    )


def downgrade():
    op.execute(
        "DROP INDEX appointments_confirmed_start_idx;"
        " DROP TABLE appointment_rollup_daily, appointment_rollup_weekday_hour, payment_rollup_daily"
    )
