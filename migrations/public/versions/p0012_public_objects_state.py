"""public.analytics_public_objects: which version of each public function file is applied.

The shared schema's functions (analytics_app/sql/public/*.sql) are repeatable catalogue
objects, as the tenants' report objects are (db/catalogue.py): `flask db upgrade`
re-creates one when its file's checksum differs from the one recorded here, and
versioned revisions keep only tables. A database that ran p0002-p0011 has their
functions already; with no row here yet, the catalogue replaces each of them once.

Revision ID: p0012
Revises: p0011
"""

from alembic import op

revision = "p0012"
down_revision = "p0011"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE public.analytics_public_objects (
            object     text PRIMARY KEY,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE public.analytics_public_objects IS
            'One row per file of analytics_app/sql/public/: the checksum last applied.';
        """
    )


def downgrade():
    op.execute("DROP TABLE public.analytics_public_objects")
