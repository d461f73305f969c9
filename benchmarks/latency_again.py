"""Ask the server a finished `benchmarks.run` left behind for one tenant's forms again.

    .venv/bin/python -m benchmarks.latency_again b10k [--passes 2] [--requests 200]

Starts the run's embedded server (benchmarks/out/pgdata, as the run left it), gives the
tenant a new API token, serves the app with gunicorn as the run does, and prints each
pass's p50 per form: to tell a run's slow figure from this shared machine's noise.
"""

import argparse
import time

from analytics_app import create_app
from analytics_app.db.embedded import start_embedded
from analytics_app.extensions import db
from analytics_app.tenants import accounts, tenant_admin
from benchmarks import run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200)
    opts = parser.parse_args()
    if not (run.OUT / "pgdata").is_dir():
        raise SystemExit("no benchmarks/out/pgdata: run `python -m benchmarks.run` first")
    url = start_embedded(run.OUT / "pgdata", cleanup_mode="stop")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-only"})
    with app.app_context():
        try:
            tenant = tenant_admin.get_tenant(opts.schema)
        except tenant_admin.AdminError as err:
            raise SystemExit(str(err)) from None
        user, _ = accounts.create_user(tenant, f"again{time.time_ns()}@example.com")
        _, key = accounts.create_token(user, "again")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    port = run._free_port()
    server = run._serve(url, port)
    try:
        for n in range(opts.passes):
            figures = run._latencies(port, opts.schema, key, opts.requests)
            print(f"pass {n + 1}, p50 ms:", flush=True)
            for name, measured in figures.items():
                print(f"  {name}: {measured['p50']:.2f}", flush=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
