"""Rollup rows keyed by the transaction that wrote them: writers never share a row.

A trigger upserts only rows whose txid is its own transaction's, so concurrent
writers never wait on each other for a rollup row and cannot deadlock on them.
Reports sum a key's rows; compact_rollups() folds committed rows into txid 0.

Revision ID: t0005
Revises: t0004
"""

from alembic import op

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None

KEYS = {
    "appointment_rollup_daily": "day, status, service_id, resource_id",
    "appointment_rollup_weekday_hour": "weekday, hour",
    "appointment_rollup_day_status": "day, status",
    "appointment_rollup_day_service": "day, status, service_id",
    "appointment_rollup_day_resource": "day, status, resource_id",
    "payment_rollup_daily": "day, service_id",
}


def upgrade():
    for table, keys in KEYS.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN txid bigint NOT NULL DEFAULT 0;"
            f" ALTER TABLE {table} DROP CONSTRAINT {table}_pkey,"
            f" ADD PRIMARY KEY ({keys}, txid)"
        )


def downgrade():
    for table, keys in KEYS.items():
        counts = (
            "appointments, duration_seconds"
            if table in ("appointment_rollup_daily", "appointment_rollup_weekday_hour")
            else "revenue_cents, transactions"
            if table == "payment_rollup_daily"
            else "appointments"
        )
        sums = ", ".join(f"sum({c}) AS {c}" for c in counts.split(", "))
        op.execute(
            f"CREATE TEMP TABLE folded ON COMMIT DROP AS"
            f" SELECT {keys}, {sums} FROM {table} GROUP BY {keys};"
            f" DELETE FROM {table};"
            f" ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, DROP COLUMN txid,"
            f" ADD PRIMARY KEY ({keys});"
            f" INSERT INTO {table} SELECT * FROM folded; DROP TABLE folded"
        )
