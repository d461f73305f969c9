"""The heatmap's rollups: appointments per local month x weekday x hour, and per resource x
local day x hour, counted by status in columns. A long unfiltered period reads its whole
months from the first (365 days: about 1,000 rows instead of 13,000 at 1M), a resource
filter the resource's own rows from the second (a twelfth of the detailed rollup's, which
also splits them by service and status). Declared in analytics_app/db/rollups.py; filled
when the rollup SQL is applied, and kept by the fold like every rollup.

Revision ID: t0019
Revises: t0018
"""

from alembic import op

revision = "t0019"
down_revision = "t0018"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        -- Read from the key alone (index-only scans once vacuumed).
        CREATE TABLE appointment_rollup_month_hour_folded (
            month     date     NOT NULL,
            weekday   smallint NOT NULL,
            hour      smallint NOT NULL,
            confirmed bigint   NOT NULL,
            cancelled bigint   NOT NULL,
            no_show   bigint   NOT NULL,
            PRIMARY KEY (month, weekday, hour) INCLUDE (confirmed, cancelled, no_show)
        );
        CREATE TABLE appointment_rollup_resource_day_hour_folded (
            resource_id bigint   NOT NULL,
            day         date     NOT NULL,
            hour        smallint NOT NULL,
            confirmed   bigint   NOT NULL,
            cancelled   bigint   NOT NULL,
            no_show     bigint   NOT NULL,
            PRIMARY KEY (resource_id, day, hour) INCLUDE (confirmed, cancelled, no_show)
        );
        """
    )


def downgrade():
    op.execute(
        """
        DROP VIEW IF EXISTS appointment_rollup_month_hour, appointment_rollup_resource_day_hour;
        DROP TABLE appointment_rollup_month_hour_folded,
            appointment_rollup_resource_day_hour_folded;
        """
    )
