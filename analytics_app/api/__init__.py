"""The JSON API (one blueprint per URL prefix; each endpoint declared once, see declare.py).

- /api/analytics/...          reports.py
- /api/export/<kind>/         export.py
- /api/openapi.json           openapi.py (generated from the declarations)
"""


def init_app(app):
    from analytics_app.api import export, openapi, reports

    for module in (reports, export, openapi):
        app.register_blueprint(module.bp)
