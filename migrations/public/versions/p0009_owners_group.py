"""analytics_owners: one group role holds the report owners' right on public.tenants.

Each tenant's `analytics_owner_<schema>` used to be granted SELECT (schema_name,
timezone) on public.tenants itself. Every such grant rewrote that table's column
privileges (10,000 tenants: 10,000 entries rewritten by each new one), invalidated
its cached definition in every server process (the API's first statement reads it),
and made tenants created at once take turns. Now the group role holds the grant once
and a new owner role is made a member (a row in pg_auth_members). Owner roles made
before keep their own grant, which gives them the same two columns.

Revision ID: p0009
Revises: p0008
"""

from alembic import op

revision = "p0009"
down_revision = "p0008"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analytics_owners') THEN
                CREATE ROLE analytics_owners
                    NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
            END IF;
        END
        $$;
        GRANT SELECT (schema_name, timezone) ON public.tenants TO analytics_owners;
        """
    )


def downgrade():
    # The role is the server's (other databases may use it); only this grant is ours.
    op.execute("REVOKE SELECT (schema_name, timezone) ON public.tenants FROM analytics_owners")
