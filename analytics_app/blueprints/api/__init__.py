"""The JSON API (one blueprint per URL prefix; each endpoint declared once, see declare.py).

- /api/analytics/...          report_endpoints.py
- /api/export/<kind>/         export.py
- /api/openapi.json           openapi.py (generated from the declarations)
"""


def init_app(app):
    from analytics_app.blueprints.api import export, openapi, report_endpoints

    for module in (report_endpoints, export, openapi):
        app.register_blueprint(module.bp)
