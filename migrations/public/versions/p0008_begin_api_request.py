"""public.begin_api_request(): an API request's first and only statement before its report.

One round trip finds the tenant by host, points the transaction at its schema, checks
the API key, answers the feature gate under that search path (public.tenant_has_feature,
as before), and applies the report's transaction settings; the report function is the
second round trip. It replaces four: tenant lookup, key lookup, feature check, settings
(docs/decisions.md "A lean request path").

The function now lives in analytics_app/sql/public/begin_api_request.sql, a repeatable catalogue
object (db/catalogue.py): this revision is kept, empty, so that databases that ran it
keep a continuous history.

Revision ID: p0008
Revises: p0007
"""

revision = "p0008"
down_revision = "p0007"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
