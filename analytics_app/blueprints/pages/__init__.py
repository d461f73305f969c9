"""Pages for people (HTML): sign-in (auth.py), the dashboard (dashboard.py, charts.py),
settings (settings.py) and the email reports' unsubscribe link (unsubscribe.py)."""


def init_app(app):
    from analytics_app.blueprints.pages import auth, dashboard, settings, unsubscribe
    from analytics_app.formats import languages, localisation
    from analytics_app.request.context import known_context

    @app.context_processor
    def tenant_formats():
        """`fmt`: the request's tenant's way of writing figures (localisation.py)."""
        context = known_context()
        tenant = context.tenant if context else None
        return {"fmt": localisation.for_tenant(tenant, languages.current_language())}

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(unsubscribe.bp)
