"""`flask demo`: everything a newcomer needs, on a fresh machine, in one command."""

import logging
import threading
from pathlib import Path

import click
import psycopg
from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from werkzeug.serving import run_simple

from analytics_app.alerts import check
from analytics_app.cli import demo_receiver
from analytics_app.db import fold, migrate
from analytics_app.db.embedded import sqlalchemy_url
from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.gating import FEATURES
from analytics_app.tenants import accounts, tenant_admin
from analytics_app.tenants.models import ApiToken, SubscriptionPlan, Tenant
from analytics_app.webhooks import delivery, endpoints

DEMO = {
    "schema": "demo",
    "name": "Demo Salon",
    "timezone": "America/New_York",
    "plan": "Demo (all features)",
    "email": "owner@demo.example",
}
BASIC = {
    "schema": "studio",
    "name": "Basic Studio",
    "timezone": "Europe/Paris",
    "plan": "Basic (no analytics)",
    "email": "owner@studio.example",
}
# The second, French salon (SPEC Part 7): its pages, emails and PDF in French, its
# figures in euros written the French way; the same kind of history, its own names.
FRENCH = {
    "schema": "lumiere",
    "name": "Salon Lumière",
    "timezone": "Europe/Paris",
    "plan": "Demo (all features)",
    "email": "proprietaire@lumiere.example",
    "currency": "EUR",
    "locale": "fr_FR",
}
FRENCH_NAMES_SQL = """
UPDATE services SET name = CASE name WHEN 'Haircut' THEN 'Coupe' WHEN 'Color Treatment'
    THEN 'Coloration' WHEN 'Blowout' THEN 'Brushing' WHEN 'Beard Trim' THEN 'Taille de barbe'
    WHEN 'Manicure' THEN 'Manucure' ELSE name END;
UPDATE resources SET name = CASE name WHEN 'Nail Station' THEN 'Poste ongles'
    ELSE replace(name, 'Chair', 'Fauteuil') END;
"""
HISTORY_SQL = Path(__file__).resolve().parent / "demo_history.sql"


def _ensure_plan(name, features):
    if db.session.execute(select(SubscriptionPlan).where(SubscriptionPlan.name == name)).first():
        return
    tenant_admin.create_plan(name, features)


def _ensure_tenant(spec, base_domain):
    tenant = db.session.execute(
        select(Tenant).where(Tenant.schema_name == spec["schema"])
    ).scalar_one_or_none()
    return tenant or tenant_admin.create_tenant(
        spec["schema"],
        spec["name"],
        spec["plan"],
        (),
        spec["timezone"],
        base_domain,
        currency=spec.get("currency", "USD"),
        locale=spec.get("locale", "en_US"),
    )


def _french_history(schema_name):
    """The French salon's history: the demo's, under French names (once)."""
    enter_schema(db.session, schema_name)
    fresh = db.session.execute(text("SELECT NOT EXISTS (SELECT FROM appointments)")).scalar()
    count = fill_history(schema_name)
    if fresh:
        db.session.connection().connection.driver_connection.execute(FRENCH_NAMES_SQL)
    return count


def fill_history(schema_name, now=None):
    """Give an empty tenant the demo's two-year history (in the caller's transaction).

    Returns the tenant's appointment count; a tenant with appointments is left as it is.
    now: the instant the history ends at (default: the transaction's now()).
    """
    enter_schema(db.session, schema_name)
    count = db.session.execute(text("SELECT count(*) FROM appointments")).scalar()
    if count == 0:
        if now is not None:
            db.session.execute(
                text("SELECT set_config('demo_history.now', :now, true)"), {"now": str(now)}
            )
        db.session.connection().connection.driver_connection.execute(HISTORY_SQL.read_text())
        count = db.session.execute(text("SELECT count(*) FROM appointments")).scalar()
    return count


