"""Channels and lifetime value (SPEC Part 4).

- appointments.source and customers.acquisition_channel: nullable free text, trimmed
  and lower-cased on write by the trigger in analytics_app/sql/channel_names.sql
  (existing rows are NULL, read as `unknown`).
- appointment_rollup_day_source: appointments per local day, status, source, service
  and resource (the appointments report's by_source, with its filters); NULL or blank
  sources are kept as 'unknown'.
- payment_rollup_daily.visit_revenue_cents: the succeeded cents among them whose
  appointment is a visit (confirmed, with a customer): revenue per visit.
- payment_rollup_day: the same per day alone (a year of unfiltered revenue reads 365
  rows, not 365 x services x resources: the seasonality report at a million appointments).
- customer_payment_totals: per customer, the all-time sum of succeeded payments of
  their appointments (any status, any paid_at): lifetime value.
- customer_visit_days (day) and customer_visit_summary (first_visit_day) indexes: the
  customers with a visit in a period, and the new ones among them.

All keyed by txid like the other rollups; filled when the rollup SQL is applied
(db/catalogue.py rebuilds them).

Revision ID: t0011
Revises: t0010
"""

from alembic import op

revision = "t0011"
down_revision = "t0010"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE appointments ADD COLUMN source text;
        ALTER TABLE customers ADD COLUMN acquisition_channel text;
        COMMENT ON COLUMN appointments.source IS
            'How the booking was made (online, phone, walk_in...): free text, trimmed and lower-cased on write; NULL or blank reads as unknown.';
        COMMENT ON COLUMN customers.acquisition_channel IS
            'How the customer found the business (instagram, referral, google...): free text, trimmed and lower-cased on write; NULL or blank reads as unknown.';
        CREATE TABLE appointment_rollup_day_source (
            day date NOT NULL,
            status text NOT NULL,
            source text NOT NULL,
            service_id bigint NOT NULL,
            resource_id bigint NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            appointments bigint NOT NULL,
            PRIMARY KEY (day, status, source, service_id, resource_id, txid)
        );
        COMMENT ON TABLE appointment_rollup_day_source IS
            'Appointments per local day, status, source (unknown for NULL or blank), service and resource; rows keyed by writing transaction (txid), sum per key.';
        ALTER TABLE payment_rollup_daily
            ADD COLUMN visit_revenue_cents bigint NOT NULL DEFAULT 0;
        CREATE TABLE payment_rollup_day (
            day date NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            revenue_cents bigint NOT NULL,
            transactions bigint NOT NULL,
            refunded_cents bigint NOT NULL,
            refunds bigint NOT NULL,
            visit_revenue_cents bigint NOT NULL,
            PRIMARY KEY (day, txid)
        );
        COMMENT ON TABLE payment_rollup_day IS
            'payment_rollup_daily summed per local day alone (no service or resource): what an unfiltered year of revenue reads; rows keyed by writing transaction (txid), sum per day.';
        CREATE TABLE customer_payment_totals (
            customer_id bigint NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            succeeded_cents bigint NOT NULL,
            PRIMARY KEY (customer_id, txid)
        );
        COMMENT ON TABLE customer_payment_totals IS
            'Per customer: all-time sum of succeeded payments of their appointments (any status, any paid_at); rows keyed by writing transaction (txid), sum per customer.';
        CREATE INDEX customer_visit_days_day_idx ON customer_visit_days (day, customer_id);
        CREATE INDEX customer_visit_summary_first_day_idx
            ON customer_visit_summary (first_visit_day) INCLUDE (customer_id);
        """
    )


def downgrade():
    op.execute(
        """
        DROP INDEX customer_visit_days_day_idx, customer_visit_summary_first_day_idx;
        DROP TABLE customer_payment_totals, appointment_rollup_day_source, payment_rollup_day;
        ALTER TABLE payment_rollup_daily DROP COLUMN visit_revenue_cents;
        ALTER TABLE customers DROP COLUMN acquisition_channel;
        ALTER TABLE appointments DROP COLUMN source;
        """
    )
