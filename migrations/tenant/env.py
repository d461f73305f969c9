"""Alembic environment for one tenant schema (the cookbook's schema-level multi tenancy).

Revisions here name no schema: analytics_app.migrate sets the transaction's
search_path to `"<schema>", public` before calling us, once per tenant, and
keeps each tenant's version table inside its own schema.

Offline (`sql=True`), the revisions are written out as one script with no schema
named, the version table included: migrate.head_script() runs it for a new tenant.
"""

from alembic import context

schema = context.config.attributes["schema"]
if context.is_offline_mode():
    context.configure(
        dialect_name="postgresql", version_table_schema=schema, transactional_ddl=False
    )
else:
    context.configure(
        connection=context.config.attributes["connection"], version_table_schema=schema
    )
with context.begin_transaction():
    context.run_migrations()
