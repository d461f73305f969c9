"""Pages for people (HTML): sign-in (auth.py) and the dashboard (dashboard.py, charts.py)."""


def init_app(app):
    from analytics_app import localisation
    from analytics_app.email_reports import unsubscribe
    from analytics_app.request_context import known_context
    from analytics_app.web import auth, dashboard, settings

    @app.context_processor
    def tenant_formats():
        """`fmt`: the request's tenant's way of writing figures (localisation.py)."""
        context = known_context()
        return {"fmt": localisation.for_tenant(context.tenant if context else None)}

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(unsubscribe.bp)
