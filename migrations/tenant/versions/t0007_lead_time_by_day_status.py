"""Lead-time figures on the day x status rollup too, for unfiltered reports.

Reading them from appointment_rollup_daily (day x status x service x resource) made
appointments_report(365) three times slower; the coarse table answers the unfiltered
and status-only cases with a few hundred rows.

Revision ID: t0007
Revises: t0006
"""

from alembic import op

revision = "t0007"
down_revision = "t0006"
branch_labels = None
depends_on = None

COLUMNS = (
    "lead_appointments bigint",
    "lead_seconds numeric",
    "lead_same_day bigint",
    "lead_1_to_6_days bigint",
    "lead_7_to_29_days bigint",
    "lead_30_days_or_more bigint",
)


def upgrade():
    adds = ", ".join(f"ADD COLUMN {c} NOT NULL DEFAULT 0" for c in COLUMNS)
    op.execute(f"ALTER TABLE appointment_rollup_day_status {adds}")


def downgrade():
    drops = ", ".join(f"DROP COLUMN {c.split()[0]}" for c in COLUMNS)
    op.execute(f"ALTER TABLE appointment_rollup_day_status {drops}")
