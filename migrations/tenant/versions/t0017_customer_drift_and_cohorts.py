"""Figures kept per customer for retention and at-risk (SPEC Part 5), declared in
analytics_app/db/rollups.py, so that neither report walks every customer's visits:

- customer_cohort_months: customers per month of their first visit and month with a
  visit (retention reads its cohorts' rows);
- customer_at_risk_days, customer_lapsed_days: customers per day they cross 1.5x and 3x
  their usual gap (at-risk counts its states by summing the days up to today);
- customer_visit_summary gains each customer's usual gap, those two days, and the same
  without their last visit day (read when that day is today); at-risk's first page
  reads it in lifetime value order through an index.

Filled when the rollup SQL is applied (its files changed: every rollup is rebuilt),
kept by the fold like every rollup.

Revision ID: t0017
Revises: t0016
"""

from alembic import op

revision = "t0017"
down_revision = "t0016"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE customer_cohort_months_folded (
            cohort_month date   NOT NULL,
            month        date   NOT NULL,
            customers    bigint NOT NULL,
            PRIMARY KEY (cohort_month, month)
        );
        CREATE TABLE customer_at_risk_days_folded (
            at_risk_day date   PRIMARY KEY,
            customers   bigint NOT NULL
        );
        CREATE TABLE customer_lapsed_days_folded (
            lapsed_day date   PRIMARY KEY,
            customers  bigint NOT NULL
        );
        ALTER TABLE customer_visit_summary_folded
            ADD COLUMN usual_gap_days     numeric,
            ADD COLUMN at_risk_day        date,
            ADD COLUMN lapsed_day         date,
            ADD COLUMN day_before_last    date,
            ADD COLUMN gap_before_last    numeric,
            ADD COLUMN visits_before_last integer,
            ADD COLUMN at_risk_day_before_last date,
            ADD COLUMN lapsed_day_before_last  date;
        -- At-risk's page in its order; the customers whose last visit is today and who
        -- were at risk or lapsed the day before.
        CREATE INDEX customer_visit_summary_value_idx
            ON customer_visit_summary_folded (lifetime_cents DESC, customer_id);
        CREATE INDEX customer_visit_summary_last_day_idx
            ON customer_visit_summary_folded (last_visit_day, at_risk_day_before_last);
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE customer_cohort_months_folded, customer_at_risk_days_folded,
                   customer_lapsed_days_folded;
        DROP INDEX customer_visit_summary_value_idx, customer_visit_summary_last_day_idx;
        ALTER TABLE customer_visit_summary_folded
            DROP COLUMN usual_gap_days, DROP COLUMN at_risk_day, DROP COLUMN lapsed_day,
            DROP COLUMN day_before_last, DROP COLUMN gap_before_last,
            DROP COLUMN visits_before_last, DROP COLUMN at_risk_day_before_last,
            DROP COLUMN lapsed_day_before_last;
        """
    )