def _fresh_credentials(tenant, email):
    """A new password and key on each run (the old demo keys are revoked): demo only."""
    user, password = accounts.create_user(tenant, email)
    db.session.execute(
        ApiToken.__table__.update()
        .where(ApiToken.user_id == user.id, ApiToken.name == "demo", ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    _, key = accounts.create_token(user, "demo")
    return password, key


def _owners_since_the_history(*tenants):
    """The demo's owners get weekly reports and have been around as long as the history,
    so last week's report is due to them (`flask reports send` shows one at once)."""
    db.session.execute(
        text(
            "UPDATE public.users SET report_frequency = 'weekly',"
            " created_at = least(created_at, now() - interval '2 years')"
            " WHERE tenant_id = ANY (:tenants) AND email = ANY (:emails)"
        ),
        {
            "tenants": [t.id for t in tenants],
            "emails": [DEMO["email"], BASIC["email"], FRENCH["email"]],
        },
    )


def _demo_endpoint(schema, receiver_url):
    """The demo receiver as the demo tenant's endpoint (the last run's one replaced):
    (id, secret)."""
    enter_schema(db.session, schema)
    db.session.execute(
        text("DELETE FROM webhook_endpoints WHERE url LIKE :pattern"),
        {"pattern": f"%{demo_receiver.PATH}"},
    )
    return endpoints.add(
        db.session, schema, receiver_url, ["alert.triggered", "ping"], private=True
    )


def _recent_alerts(schema):
    enter_schema(db.session, schema)
    rows = (
        db.session.execute(
            text(
                "SELECT message FROM alerts WHERE created_at > now() - interval '30 days'"
                " ORDER BY created_at DESC, id"
            )
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return rows


def prepare_demo(port, echo=click.echo, receiver_url=None):
    """Migrate and make sure the demo tenants exist; return their fresh credentials.
    receiver_url: the demo receiver, added as an endpoint before the alerts are checked."""
    base = current_app.config["TENANT_BASE_DOMAIN"]
    migrate.upgrade_all(db.engine, echo=echo)
    _ensure_plan(DEMO["plan"], list(FEATURES))
    _ensure_plan(BASIC["plan"], [])
    demo = _ensure_tenant(DEMO, base)
    basic = _ensure_tenant(BASIC, base)
    french = _ensure_tenant(FRENCH, base)
    appointments = fill_history(demo.schema_name)
    french_appointments = _french_history(french.schema_name)
    password, key = _fresh_credentials(demo, DEMO["email"])
    basic_password, _ = _fresh_credentials(basic, BASIC["email"])
    french_password, _ = _fresh_credentials(french, FRENCH["email"])
    _owners_since_the_history(demo, basic, french)
    db.session.commit()
    # Fold the history's change log now, as the worker would, so the first page is fast.
    with fold.connect(current_app.config["DATABASE_URL"]) as conn:
        fold.fold_all(conn, [demo.schema_name, basic.schema_name, french.schema_name])
    endpoint = _demo_endpoint(demo.schema_name, receiver_url) if receiver_url else (None, None)
    # As cron's `flask alerts check` would: yesterday's no-show spike is recorded (once),
    # its webhook queued for the receiver and its email owed to the owner.
    check.check_all(
        db.session,
        db.session.execute(text("SELECT now()")).scalar_one(),
        [demo.schema_name],
        echo=lambda _line: None,
    )
    return {
        "endpoint_id": endpoint[0],
        "webhook_secret": endpoint[1],
        "alerts": _recent_alerts(demo.schema_name),
        "url": f"http://{demo.domains[0].domain}:{port}",
        "basic_url": f"http://{basic.domains[0].domain}:{port}",
        "email": DEMO["email"],
        "password": password,
        "key": key,
        "basic_email": BASIC["email"],
        "basic_password": basic_password,
        "french_url": f"http://{french.domains[0].domain}:{port}",
        "french_email": FRENCH["email"],
        "french_password": french_password,
        "french_appointments": french_appointments,
        "appointments": appointments,
    }


def _banner(d, receiver):
    """What the demo prints: where each tenant is, its logins, and what to try."""
    mail = (
        "sent through MAIL_URL"
        if current_app.config["MAIL_URL"]
        else "MAIL_URL is not set: reports are printed to the console, not sent"
    )
    return f"""
Tenant Analytics demo (credentials below are for this demo only; new ones each run)

  Demo Salon   {d["appointments"]} appointments, time zone {DEMO["timezone"]}
  Dashboard    {d["url"]}/
  Login        {d["email"]} / {d["password"]}
  API key      {d["key"]}

  curl -H "Authorization: Token {d["key"]}" {d["url"]}/api/analytics/analytics/dashboard/

  Salon Lumière (in French, euros, Europe/Paris): {d["french_appointments"]} appointments
  Dashboard    {d["french_url"]}/
  Login        {d["french_email"]} / {d["french_password"]}

  Basic Studio (plan without analytics): {d["basic_url"]}/
  Login        {d["basic_email"]} / {d["basic_password"]}

  Email        weekly reports to {d["email"]}, Mondays 08:00 {DEMO["timezone"]} time
               {mail}
               flask reports send      (last week's report, once; run it again: nothing)
               flask reports preview --tenant demo --email {d["email"]} --html report.html

  Alerts       {_alerts_line(d["alerts"])}
               flask alerts check      (cron every 15 min; sends the alert email owed to {d["email"]})

  Database     {current_app.config["DATABASE_URL"]}
  Fold worker  running in this process (production: `flask analytics fold --watch`)
  Webhooks     {_webhooks_lines(d, receiver)}
"""


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set everything up, print, and exit.")
def demo_command(host, port, no_serve):
    """Migrate, create a demo salon with two years of bookings, print logins, serve."""
    # The console shows the demo, not a line per Alembic revision and tenant.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    receiver = None if no_serve else demo_receiver.DemoReceiver()
    d = prepare_demo(port, receiver_url=receiver.url if receiver else None)
    if receiver:
        receiver.secret = d["webhook_secret"]
    click.echo(_banner(d, receiver))
    # Nothing of the set-up may stay open while serving: an idle transaction would hold
    # locks on tenants and domains, and a pool connection, for the whole demo.
    db.session.remove()
    if not no_serve:
        _start_fold_worker(current_app.config["DATABASE_URL"])
        stop = threading.Event()
        _start_webhook_sender(current_app._get_current_object(), stop)
        try:
            run_simple(host, port, current_app._get_current_object(), threaded=True)
        finally:
            stop.set()
            receiver.stop()


def _alerts_line(alerts):
    if not alerts:
        return "none in the last 30 days"
    return "\n".join(
        [f"{len(alerts)} in the last 30 days (dashboard and /api/analytics/alerts/):"]
        + [f"               - {message}" for message in alerts[:5]]
    )


def _webhooks_lines(d, receiver):
    if receiver is None:
        return (
            "local receivers allowed in the demo; add one with\n"
            "               WEBHOOKS_ALLOW_PRIVATE=1 flask webhooks add --tenant demo --url URL"
            " --event ping"
        )
    return (
        "sender running in this process (production: `flask webhooks deliver --watch`)\n"
        f"               demo receiver {receiver.url} is endpoint {d['endpoint_id']}; it verifies"
        " each delivery and prints it here:\n"
        f"               WEBHOOKS_ALLOW_PRIVATE=1 flask webhooks test --tenant demo {d['endpoint_id']}"
    )


def _start_webhook_sender(app, stop, interval=5.0):
    """The webhook sender beside the demo server, as `flask webhooks deliver --watch` runs,
    on connections of its own (not the app's pool), local receivers allowed; it stops with
    the server."""
    log = logging.getLogger("analytics.webhooks")

    def run():
        engine = create_engine(sqlalchemy_url(app.config["DATABASE_URL"]), poolclass=NullPool)
        with app.app_context(), Session(engine) as session:
            while not stop.wait(interval):
                try:
                    delivery.deliver_all(session, echo=log.info, private=True)
                except SQLAlchemyError as err:  # reported; the next round tries again
                    log.warning("webhook delivery round failed: %s", str(err).splitlines()[0])
                    session.rollback()
        engine.dispose()

    threading.Thread(target=run, name="webhook-sender", daemon=True).start()


def _start_fold_worker(url):
    """The fold worker beside the demo server, as `flask analytics fold --watch` runs it."""

    log = logging.getLogger("analytics.fold")

    def run():
        try:
            fold.watch(url, echo=log.info)
        except psycopg.OperationalError as err:  # the database went away (the demo stops)
            log.warning("the fold worker stopped: %s", str(err).splitlines()[0])
        except Exception:  # the demo goes on serving exact figures, only slower
            log.exception("the fold worker stopped")

    threading.Thread(target=run, name="fold-worker", daemon=True).start()
