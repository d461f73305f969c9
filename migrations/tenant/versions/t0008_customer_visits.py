"""Customer visits kept by the database: per customer and local day, and the links
between a customer's consecutive visit days, for the customers report (SPEC Part 2).

- customer_visit_days: (customer, local day) -> confirmed visits that day.
- customer_visit_summary: one row per customer who ever had a visit: first and last
  visit day, visit days, visits. The triggers update a customer's row before they
  recount that customer, so writers of the same customer take turns (and a
  REPEATABLE READ writer gets a serialization error instead of a stale recount).
  Rows stay when a customer's visits reach zero (figures 0 / NULL).
- customer_visit_links: per (from_day, to_day), how many customers have consecutive
  visit days from_day -> to_day (from_day = -infinity: their first visit; to_day =
  infinity: their last one), and the visits on to_day. Keyed by txid like the other
  rollups, folded by compact_rollups(). A period's distinct customers are the links
  into it from before it; its new customers the links into it from -infinity; its
  rebooked customers the links out of it to a later, finite day.

The tables are filled when the new rollup SQL is applied (db/catalogue.py).

Revision ID: t0008
Revises: t0007
"""

from alembic import op

revision = "t0008"
down_revision = "t0007"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE customer_visit_days (
            customer_id bigint NOT NULL,
            day date NOT NULL,
            visits integer NOT NULL,
            PRIMARY KEY (customer_id, day)
        );
        CREATE TABLE customer_visit_summary (
            customer_id bigint PRIMARY KEY,
            first_visit_day date,
            last_visit_day date,
            visit_days integer NOT NULL DEFAULT 0,
            visits integer NOT NULL DEFAULT 0
        );
        CREATE TABLE customer_visit_links (
            from_day date NOT NULL,
            to_day date NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            customers bigint NOT NULL,
            visits bigint NOT NULL,
            PRIMARY KEY (to_day, from_day, txid)
        );
        CREATE INDEX customer_visit_links_from_day_idx
            ON customer_visit_links (from_day, to_day) INCLUDE (customers);
        -- compact_rollups() drops links that summed to nothing; this finds them.
        CREATE INDEX customer_visit_links_empty_idx ON customer_visit_links (to_day)
            WHERE customers = 0 AND visits = 0;
        COMMENT ON TABLE customer_visit_days IS
            'Confirmed visits per customer and local day (tenant time zone); kept by triggers on appointments.';
        COMMENT ON TABLE customer_visit_summary IS
            'Per customer: first and last local visit day, visit days and visits (confirmed appointments); kept by triggers on appointments.';
        COMMENT ON TABLE customer_visit_links IS
            'Customers per pair of consecutive visit days (from_day -infinity = first visit, to_day infinity = last visit) and visits on to_day; rows keyed by writing transaction (txid), sum per key.';
        """
    )


def downgrade():
    op.execute("DROP TABLE customer_visit_links, customer_visit_summary, customer_visit_days")
