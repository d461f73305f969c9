"""Channels and lifetime value (SPEC Part 4).

- appointments.source and customers.acquisition_channel: nullable free text, trimmed
  and lower-cased on write by the trigger in analytics_app/sql/channel_names.sql
  (existing rows are NULL, read as `unknown`).
- appointment_rollup_day_source: appointments per local day, status, source, service
  and resource (the appointments report's by_source, with its filters); NULL or blank
  sources are kept as 'unknown'; appointment_rollup_day_status_source, the same without
  service and resource (the unfiltered by_source reads 15 rows a day, not 720).
- payment_rollup_daily.visit_revenue_cents: the succeeded cents among them whose
  appointment is a visit (confirmed, with a customer): revenue per visit.
- payment_rollup_day: the same per day alone (a year of unfiltered revenue reads 365
  rows, not 365 x services x resources: the seasonality report at a million appointments).
- customer_visit_summary.lifetime_cents / .channel and customer_visit_links.lifetime_cents:
  each customer's all-time succeeded payments (any appointment status, any paid_at) and
  acquisition channel, carried by the customer visit rollups (rollup_customers.sql
  recounts a customer whole on any change of their appointments, payments or channel):
  the period's customers' lifetime value is summed over the same links that count them.
- customer_new_channel_daily: new customers per first visit day and channel.

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
        -- The filtered by_source reads one service's or resource's rows by these.
        CREATE INDEX appointment_rollup_day_source_sid_idx
            ON appointment_rollup_day_source (service_id, day);
        CREATE INDEX appointment_rollup_day_source_rid_idx
            ON appointment_rollup_day_source (resource_id, day);
        -- Unfiltered (or by status only), by_source reads this coarse one.
        CREATE TABLE appointment_rollup_day_status_source (
            day date NOT NULL,
            status text NOT NULL,
            source text NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            appointments bigint NOT NULL,
            PRIMARY KEY (day, status, source, txid)
        );
        COMMENT ON TABLE appointment_rollup_day_status_source IS
            'appointment_rollup_day_source summed over services and resources; rows keyed by writing transaction (txid), sum per key.';
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
        -- Lifetime value rides on the customer visit rollups: each customer's all-time
        -- succeeded payments (and channel) as last counted, and the sum over the
        -- customers of each link, so a period's customers' lifetime value is read by
        -- the same range scan that counts them.
        ALTER TABLE customer_visit_summary
            ADD COLUMN lifetime_cents bigint NOT NULL DEFAULT 0,
            ADD COLUMN channel text;
        ALTER TABLE customer_visit_links
            ADD COLUMN lifetime_cents bigint NOT NULL DEFAULT 0;
        -- The customers report reads the period's links from this index alone.
        DROP INDEX customer_visit_links_to_day_idx;
        CREATE INDEX customer_visit_links_to_day_idx
            ON customer_visit_links (to_day, from_day) INCLUDE (customers, lifetime_cents);
        CREATE TABLE customer_new_channel_daily (
            day date NOT NULL,
            channel text NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            customers bigint NOT NULL,
            PRIMARY KEY (day, channel, txid)
        );
        COMMENT ON TABLE customer_new_channel_daily IS
            'Customers whose first visit is that local day, per acquisition channel (unknown for NULL or blank); rows keyed by writing transaction (txid), sum per key.';
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE customer_new_channel_daily, appointment_rollup_day_source,
            appointment_rollup_day_status_source, payment_rollup_day;
        DROP INDEX customer_visit_links_to_day_idx;
        ALTER TABLE customer_visit_links DROP COLUMN lifetime_cents;
        CREATE INDEX customer_visit_links_to_day_idx
            ON customer_visit_links (to_day, from_day) INCLUDE (customers);
        ALTER TABLE customer_visit_summary DROP COLUMN lifetime_cents, DROP COLUMN channel;
        ALTER TABLE payment_rollup_daily DROP COLUMN visit_revenue_cents;
        ALTER TABLE customers DROP COLUMN acquisition_channel;
        ALTER TABLE appointments DROP COLUMN source;
        """
    )
