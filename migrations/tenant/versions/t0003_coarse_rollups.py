"""Coarser appointment rollups, so unfiltered and singly-filtered reports read few rows.

At a million appointments the full-grain rollup holds one row per day x status x
service x resource (~150 a day); these hold one per day x status (x service or x
resource), so a 365-day report reads thousands of rows, not a hundred thousand.

Revision ID: t0003
Revises: t0002
"""

from alembic import op

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE appointment_rollup_day_status (
            day date NOT NULL, status text NOT NULL, appointments bigint NOT NULL,
            PRIMARY KEY (day, status)
        );
        CREATE TABLE appointment_rollup_day_service (
            day date NOT NULL, status text NOT NULL, service_id bigint NOT NULL,
            appointments bigint NOT NULL,
            PRIMARY KEY (day, status, service_id)
        );
        CREATE TABLE appointment_rollup_day_resource (
            day date NOT NULL, status text NOT NULL, resource_id bigint NOT NULL,
            appointments bigint NOT NULL,
            PRIMARY KEY (day, status, resource_id)
        );
        -- Filtered reports look one service or resource up over a day range.
        CREATE INDEX appointment_rollup_day_service_sid_idx
            ON appointment_rollup_day_service (service_id, day);
        CREATE INDEX appointment_rollup_day_resource_rid_idx
            ON appointment_rollup_day_resource (resource_id, day);
        CREATE INDEX appointment_rollup_daily_sid_rid_idx
            ON appointment_rollup_daily (service_id, resource_id, day);
        CREATE INDEX appointment_rollup_daily_rid_idx
            ON appointment_rollup_daily (resource_id, day);
        """
    )


def downgrade():
    op.execute(
        "DROP INDEX appointment_rollup_daily_sid_rid_idx, appointment_rollup_daily_rid_idx;"
        " DROP TABLE appointment_rollup_day_status, appointment_rollup_day_service,"
        " appointment_rollup_day_resource"
    )
