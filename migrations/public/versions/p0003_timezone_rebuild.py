"""Rebuild a tenant's rollups when its time zone changes (local days move).

The function now lives in analytics_app/sql/public/rebuild_rollups_on_timezone_change.sql, a repeatable catalogue
object (db/catalogue.py): this revision is kept, empty, so that databases that ran it
keep a continuous history.

Revision ID: p0003
Revises: p0002
"""

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
