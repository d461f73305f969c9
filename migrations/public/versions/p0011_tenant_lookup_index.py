"""public.tenant_has_feature(): find the tenant by its schema name through the index.

`schema_name = current_schema()` compares the text column with a `name`, whose collation
is "C"; the column's index is in the database's default collation, so PostgreSQL could
not use it and every call read the whole table: with 6,551 tenants 1.7 ms a call, on
every API request's gate (and in tenant_timezone(), read by every report and every
rollup trigger; fixed in its file). `current_schema()::text COLLATE "default"` lets the
unique index answer (a plain ::text keeps the "C" collation and the full read).

The function now lives in analytics_app/sql/public/tenant_feature.sql, a repeatable catalogue
object (db/catalogue.py): this revision is kept, empty, so that databases that ran it
keep a continuous history.

Revision ID: p0011
Revises: p0010
"""

revision = "p0011"
down_revision = "p0010"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
