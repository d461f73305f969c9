"""The operator's Flask CLI: db, plans, tenants, users, tokens, analytics, demo."""


def init_app(app):
    from . import accounts, analytics, db, dba, demo, plans, tenants

    for group in (
        db.db_cli,
        plans.plans_cli,
        tenants.tenants_cli,
        accounts.users_cli,
        accounts.tokens_cli,
        analytics.analytics_cli,
        dba.dba_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(demo.demo_command)
