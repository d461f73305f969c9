"""The change log: the booking system's writes append to it, a worker folds it.

- appointment_changes, payment_changes: the changed rows as they were (sign -1) and as
  they are (+1), written by the statement triggers of analytics_app/sql/change_log.sql;
  customer_changes: customers whose acquisition channel changed. Each row notes when
  it was written (the backlog's age). No index: they are appended to, read whole and
  emptied; autovacuum is told to clean them after a thousand dead rows.
- Each rollup table becomes `<name>_folded`, one row per key (the per-transaction
  txid key and compaction are gone: only the fold writes them, one at a time); a view
  of the old name (analytics_app/sql/rollup_views.sql) adds the changes not folded
  yet, so every report and DBA view reads exact figures at every instant.
- The per-customer state (customer_visit_days, customer_visit_summary) likewise.

The rollups are emptied here and rebuilt when the new rollup SQL is applied
(db/catalogue.py); every report object is re-created (they read the renamed tables).

Revision ID: t0012
Revises: t0011
"""

from alembic import op

revision = "t0012"
down_revision = "t0011"
branch_labels = None
depends_on = None

KEYS = {
    "appointment_rollup_daily": "day, status, service_id, resource_id",
    "appointment_rollup_weekday_hour": "weekday, hour",
    "appointment_rollup_day_status": "day, status",
    "appointment_rollup_day_service": "day, status, service_id",
    "appointment_rollup_day_resource": "day, status, resource_id",
    "appointment_rollup_day_hour": "day, hour, status",
    "appointment_rollup_day_hour_detail": "day, hour, status, service_id, resource_id",
    "appointment_rollup_day_source": "day, status, source, service_id, resource_id",
    "appointment_rollup_day_status_source": "day, status, source",
    "payment_rollup_daily": "day, service_id, resource_id",
    "payment_rollup_day": "day",
    "customer_visit_links": "to_day, from_day",
    "customer_visit_daily": "day",
    "customer_new_channel_daily": "day, channel",
}
STATES = ("customer_visit_days", "customer_visit_summary")
# The objects of the files the change log replaces (rollup triggers, compaction, the
# hand-written recounts): dropped here, as the catalogue no longer names them.
GONE = """
    DROP FUNCTION IF EXISTS rollup_appointments_changed() CASCADE;
    DROP FUNCTION IF EXISTS rollup_payments_changed() CASCADE;
    DROP FUNCTION IF EXISTS rollup_customers_changed() CASCADE;
    DROP FUNCTION IF EXISTS rollup_customer_payments_changed() CASCADE;
    DROP FUNCTION IF EXISTS rollup_customer_channel_changed() CASCADE;
    DROP FUNCTION IF EXISTS refresh_customer_visits(bigint[]);
    DROP FUNCTION IF EXISTS compact_rollups(boolean);
    DROP FUNCTION IF EXISTS repair_rollups();
    DROP FUNCTION IF EXISTS verify_rollups();
    DROP FUNCTION IF EXISTS rollup_differences();
    DROP FUNCTION IF EXISTS rollup_recount_daily();
    DROP FUNCTION IF EXISTS rollup_recount_weekday_hour();
    DROP FUNCTION IF EXISTS rollup_recount_payments();
    DROP FUNCTION IF EXISTS rollup_recount_day_hour();
    DROP FUNCTION IF EXISTS rollup_recount_customer_days();
    DROP FUNCTION IF EXISTS rollup_recount_customer_values();
    DROP FUNCTION IF EXISTS rollup_recount_customer_links();
    DROP FUNCTION IF EXISTS rollup_recount_customer_new_channel();
    DROP FUNCTION IF EXISTS rollup_recount_day_source();
"""
# The DBA views of t0011's catalogue, which read the rollup tables renamed here.
VIEWS = (
    "analytics_daily",
    "analytics_by_service",
    "analytics_peak_times",
    "revenue_daily",
    "lead_time_daily",
    "revenue_by_resource_daily",
    "customers_daily",
    "customer_visits",
    "appointments_by_source_daily",
    "customer_lifetime_value",
    "resource_utilisation_daily",
    "appointments_hourly",
)
LOG_STORAGE = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,"
    " autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000"
)


