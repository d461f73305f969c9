"""One checksum per report object, so `flask db upgrade` re-creates only what changed.

Revision ID: t0004
Revises: t0003
"""

from alembic import op

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None


def upgrade():
    # Starting empty makes the next apply re-create every object once, under the new rules.
    op.execute(
        """
        DROP TABLE analytics_objects_state;
        CREATE TABLE analytics_objects_state (
            object     text PRIMARY KEY,  -- a file of analytics_app/sql/ (db/catalogue.py)
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE analytics_objects_state;
        CREATE TABLE analytics_objects_state (
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )
