"""The rollups keyed by free text (an appointment's source, a customer's channel) are
unique on md5() of the text instead of the text itself.

A B-tree entry holds at most 2,704 bytes. The booking system may write a source or a
channel of any length (the SPEC's columns are free text), and with the text in the
primary key the fold failed on the first one that long ("index row size ... exceeds
btree version 4 maximum") — and kept failing, so every later change of that tenant
waited in the log. Each of the three tables loses its primary key for a unique index
`<table>_key` over the same columns with the text's md5; the fold's and the repair's
upserts name it (analytics_app/db/rollups.py, FREE_TEXT). The columns keep their NOT
NULL; reads and recounts group by the text as before.

Revision ID: t0021
Revises: t0020
"""

from alembic import op

revision = "t0021"
down_revision = "t0020"
branch_labels = None
depends_on = None

# folded table: its key columns, the free-text one hashed
KEYS = {
    "appointment_rollup_day_source_folded": (
        "day, status, source, service_id, resource_id",
        "day, status, md5(source), service_id, resource_id",
    ),
    "appointment_rollup_day_status_source_folded": (
        "day, status, source",
        "day, status, md5(source)",
    ),
    "customer_new_channel_daily_folded": ("day, channel", "day, md5(channel)"),
}


def upgrade():
    op.execute(
        "\n".join(
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey;\n"
            f"CREATE UNIQUE INDEX {table}_key ON {table} ({hashed});"
            for table, (_, hashed) in KEYS.items()
        )
    )


def downgrade():
    # Fails, as it should, if a rollup now holds a text too long for the old key.
    op.execute(
        "\n".join(
            f"DROP INDEX {table}_key;\nALTER TABLE {table} ADD PRIMARY KEY ({keys});"
            for table, (keys, _) in KEYS.items()
        )
    )
