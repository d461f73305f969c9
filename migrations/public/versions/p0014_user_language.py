"""public.users.language: the language a user chose for the pages and emails (SPEC Part 7).

NULL follows the tenant's locale (formats/languages.py); otherwise one of the
catalogues' languages.

Revision ID: p0014
Revises: p0013
"""

from alembic import op

revision = "p0014"
down_revision = "p0013"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE public.users ADD COLUMN language text
            CONSTRAINT users_language_check
            CHECK (language IN ('en', 'fr', 'de', 'es', 'pt_BR', 'ja'));
        COMMENT ON COLUMN public.users.language IS
            'The language the user chose for pages and emails; NULL: the tenant locale''s.';
        """
    )


def downgrade():
    op.execute("ALTER TABLE public.users DROP COLUMN language")
