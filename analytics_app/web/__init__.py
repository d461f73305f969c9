"""Pages for people (HTML): sign-in (auth.py) and the dashboard (dashboard.py, charts.py)."""


def init_app(app):
    from ..email_reports import unsubscribe
    from . import auth, dashboard, settings

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(unsubscribe.bp)
