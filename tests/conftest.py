"""Fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL), the app, tenants, keys.

Every test gets its own throwaway tenants (unique schema names), created the
way the operator creates them, so tests never share rows.
"""

import itertools
import os
import re
from dataclasses import dataclass

import psycopg
import pytest
from aiosmtpd.controller import Controller
from psycopg import sql
from sqlalchemy.engine import make_url

from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from tests.local import Inbox, free_port

_names = itertools.count(1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database: in TEST_DATABASE_URL's server, else in a new embedded server.

    TEST_PGBOUNCER=1: every connection of the tests and the app goes through Debian's
    PgBouncer in transaction pooling mode in front of it (tests/pgbouncer.py), with
    psycopg's prepared statements off (DB_PREPARE_THRESHOLD=none).
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url = start_embedded(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    else:
        name = f"ta_test_{os.getpid()}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    if os.environ.get("TEST_PGBOUNCER") != "1":
        yield url
        return
    from tests.pgbouncer import PgBouncer, require_pgbouncer

    require_pgbouncer()
    bouncer = PgBouncer(url, tmp_path_factory.mktemp("pgbouncer"), pool_size=4).start()
    os.environ["DB_PREPARE_THRESHOLD"] = "none"  # the app's connections
    # The tests' own plain-SQL connections: no prepared statements either.
    connect = psycopg.Connection.connect.__func__
    psycopg.Connection.connect = classmethod(
        lambda cls, *a, **kw: connect(cls, *a, **{"prepare_threshold": None, **kw})
    )
    psycopg.connect = psycopg.Connection.connect
    yield bouncer.url(make_url(url).database)
    bouncer.stop()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-only-secret",
            "DB_POOL_SIZE": 3,
            # Every test logs in from 127.0.0.1; test_security lowers it to test the limit.
            "LOGIN_LIMIT_PER_CLIENT": "100000/minute",
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        migrate.upgrade_all(db.engine, echo=lambda _line: None)
        from analytics_app.tenants import tenant_admin

        tenant_admin.create_plan("all", ["advanced_analytics", "can_accept_payments"])
        tenant_admin.create_plan("analytics only", ["advanced_analytics"])
        tenant_admin.create_plan("none", [])
        db.session.commit()
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def dsn(database_url):
    """libpq connection string, for tests that act as a DBA with plain SQL."""
    return database_url


@dataclass
class TenantHandle:
    id: int
    schema: str
    host: str
    timezone: str
    dsn: str

    def sql(self, statement, params=None):
        """Run plain SQL as a DBA would, with search_path set to this tenant; return rows."""
        with psycopg.connect(self.dsn, autocommit=False) as conn:
            conn.execute(
                "SELECT set_config('search_path', %s, true)", (f'"{self.schema}", public',)
            )
            cur = conn.execute(statement, params)
            rows = cur.fetchall() if cur.description else None
            conn.commit()
            return rows

    def scalar(self, statement, params=None):
        return self.sql(statement, params)[0][0]

    def fold(self):
        """Run the fold worker once for this tenant; the number of changes it folded."""
        from analytics_app.db import fold

        with fold.connect(self.dsn) as conn:
            return fold.fold_tenant(conn, self.schema)


@pytest.fixture
def make_tenant(app, database_url):
    """make_tenant(timezone="UTC", plan="all") -> a new tenant with its own schema and host."""
    return tenant_factory(app, database_url)


@pytest.fixture(scope="module")
def make_module_tenant(app, database_url):
    """make_tenant for module-scoped fixtures (a tenant that several tests read)."""
    return tenant_factory(app, database_url)


def tenant_factory(app, database_url):
    def make(timezone="UTC", plan="all", prefix="t", base="test"):
        from analytics_app.tenants import tenant_admin

        schema = f"{prefix}{os.getpid()}_{next(_names)}"
        with app.app_context():
            host = tenant_admin.default_domain(schema, base)
            tenant = tenant_admin.create_tenant(schema, f"Tenant {schema}", plan, [host], timezone)
            db.session.commit()
            return TenantHandle(tenant.id, schema, host, timezone, database_url)

    return make


@pytest.fixture
def make_key(app):
    """make_key(tenant, email=...) -> a fresh API key for a (new) user of that tenant."""

    def make(tenant, email="owner@example.com"):
        from analytics_app.tenants import accounts, tenant_admin

        with app.app_context():
            user, _ = accounts.create_user(
                tenant_admin.get_tenant(tenant.schema), email, "pw-123456"
            )
            _, key = accounts.create_token(user, "test")
            db.session.commit()
            return key

    return make


@pytest.fixture
def api(client, make_key):
    """api(tenant, path, **query) -> response, called with a key of that tenant."""
    keys = {}

    def call(tenant, path, key=None, **query):
        if key is None:
            key = keys.setdefault(tenant.schema, make_key(tenant))
        return client.get(
            f"/api/analytics/analytics/{path}/",
            query_string=query,
            base_url=f"http://{tenant.host}",
            headers={"Authorization": f"Token {key}"},
        )

    return call


class Browser:
    """Session login through the real form (CSRF token included)."""

    def __init__(self, client, host):
        self.client, self.base_url = client, f"http://{host}"

    def get(self, path, **kw):
        return self.client.get(path, base_url=self.base_url, **kw)

    def login(self, email, password, next_path=None):
        page = self.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        url = "/login" + (f"?next={next_path}" if next_path else "")
        return self.client.post(
            url,
            base_url=self.base_url,
            data={"csrf_token": token, "email": email, "password": password},
        )


@pytest.fixture
def browser(app):
    """browser(tenant) -> a logged-out browser on that tenant's host (own cookie jar)."""
    return lambda tenant: Browser(app.test_client(), tenant.host)


@pytest.fixture(scope="module")
def live(app):
    """The app over real HTTP on 127.0.0.1 (tests/browser.py), for a module's tests."""
    from tests.browser import LiveServer

    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium, driven by Playwright (one per module)."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (own cookies) at 1280 x 800."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_role(dsn):
    """make(name) -> the libpq URL of a new LOGIN role (dropped afterwards)."""
    made = []

    def make(name):
        role = f"{name}_{os.getpid()}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'reader-pw'").format(sql.Identifier(role))
            )
        made.append(role)
        url = make_url(dsn).set(username=role, password="reader-pw")
        return role, url.render_as_string(hide_password=False)

    yield make
    with psycopg.connect(dsn, autocommit=True) as conn:
        for role in made:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture(autouse=True)
