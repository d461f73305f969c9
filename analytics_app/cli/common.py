"""Shared CLI plumbing: one transaction per command, domain errors as clean messages."""

from contextlib import contextmanager

import click

from analytics_app.extensions import db
from analytics_app.tenants.accounts import AccountError
from analytics_app.tenants.tenant_admin import AdminError


@contextmanager
def committed():
    """Run the body in the session's transaction; commit, or roll back and exit 1 cleanly."""
    try:
        yield
        db.session.commit()
    except (AdminError, AccountError) as err:
        db.session.rollback()
        raise click.ClickException(str(err)) from None
    except Exception:
        db.session.rollback()
        raise
