"""Pages for people (HTML): sign-in (auth.py) and the dashboard (dashboard.py, charts.py)."""


def init_app(app):
    from flask import g

    from .. import localisation
    from ..email_reports import unsubscribe
    from . import auth, dashboard, settings

    @app.context_processor
    def tenant_formats():
        """`fmt`: the request's tenant's way of writing figures (localisation.py)."""
        return {"fmt": localisation.for_tenant(g.get("tenant"))}

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(unsubscribe.bp)
