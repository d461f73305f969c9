"""The operator's Flask CLI: db, plans, tenants, users, tokens, analytics, dba, resources,
reports, alerts, webhooks, demo."""


def init_app(app):
    from analytics_app.cli import (
        alerts,
        analytics,
        db,
        dba,
        demo,
        email_reports,
        plans,
        resources,
        tenants,
        users,
    )

    for group in (
        db.db_cli,
        plans.plans_cli,
        tenants.tenants_cli,
        users.users_cli,
        users.tokens_cli,
        analytics.analytics_cli,
        dba.dba_cli,
        resources.resources_cli,
        email_reports.reports_cli,
        alerts.alerts_cli,
        alerts.webhooks_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(demo.demo_command)