def upgrade():
    # Every report object is re-created by the catalogue after this revision: the views
    # over the rollups would otherwise follow the renamed tables.
    op.execute("DELETE FROM analytics_objects_state")
    # Only a schema with functions has any to drop: in a new one (created by the head
    # script, before any function) each DROP FUNCTION IF EXISTS would still look its name
    # up among every tenant's functions of that name (issue 27: 35 ms a drop at 3,000
    # tenants). A schema's functions are found through pg_depend's index on the schema.
    op.execute(
        "DO $gone$ BEGIN IF EXISTS (SELECT FROM pg_depend"
        " WHERE refclassid = 'pg_namespace'::regclass"
        " AND refobjid = current_schema()::regnamespace AND classid = 'pg_proc'::regclass)"
        f" THEN {' '.join(GONE.split())} END IF; END $gone$"
    )
    op.execute(f"DROP VIEW IF EXISTS {', '.join(VIEWS)} CASCADE")
    for table, keys in KEYS.items():
        op.execute(
            f"DELETE FROM {table};"
            f" ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, DROP COLUMN txid;"
            f" ALTER TABLE {table} RENAME TO {table}_folded;"
            f" ALTER TABLE {table}_folded ADD PRIMARY KEY ({keys})"
        )
    op.execute("DROP INDEX customer_visit_links_empty_idx")
    for table in STATES:
        op.execute(f"DELETE FROM {table}; ALTER TABLE {table} RENAME TO {table}_folded")
    op.execute(
        f"""
        CREATE TABLE appointment_changes (
            sign        integer     NOT NULL,
            id          bigint      NOT NULL,
            service_id  bigint,
            resource_id bigint,
            customer_id bigint,
            start_time  timestamptz,
            end_time    timestamptz,
            status      text,
            created_at  timestamptz,
            source      text,
            changed_at  timestamptz NOT NULL DEFAULT now()
        ) WITH ({LOG_STORAGE});
        CREATE TABLE payment_changes (
            sign           integer     NOT NULL,
            id             bigint      NOT NULL,
            appointment_id bigint,
            amount_cents   bigint,
            status         text,
            paid_at        timestamptz,
            changed_at     timestamptz NOT NULL DEFAULT now()
        ) WITH ({LOG_STORAGE});
        CREATE TABLE customer_changes (
            id         bigint      NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now()
        ) WITH ({LOG_STORAGE});
        """
    )


def downgrade():
    op.execute("DELETE FROM analytics_objects_state")
    op.execute(
        "DROP FUNCTION IF EXISTS log_appointment_changes() CASCADE;"
        " DROP FUNCTION IF EXISTS log_payment_changes() CASCADE;"
        " DROP FUNCTION IF EXISTS log_customer_changes() CASCADE;"
        " DROP FUNCTION IF EXISTS rollups_after_truncate() CASCADE;"
        " DROP TABLE appointment_changes, payment_changes, customer_changes"
    )
    for table in STATES:
        op.execute(f"DELETE FROM {table}_folded; ALTER TABLE {table}_folded RENAME TO {table}")
    for table, keys in KEYS.items():
        op.execute(
            f"DELETE FROM {table}_folded;"
            f" ALTER TABLE {table}_folded DROP CONSTRAINT {table}_folded_pkey;"
            f" ALTER TABLE {table}_folded RENAME TO {table};"
            f" ALTER TABLE {table} ADD COLUMN txid bigint NOT NULL DEFAULT 0,"
            f" ADD PRIMARY KEY ({keys}, txid)"
        )
    op.execute(
        "CREATE INDEX customer_visit_links_empty_idx ON customer_visit_links (to_day)"
        " WHERE customers = 0 AND visits = 0"
    )
