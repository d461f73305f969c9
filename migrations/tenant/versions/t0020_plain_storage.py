"""Plain storage for the short, bounded values of ten tables: the rollups' status (one of
three, by the appointments' CHECK) and summed seconds (numeric, a few bytes), the payment
log's status (one of four) and the object state's file names and checksums. They are
never compressed or stored out of line, so these tables need no TOAST table: a new
tenant is made without ten of them and their indexes (twenty relations of 227, about
0.3 ms of a creation each; docs/scale-out.md). Catalog rows only: nothing is rewritten,
and an existing tenant keeps the TOAST tables it has (empty, unused).

The free-text columns (an appointment's source, a customer's channel) keep their
TOAST tables: a booking system may write any length there.

Revision ID: t0020
Revises: t0019
"""

from alembic import op

revision = "t0020"
down_revision = "t0019"
branch_labels = None
depends_on = None

# table: its columns made PLAIN, each with the storage its type had (text EXTENDED,
# numeric MAIN) for the downgrade.
PLAIN = {
    "analytics_objects_state": {"object": "EXTENDED", "checksum": "EXTENDED"},
    "appointment_rollup_daily_folded": {
        "status": "EXTENDED",
        "duration_seconds": "MAIN",
        "lead_seconds": "MAIN",
    },
    "appointment_rollup_day_hour_detail_folded": {"status": "EXTENDED"},
    "appointment_rollup_day_hour_folded": {"status": "EXTENDED"},
    "appointment_rollup_day_resource_folded": {"status": "EXTENDED", "duration_seconds": "MAIN"},
    "appointment_rollup_day_service_folded": {"status": "EXTENDED"},
    "appointment_rollup_day_status_folded": {"status": "EXTENDED", "lead_seconds": "MAIN"},
    "appointment_rollup_month_status_folded": {"status": "EXTENDED"},
    "appointment_rollup_weekday_hour_folded": {"duration_seconds": "MAIN"},
    "payment_changes": {"status": "EXTENDED"},
}


def _storage(plain):
    return "\n".join(
        f"ALTER TABLE {table} "
        + ", ".join(
            f"ALTER COLUMN {column} SET STORAGE {'PLAIN' if plain else storage}"
            for column, storage in columns.items()
        )
        + ";"
        for table, columns in PLAIN.items()
    )


def upgrade():
    op.execute(_storage(plain=True))


def downgrade():
    op.execute(_storage(plain=False))
