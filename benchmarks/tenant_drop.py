"""Issue 27: `flask tenants drop` beside 10,000 tenants, against beside one.

    .venv/bin/python -m benchmarks.tenant_drop [--count 20]

Reuses the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata
(database `one`: the probe tenant alone; `many`: the probe tenant and the 10,000). In
each database --count tenants are created (one process) and then dropped one by one
with `flask tenants drop SCHEMA --yes` run in-process (the command's own transaction:
the schema with every object, the public rows, the owner and reader roles); the
median drop and the median creation are printed, `one` and `many` alternating.
"""

import argparse
import statistics
import time

from click.testing import CliRunner
from sqlalchemy.engine import make_url

from analytics_app import create_app
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import bulk_tenants
from benchmarks.run import OUT


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20)
    opts = parser.parse_args()
    many = start_embedded(OUT / "many-pgdata", cleanup_mode="stop")
    urls = {
        "one": make_url(many).set(database="one").render_as_string(hide_password=False),
        "many": many,
    }
    apps = {
        name: create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
        for name, url in urls.items()
    }
    created, dropped = {n: [] for n in urls}, {n: [] for n in urls}
    for i in range(opts.count):
        for name, app in apps.items():
            schema = f"dropme{i:03d}"
            row = bulk_tenants.Row(i + 2, schema, f"Drop {i}", "bench", "Europe/Paris", ())
            started = time.perf_counter()
            with app.app_context():
                bulk_tenants.create_tenants(app, [row], jobs=1, echo=lambda _l: None)
            created[name].append(time.perf_counter() - started)
            runner = CliRunner()
            started = time.perf_counter()
            with app.app_context():
                result = runner.invoke(
                    app.cli, ["tenants", "drop", schema, "--yes"], catch_exceptions=False
                )
            dropped[name].append(time.perf_counter() - started)
            assert result.exit_code == 0, result.output
            with app.app_context():
                db.engine.dispose()
    with apps["many"].app_context():
        tenants = db.session.execute(db.text("SELECT count(*) FROM public.tenants")).scalar()
    print(f"tenants in `many`: {tenants:,}")
    print("| database | create (median ms) | drop (median ms) |")
    print("|---|---|---|")
    for name in urls:
        print(
            f"| {name} | {statistics.median(created[name]) * 1000:.0f}"
            f" | {statistics.median(dropped[name]) * 1000:.0f} |"
        )
    ratio = statistics.median(dropped["many"]) / statistics.median(dropped["one"])
    print(f"drop beside {tenants:,} tenants / beside one: {ratio:.2f}x")


if __name__ == "__main__":
    main()
