"""Tenant schema names: validated before they touch SQL, and quoted when they do."""

import re

SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED = {"public", "information_schema"}


class InvalidSchemaName(ValueError):
    pass


def validate_schema_name(name):
    """Return name if it may name a tenant schema, else raise InvalidSchemaName."""
    if not isinstance(name, str) or not SCHEMA_NAME.fullmatch(name):
        raise InvalidSchemaName(
            f"Invalid schema name {name!r}: use 1-63 characters, a lower-case letter "
            "first, then lower-case letters, digits or underscores."
        )
    if name in RESERVED or name.startswith("pg_"):
        raise InvalidSchemaName(f"Invalid schema name {name!r}: it is reserved.")
    return name


def quote_schema(name):
    """A validated schema name as a quoted SQL identifier."""
    return '"' + validate_schema_name(name) + '"'
