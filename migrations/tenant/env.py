"""Alembic environment for one tenant schema (the cookbook's schema-level multi tenancy).

Revisions here name no schema: analytics_app.migrate sets the transaction's
search_path to `"<schema>", public` before calling us, once per tenant, and
keeps each tenant's version table inside its own schema.
"""

from alembic import context

connection = context.config.attributes["connection"]
schema = context.config.attributes["schema"]
context.configure(connection=connection, version_table_schema=schema)
with context.begin_transaction():
    context.run_migrations()
