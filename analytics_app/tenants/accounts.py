"""Users and API tokens of a tenant.

A key is `ta_<prefix>_<secret>`: the prefix finds the row, the secret's SHA-256 is
compared with the one stored in the row by public.api_key_user(), the one key check
(the API's first statement calls it too).
The secret is 256 random bits, so a fast hash is enough (a slow password hash
guards guessable secrets, which these are not). The key is shown once.
"""

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from analytics_app.extensions import db
from analytics_app.formats.languages import LANGUAGES
from analytics_app.tenants.models import ApiToken, User

KEY_PREFIX = re.compile(r"[0-9a-f]{12}")
# The Authorization header schemes a key may come with: `Token <key>` or `Bearer <key>`.
SCHEMES = ("token", "bearer")


class AccountError(ValueError):
    pass


def key_hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key):
    """(prefix, secret) of a well-formed `ta_<prefix>_<secret>` key, else None."""
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "ta":
        return None
    _, prefix, secret = parts
    if not KEY_PREFIX.fullmatch(prefix) or "\x00" in secret:
        return None
    return prefix, secret


@dataclass(frozen=True)
class Credentials:
    given: bool  # an Authorization header of ours (Token or Bearer)
    prefix: str | None = None  # None: malformed, so not valid
    sha256: str | None = None


def credentials(header):
    """What an Authorization header says: the one parser of its schemes and keys."""
    scheme, _, key = (header or "").strip().partition(" ")
    if scheme.lower() not in SCHEMES:
        return Credentials(given=False)
    parts = split_key(key.strip())
    if parts is None:
        return Credentials(given=True)
    prefix, secret = parts
    return Credentials(True, prefix, key_hash(secret))


def normalise_email(email):
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(ord(c) < 32 for c in email):
        raise AccountError(f"Invalid email address {email!r}.")
    return email


def find_user(tenant_id, email):
    return db.session.execute(
        select(User).where(User.tenant_id == tenant_id, User.email == normalise_email(email))
    ).scalar_one_or_none()


REPORT_FREQUENCIES = ("off", "weekly", "monthly")


def create_user(tenant, email, password=None):
    """Create (or reset the password of) a user; return (user, password).

    The tenant's first user is its owner and starts with weekly email reports and alert
    emails; later users start with neither (SPEC Parts 3 and 6).
    """
    password = password or secrets.token_urlsafe(12)
    user = find_user(tenant.id, email)
    if user is None:
        first = db.session.execute(
            select(func.count()).select_from(User).where(User.tenant_id == tenant.id)
        ).scalar_one()
        user = User(
            tenant_id=tenant.id,
            email=normalise_email(email),
            report_frequency="weekly" if first == 0 else "off",
            alert_emails=first == 0,
        )
        db.session.add(user)
    user.set_password(password)
    user.is_active = True
    db.session.flush()
    return user, password


def set_report_frequency(tenant, email, frequency):
    """Set a user's email reports: off, weekly or monthly."""
    if frequency not in REPORT_FREQUENCIES:
        raise AccountError(f"Report frequency must be one of {', '.join(REPORT_FREQUENCIES)}.")
    user = find_user(tenant.id, email)
    if user is None:
        raise AccountError(f"No user {email!r} in {tenant.schema_name!r}.")
    user.report_frequency = frequency
    db.session.flush()
    return user


def set_language(tenant, email, language):
    """A user's language for pages and emails; None (or "default"): the tenant's."""
    language = None if language in (None, "default") else language
    if language is not None and language not in LANGUAGES:
        raise AccountError(f"Language must be one of {', '.join(LANGUAGES)} or default.")
    user = find_user(tenant.id, email)
    if user is None:
        raise AccountError(f"No user {email!r} in {tenant.schema_name!r}.")
    user.language = language
    db.session.flush()
    return user


def deactivate_user(tenant, email):
    """The user can no longer log in or use keys; every session of theirs ends."""
    user = find_user(tenant.id, email)
    if user is None:
        raise AccountError(f"No user {email!r} in {tenant.schema_name!r}.")
    user.is_active = False
    user.end_sessions()
    db.session.flush()
    return user


def authenticate_password(tenant_id, email, password):
    """The active user with this email and password in this tenant, else None."""
    try:
        user = find_user(tenant_id, email)
    except AccountError:
        user = None
    if user is None or not user.is_active:
        # Same work as a real check, so timing does not tell which emails exist.
        check_password_hash(_dummy_hash(), password or "")
        return None
    return user if user.check_password(password or "") else None


def create_token(user, name=""):
    """Create a token for user; return (token row, key). The key is not stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, key_prefix=prefix, key_hash=key_hash(secret), name=name)
    db.session.add(token)
    db.session.flush()
    return token, f"ta_{prefix}_{secret}"


def user_for_credentials(tenant_id, creds):
    """The active user owning this unrevoked key in this tenant, else None: the key check
    (public.api_key_user, analytics_app/sql/public/api_key_user.sql), then the user's row.
    Declared API endpoints never come here (their first statement checks the key)."""
    if creds.prefix is None:
        return None
    row = db.session.execute(
        text("SELECT * FROM public.api_key_user(:tenant, :prefix, :sha256)"),
        {"tenant": tenant_id, "prefix": creds.prefix, "sha256": creds.sha256},
    ).one_or_none()
    if row is None:
        return None
    if row.key_touched:  # last_used_at is written at most once a minute per key
        db.session.commit()
    return db.session.get(User, row.user_id)


def revoke_tokens(tenant, email, name=None, key_prefix=None):
    """Revoke a user's live tokens (all, or those with this name or prefix); return count."""
    user = find_user(tenant.id, email)
    if user is None:
        raise AccountError(f"No user {email!r} in tenant {tenant.schema_name!r}.")
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if name is not None:
        query = query.where(ApiToken.name == name)
    if key_prefix is not None:
        query = query.where(ApiToken.key_prefix == key_prefix)
    tokens = db.session.execute(query).scalars().all()
    for token in tokens:
        token.revoked_at = func.now()
    db.session.flush()
    return len(tokens)


@functools.cache
def _dummy_hash():
    return generate_password_hash(secrets.token_hex(16))


def is_owner(user):
    """Whether the user is their tenant's owner (public.tenant_owner, the one rule)."""
    return bool(
        db.session.execute(
            text(
                "SELECT public.tenant_owner(t.schema_name) = :user"
                " FROM public.tenants t WHERE t.id = :tenant"
            ),
            {"user": user.id, "tenant": user.tenant_id},
        ).scalar()
    )
