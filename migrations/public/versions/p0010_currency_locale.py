"""A currency and a locale per tenant: public.tenants.currency (ISO 4217) and .locale.

Amounts stay integers in the currency's minor unit (the API's `*_cents` fields); the
currency says which unit. The locale (a CLDR name such as fr_FR or en_IN) says how the
dashboard and the email reports write numbers, amounts, dates and weekday names. The
report functions read the currency as their owner role, so the owners' group reads the
two new columns too; owner roles made before p0009 join the group (they read
schema_name and timezone through grants of their own until now).

Revision ID: p0010
Revises: p0009
"""

from alembic import op

revision = "p0010"
down_revision = "p0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        r"""
        ALTER TABLE public.tenants
            ADD COLUMN currency text NOT NULL DEFAULT 'USD'
                CONSTRAINT tenants_currency_iso4217 CHECK (currency ~ '^[A-Z]{3}$'),
            ADD COLUMN locale text NOT NULL DEFAULT 'en_US'
                CONSTRAINT tenants_locale_cldr CHECK (locale ~ '^[a-z]{2,3}(_[A-Za-z0-9]{2,8})*$');
        GRANT SELECT (currency, locale) ON public.tenants TO analytics_owners;
        DO $$
        DECLARE
            owner name;
        BEGIN
            FOR owner IN
                SELECT r.rolname FROM pg_roles r
                WHERE r.rolname LIKE 'analytics\_owner\_%'
                  AND NOT pg_has_role(r.oid, 'analytics_owners', 'MEMBER')
            LOOP
                EXECUTE format('ALTER ROLE %I INHERIT', owner);
                EXECUTE format('GRANT analytics_owners TO %I', owner);
            END LOOP;
        END
        $$;
        """
    )


def downgrade():
    op.execute(
        "REVOKE SELECT (currency, locale) ON public.tenants FROM analytics_owners;"
        " ALTER TABLE public.tenants DROP COLUMN currency, DROP COLUMN locale"
    )
