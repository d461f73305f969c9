"""Per local day: customers with a visit, new customers, visits (customer_visit_daily).

The customers report summed every link into the period's days (one row per day and
distinct previous-visit day) for its daily figures; at a million appointments a year
of links is tens of thousands of rows. This rollup holds one row per day (and writing
transaction, like the others), kept by the same trigger statement as the links; the
links are then only read, from covering indexes, for the period's distinct and
rebooked customers. Filled
when the new rollup SQL is applied (db/catalogue.py).

Revision ID: t0010
Revises: t0009
"""

from alembic import op

revision = "t0010"
down_revision = "t0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE customer_visit_daily (
            day date NOT NULL,
            txid bigint NOT NULL DEFAULT 0,
            customers bigint NOT NULL,
            new_customers bigint NOT NULL,
            visits bigint NOT NULL,
            PRIMARY KEY (day, txid)
        );
        -- The report's range scans of links read the index alone (visibility map allowing).
        CREATE INDEX customer_visit_links_to_day_idx
            ON customer_visit_links (to_day, from_day) INCLUDE (customers);
        COMMENT ON TABLE customer_visit_daily IS
            'Per local day: customers with a visit, those whose first visit it is, visits; rows keyed by writing transaction (txid), sum per day.';
        """
    )


def downgrade():
    op.execute("DROP INDEX customer_visit_links_to_day_idx; DROP TABLE customer_visit_daily")
