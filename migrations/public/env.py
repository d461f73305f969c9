"""Alembic environment for the shared `public` schema.

Run through analytics_app.migrate (the `flask db upgrade` command), which hands
in an open connection inside a transaction via config.attributes.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table_schema="public")
with context.begin_transaction():
    context.run_migrations()
