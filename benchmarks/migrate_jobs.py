"""`flask db upgrade --jobs`: N tenants taken back to an old revision, then upgraded one at
a time and two at a time, on the database `flask demo` uses (or DATABASE_URL).

    .venv/bin/python -m benchmarks.migrate_jobs [--tenants 40] [--revision t0005]

Creates the tenants jobs0..jobs<N-1> once (plan of the demo) and leaves them there.
"""

import argparse
import time

from sqlalchemy import text

from analytics_app import create_app
from analytics_app.cli.demo import DEMO, prepare_demo
from analytics_app.db import migrate
from analytics_app.extensions import db
from analytics_app.tenants import tenant_admin


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=40)
    parser.add_argument("--revision", default="t0005")
    opts = parser.parse_args()
    app = create_app()
    with app.app_context():
        prepare_demo(5000, echo=lambda _l: None)
        names = []
        for i in range(opts.tenants):
            schema = f"jobs{i}"
            if not db.session.execute(
                text("SELECT 1 FROM public.tenants WHERE schema_name = :s"), {"s": schema}
            ).first():
                tenant_admin.create_tenant(schema, schema, DEMO["plan"], (), "UTC", "localhost")
                db.session.commit()
            names.append(schema)
        seconds = {}
        for jobs in (1, 2):
            with db.engine.begin() as conn:
                for schema in names:
                    migrate.downgrade_tenant(conn, schema, opts.revision)
            db.session.remove()
            started = time.perf_counter()
            migrate.upgrade_all(db.engine, echo=lambda _l: None, jobs=jobs, only=names)
            seconds[jobs] = time.perf_counter() - started
    print(
        f"{opts.tenants} tenants from {opts.revision} to the head: --jobs 1 {seconds[1]:.1f} s,"
        f" --jobs 2 {seconds[2]:.1f} s ({seconds[1] / seconds[2]:.2f}x)"
    )


if __name__ == "__main__":
    main()
