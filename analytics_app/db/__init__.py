"""Everything about the database except the ORM mappings (models.py).

- embedded.py: where the database is (DATABASE_URL, or an embedded server).
- tenant_session.py: the one place that enters a tenant's schema for a transaction.
- schema_names.py: tenant schema names, validated and quoted.
- migrate.py: Alembic for public and every tenant, then the report objects.
- catalogue.py: the report views and functions of analytics_app/sql/.
- definers.py: SECURITY DEFINER functions, their owner role and safety check.
- readers.py: read-only roles for DBAs and analysts.
- exports.py: streamed, bounded exports on a pool of their own.
"""
