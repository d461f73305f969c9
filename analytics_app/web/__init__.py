"""Pages for people (HTML): sign-in (auth.py) and the dashboard (dashboard.py, charts.py)."""


def init_app(app):
    from . import auth, dashboard

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
