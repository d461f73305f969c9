"""Side by side with an older revision, in one run: `python -m benchmarks.run --against REV`.

REV's tree (`git archive`) is unpacked under benchmarks/out/, its own code makes its own
1M tenant in a database of its own on the same server (its benchmarks/data.py: the same
generator, seed and sizes, so the same rows), and gunicorn serves it from that tree with
its shipped configuration beside this tree's server. Each endpoint is then asked of both
in alternating rounds, so the machine's noise falls on both alike.
"""

import os
import subprocess
import sys
import time

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from benchmarks import load

DATABASE = "against"

# Run by REV's code, in its tree: its tenant, its data, its key (printed last).
SETUP = """
import sys
from analytics_app import create_app
from analytics_app.db import migrate
from analytics_app.extensions import db
try:
    from analytics_app.tenants import accounts, tenant_admin
except ImportError:  # the older layout
    from analytics_app import accounts, tenant_admin
from benchmarks import data
from sqlalchemy import text

schema, n = sys.argv[1], int(sys.argv[2])
app = create_app({"DATABASE_URL": sys.argv[3], "SECRET_KEY": "benchmark-only"})
with app.app_context():
    migrate.upgrade_all(db.engine, echo=lambda _l: None)
    if not db.session.execute(text("SELECT 1 FROM public.subscription_plans WHERE name = 'bench'")).first():
        tenant_admin.create_plan("bench", ["advanced_analytics", "can_accept_payments", "can_export_data"])
        db.session.commit()
    if not db.session.execute(text("SELECT 1 FROM public.tenants WHERE schema_name = :s"), {"s": schema}).first():
        data.make_tenant(schema, n)
    user, _ = accounts.create_user(tenant_admin.get_tenant(schema), f"bench-{n}-{id(app)}@example.com")
    _, key = accounts.create_token(user, "bench")
    db.session.commit()
    print(key)
"""


def unpack(rev, root, out):
    """REV's files (of the repository at `root`) under `out`/against-<commit>; returns
    (folder, full commit)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = out / f"against-{commit[:12]}"
    if not (folder / "wsgi.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit], cwd=root, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder, commit


def database_url(url):
    """The URL of a database of its own on the same server, created if missing."""
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    return make_url(url).set(database=DATABASE).render_as_string(hide_password=False)


def prepare(folder, url, schema, appointments):
    """REV's tenant of `appointments` rows, made by REV's code; returns an API key for it."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", SETUP, schema, str(appointments), url],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{folder.name}: setup failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - started


def compare(targets, endpoints, requests, rounds=4):
    """{endpoint: {name: {p50, p95, n}}}: each endpoint asked of every target (name: (port,
    host, key)) in `rounds` alternating rounds of requests/rounds, the samples pooled."""
    out = {}
    for endpoint, path in endpoints.items():
        samples = {name: [] for name in targets}
        for r in range(rounds):
            order = list(targets) if r % 2 == 0 else list(reversed(targets))
            for name in order:
                port, host, key = targets[name]
                samples[name] += load.samples(port, host, key, path, requests // rounds)
        out[endpoint] = {name: load.summary(s) for name, s in samples.items()}
    return out