def no_server_errors(request):
    """Every test fails on any 5xx answer other than the documented 503.

    Listens to Flask's request_finished signal of every app a test runs, the live
    servers' included, so fuzz runs and attacks are covered too.
    """
    from flask import request_finished

    if request.node.get_closest_marker("server_error_expected"):
        yield
        return
    seen = []

    def record(sender, response, **extra):
        if response.status_code >= 500 and response.status_code != 503:
            seen.append(response.status_code)

    request_finished.connect(record)
    yield
    request_finished.disconnect(record)
    assert seen == [], f"server errors answered: {seen}"


@pytest.fixture
def sql_copy(tmp_path, monkeypatch):
    """A copy of analytics_app/sql/ that the catalogue reads instead; .edit() changes a file
    (a shared function's: .edit("public/tenant_feature", ...)).

    .add(Entry) appends an entry whose file lives in the copy (a throwaway report).
    """
    import dataclasses
    import shutil

    from analytics_app.db import catalogue

    folder = tmp_path / "sql"
    shutil.copytree(catalogue.SQL_DIR, folder)
    entries = [dataclasses.replace(e, directory=folder) for e in catalogue.CATALOGUE]
    monkeypatch.setattr(catalogue, "CATALOGUE", entries)
    shared = [
        dataclasses.replace(e, directory=folder / "public") for e in catalogue.PUBLIC_CATALOGUE
    ]
    monkeypatch.setattr(catalogue, "PUBLIC_CATALOGUE", shared)

    class Copy:
        path = folder

        @staticmethod
        def edit(stem, old, new):
            path = folder / f"{stem}.sql"
            text = path.read_text()
            assert old in text
            path.write_text(text.replace(old, new, 1))

        @staticmethod
        def add(entry, source):
            (folder / f"{entry.file}.sql").write_text(source)
            entries.append(dataclasses.replace(entry, directory=folder))

    return Copy


@pytest.fixture
def smtp(app, monkeypatch):
    """A plain SMTP server on 127.0.0.1; MAIL_URL points at it for the test."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    inbox.port = port
    yield inbox
    controller.stop()
