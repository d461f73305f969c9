"""Shared tables: plans, tenants, domains, users, API tokens.

Revision ID: p0001
Revises:
"""

from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        r"""
        CREATE TABLE subscription_plans (
            id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text NOT NULL UNIQUE,
            permissions jsonb NOT NULL DEFAULT '{}'::jsonb
                        CHECK (jsonb_typeof(permissions) = 'object'),
            created_at  timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE tenants (
            id                  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            schema_name         text NOT NULL UNIQUE
                                CHECK (schema_name ~ '^[a-z][a-z0-9_]{0,62}$'
                                       AND schema_name NOT IN ('public', 'information_schema')
                                       AND schema_name NOT LIKE 'pg\_%'),
            name                text NOT NULL,
            plan_id             integer REFERENCES subscription_plans (id),
            timezone            text NOT NULL DEFAULT 'UTC',
            -- One nullable column per gated feature: NULL follows the plan.
            advanced_analytics  boolean,
            can_accept_payments boolean,
            created_at          timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE domains (
            id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            domain     text NOT NULL UNIQUE CHECK (domain = lower(domain)),
            tenant_id  integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            is_primary boolean NOT NULL DEFAULT false
        );
        CREATE INDEX domains_tenant_id_idx ON domains (tenant_id);

        CREATE TABLE users (
            id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant_id     integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            email         text NOT NULL CHECK (email = lower(email)),
            password_hash text NOT NULL,
            is_active     boolean NOT NULL DEFAULT true,
            created_at    timestamptz NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, email)
        );

        -- Keys are shown once; only a SHA-256 of the secret is kept.
        -- key_prefix is the public part of the key, used to find the row.
        CREATE TABLE api_tokens (
            id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id      integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            key_prefix   text NOT NULL UNIQUE,
            key_hash     text NOT NULL,
            name         text NOT NULL DEFAULT '',
            created_at   timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz,
            revoked_at   timestamptz
        );
        CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);
        """
    )


def downgrade():
    op.execute("DROP TABLE api_tokens, users, domains, tenants, subscription_plans")
