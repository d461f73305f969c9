"""ORM mappings of the shared (public) tables. Their DDL lives in migrations/public."""

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from analytics_app.extensions import db

PUBLIC = {"schema": "public"}


class SubscriptionPlan(db.Model):
    __tablename__ = "subscription_plans"
    __table_args__ = PUBLIC
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.Text, nullable=False, unique=True)
    permissions = db.Column(db.JSON, nullable=False, default=dict)


class Tenant(db.Model):
    __tablename__ = "tenants"
    __table_args__ = PUBLIC
    id = db.Column(db.Integer, primary_key=True)
    schema_name = db.Column(db.Text, nullable=False, unique=True)
    name = db.Column(db.Text, nullable=False)
    plan_id = db.Column(db.Integer, db.ForeignKey("public.subscription_plans.id"))
    timezone = db.Column(db.Text, nullable=False, default="UTC")
    currency = db.Column(db.Text, nullable=False, default="USD")  # ISO 4217
    locale = db.Column(db.Text, nullable=False, default="en_US")  # CLDR: fr_FR, en_IN
    advanced_analytics = db.Column(db.Boolean)
    can_accept_payments = db.Column(db.Boolean)
    can_export_data = db.Column(db.Boolean)
    created_at = db.Column(db.DateTime(timezone=True), server_default=db.func.now())
    webhooks_due_at = db.Column(db.DateTime(timezone=True))  # webhooks/delivery.py
    plan = db.relationship(SubscriptionPlan)
    domains = db.relationship("Domain", back_populates="tenant", order_by="Domain.domain")


class Domain(db.Model):
    __tablename__ = "domains"
    __table_args__ = PUBLIC
    id = db.Column(db.Integer, primary_key=True)
    domain = db.Column(db.Text, nullable=False, unique=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("public.tenants.id"), nullable=False)
    is_primary = db.Column(db.Boolean, nullable=False, default=False)
    tenant = db.relationship(Tenant, back_populates="domains")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = PUBLIC
    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("public.tenants.id"), nullable=False)
    email = db.Column(db.Text, nullable=False)
    password_hash = db.Column(db.Text, nullable=False)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), server_default=db.func.now())
    # Part of every session cookie (get_id); bumping it ends all sessions of this user.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    # Email reports: off, weekly or monthly (docs/email-reports.md).
    report_frequency = db.Column(db.Text, nullable=False, default="off")
    # An email for each alert recorded in the tenant (SPEC Part 6; the owner by default).
    alert_emails = db.Column(db.Boolean, nullable=False, default=False)
    # The language chosen for pages and emails (formats/languages.py); None: the tenant's.
    language = db.Column(db.Text)

    def get_id(self):
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self):
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password):
        if self.password_hash is not None:  # a changed password ends the old sessions
            self.end_sessions()
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = PUBLIC
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("public.users.id"), nullable=False)
    key_prefix = db.Column(db.Text, nullable=False, unique=True)
    key_hash = db.Column(db.Text, nullable=False)
    name = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), server_default=db.func.now())
    last_used_at = db.Column(db.DateTime(timezone=True))
    revoked_at = db.Column(db.DateTime(timezone=True))
    user = db.relationship(User)
