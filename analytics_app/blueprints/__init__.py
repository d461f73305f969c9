"""Every blueprint of the app.

- health.py: /healthz and /readyz, on any host;
- api/: the JSON API (endpoints declared once; the OpenAPI document generated from them);
- pages/: pages for people (sign-in, the dashboard, settings, email unsubscribe).

The gate they declare is analytics_app/gating.py; what a request knows about itself is
analytics_app/request/.
"""


def init_app(app):
    from analytics_app.blueprints import api, health, pages

    app.register_blueprint(health.bp)
    api.init_app(app)
    pages.init_app(app)
