"""What the operator does: plans, tenants, domains, feature switches.

Each function works in the caller's db.session transaction; the CLI commits.
"""

from psycopg import sql as psql
from sqlalchemy import select, text

from analytics_app.db import migrate
from analytics_app.db.schema_names import validate_schema_name
from analytics_app.extensions import db
from analytics_app.formats import localisation
from analytics_app.gating import FEATURES
from analytics_app.request.tenancy import HOST_NAME
from analytics_app.tenants.models import Domain, SubscriptionPlan, Tenant


def default_domain(schema_name, base_domain):
    """The SPEC's default: "<schema>.<base>", e.g. acme_clinic.localhost."""
    return f"{schema_name}.{base_domain}"


class AdminError(ValueError):
    pass


def _feature(name):
    if name not in FEATURES:
        raise AdminError(f"Unknown feature {name!r}; known: {', '.join(FEATURES)}.")
    return name


def get_plan(name):
    plan = db.session.execute(
        select(SubscriptionPlan).where(SubscriptionPlan.name == name)
    ).scalar_one_or_none()
    if plan is None:
        raise AdminError(f"No plan named {name!r}.")
    return plan


def create_plan(name, features=()):
    if db.session.execute(select(SubscriptionPlan.id).where(SubscriptionPlan.name == name)).first():
        raise AdminError(f"A plan named {name!r} exists already.")
    plan = SubscriptionPlan(name=name, permissions={_feature(f): True for f in features})
    db.session.add(plan)
    db.session.flush()
    return plan


def set_plan_feature(name, feature, enabled):
    plan = get_plan(name)
    plan.permissions = {**(plan.permissions or {}), _feature(feature): bool(enabled)}
    db.session.flush()
    return plan


def normalise_domain(domain):
    domain = (domain or "").strip().lower().rstrip(".")
    if not HOST_NAME.fullmatch(domain):
        raise AdminError(f"Invalid domain {domain!r}.")
    return domain


_known_zones = None


def validate_timezone(name):
    """An IANA zone name the database knows (read once per process: the view is slow)."""
    global _known_zones
    if _known_zones is None:
        _known_zones = frozenset(
            db.session.execute(text("SELECT name FROM pg_timezone_names")).scalars()
        )
    if name not in _known_zones:
        raise AdminError(f"Unknown time zone {name!r}; use an IANA name such as Europe/Paris.")
    return name


def validate_currency(code):
    try:
        return localisation.validate_currency(code)
    except localisation.LocalisationError as err:
        raise AdminError(str(err)) from None


def validate_locale(name):
    try:
        return localisation.validate_locale(name)
    except localisation.LocalisationError as err:
        raise AdminError(str(err)) from None


def create_tenant(
    schema_name,
    name,
    plan_name,
    domains=(),
    timezone="UTC",
    base_domain="localhost",
    currency=localisation.DEFAULT_CURRENCY,
    locale=localisation.DEFAULT_LOCALE,
):
    """Create the tenant row, its domains and its schema at the latest migration, atomically."""
    try:
        validate_schema_name(schema_name)
    except ValueError as err:
        raise AdminError(str(err)) from None
    if db.session.execute(select(Tenant.id).where(Tenant.schema_name == schema_name)).first():
        raise AdminError(f"A tenant with schema {schema_name!r} exists already.")
    exists = db.session.execute(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema_name}
    ).first()
    if exists:
        raise AdminError(f"Schema {schema_name!r} exists already in the database.")
    plan = get_plan(plan_name)
    domains = [normalise_domain(d) for d in (domains or [default_domain(schema_name, base_domain)])]
    taken = (
        db.session.execute(select(Domain.domain).where(Domain.domain.in_(domains))).scalars().all()
    )
    if taken:
        raise AdminError(f"Domain already in use: {', '.join(taken)}.")
    tenant = Tenant(
        schema_name=schema_name,
        name=name,
        plan_id=plan.id,
        timezone=validate_timezone(timezone),
        currency=validate_currency(currency),
        locale=validate_locale(locale),
    )
    db.session.add(tenant)
    db.session.flush()
    for i, domain in enumerate(dict.fromkeys(domains)):
        db.session.add(Domain(domain=domain, tenant_id=tenant.id, is_primary=i == 0))
    db.session.flush()
    migrate.upgrade_tenant(db.session.connection(), schema_name)
    return tenant


def drop_tenant(schema_name):
    """Remove a tenant for good, atomically: its schema with every row and object, its
    public rows (tenant, domains, users, keys, report deliveries: ON DELETE CASCADE) and
    its roles (the report functions' owner, the per-tenant reader role). Returns counts."""
    from analytics_app.db import definers, readers

    tenant = get_tenant(schema_name)
    counts = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM public.domains WHERE tenant_id = :t),"
            " (SELECT count(*) FROM public.users WHERE tenant_id = :t)"
        ),
        {"t": tenant.id},
    ).one()
    raw = db.session.connection().connection.driver_connection
    raw.execute(psql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(psql.Identifier(schema_name)))
    db.session.execute(text("DELETE FROM public.tenants WHERE id = :t"), {"t": tenant.id})
    for role in (definers.owner_role(schema_name), readers.tenant_role(schema_name)):
        if raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            # Grants it holds elsewhere (public.tenants' columns) go with DROP OWNED.
            raw.execute(psql.SQL("DROP OWNED BY {}").format(psql.Identifier(role)))
            raw.execute(psql.SQL("DROP ROLE {}").format(psql.Identifier(role)))
    db.session.expire_all()
    return {"domains": counts[0], "users": counts[1]}


def set_tenant_feature(schema_name, feature, value):
    """value: True (grant), False (revoke) or None (follow the plan)."""
    tenant = get_tenant(schema_name)
    setattr(tenant, _feature(feature), value)
    db.session.flush()
    return tenant


def get_tenant(schema_name):
    tenant = db.session.execute(
        select(Tenant).where(Tenant.schema_name == schema_name)
    ).scalar_one_or_none()
    if tenant is None:
        raise AdminError(f"No tenant with schema {schema_name!r}.")
    return tenant
