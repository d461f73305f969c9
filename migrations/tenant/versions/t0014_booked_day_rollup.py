"""Confirmed appointments per local start day, local day they were made and service: the
outlook's late bookings and pace (how many of a period's appointments were made after a
point), declared in analytics_app/db/rollups.py; filled when the rollup SQL is applied,
and kept by the fold like every rollup.

Revision ID: t0014
Revises: t0013
"""

from alembic import op

revision = "t0014"
down_revision = "t0013"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE appointment_rollup_booked_day_folded (
            day          date   NOT NULL,
            created_day  date   NOT NULL,
            service_id   bigint NOT NULL,
            appointments bigint NOT NULL,
            PRIMARY KEY (day, created_day, service_id)
        );
        -- The outlook reads late bookings of a day from the index alone.
        DROP INDEX appointments_confirmed_start_idx;
        CREATE INDEX appointments_confirmed_start_idx
            ON appointments (start_time, resource_id, service_id) INCLUDE (created_at)
            WHERE status = 'confirmed';
        """
    )


def downgrade():
    op.execute(
        "DROP TABLE appointment_rollup_booked_day_folded;"
        " DROP INDEX appointments_confirmed_start_idx;"
        " CREATE INDEX appointments_confirmed_start_idx"
        " ON appointments (start_time, resource_id, service_id) WHERE status = 'confirmed'"
    )
