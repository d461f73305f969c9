"""Issue 27: `flask db upgrade --jobs N` of this tree against an older revision's, side by
side on the 10,000-tenant server.

    .venv/bin/python -m benchmarks.upgrade_against REV [--entries a,b] [--only f,g]
        [--tenants 120] [--rounds 2] [--jobs 2]

Reuses the server `python -m benchmarks.many_tenants` left in benchmarks/out/many-pgdata.
Each round takes two sets of --tenants tenants no earlier round took (after the probe,
in creation order), makes their recorded checksums of --entries differ (as a release
that changed those files does, or with --only only those functions or views of them:
see benchmarks.many_tenants.mark_changed), and upgrades
one set with REV's code (its tree unpacked as benchmarks.against does) and the other
with this tree's, `--tenant` by `--tenant`; the order of the two alternates from round
to round, so the machine's noise and the server's warming fall on both alike. Prints
each upgrade's time a tenant and the ratio.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import psycopg
from sqlalchemy.engine import make_url

from analytics_app.db.embedded import start_embedded
from benchmarks.against import unpack
from benchmarks.many_tenants import mark_schemas_changed
from benchmarks.run import OUT, ROOT


def _upgrade(tree, url, schemas, jobs):
    """Seconds `flask db upgrade --jobs N --tenant ...` took in `tree`, and how many it
    migrated."""
    args = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "--jobs", str(jobs)]
    for schema in schemas:
        args += ["--tenant", schema]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "benchmark-only"}
    started = time.perf_counter()
    done = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"upgrade in {tree} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout.count("] migrated")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rev")
    parser.add_argument("--entries", default="customer_visits")
    parser.add_argument(
        "--only", default="", help="the release changed only these functions/views of --entries"
    )
    parser.add_argument("--tenants", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip", type=int, default=0, help="tenants to pass over first")
    opts = parser.parse_args()
    entries = opts.entries.split(",")
    only = [name for name in opts.only.split(",") if name]
    old_tree, commit = unpack(opts.rev, ROOT, OUT)
    url = make_url(start_embedded(OUT / "many-pgdata", cleanup_mode="stop"))
    url = url.render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [r[0] for r in conn.execute("SELECT schema_name FROM public.tenants ORDER BY id")]
    schemas = schemas[1 + opts.skip :]  # the probe was made first
    times = {"old": [], "new": []}
    for round_ in range(opts.rounds):
        order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
        for i, side in enumerate(order):
            at = (2 * round_ + i) * opts.tenants
            chosen = schemas[at : at + opts.tenants]
            with psycopg.connect(url, autocommit=True) as conn:
                mark_schemas_changed(conn, chosen, entries, only)
            tree = old_tree if side == "old" else ROOT
            seconds, migrated = _upgrade(tree, url, chosen, opts.jobs)
            per = seconds / max(migrated, 1) * 1000
            times[side].append(per)
            label = commit[:12] if side == "old" else "this tree"
            print(
                f"round {round_ + 1}, {label}: {migrated} tenants ({at + opts.skip}.."
                f"{at + opts.skip + len(chosen) - 1}) in {seconds:.1f} s, {per:.0f} ms a tenant",
                flush=True,
            )
    old, new = statistics.median(times["old"]), statistics.median(times["new"])
    print(
        f"{', '.join(only or entries)} changed, --jobs {opts.jobs}: {commit[:12]} {old:.0f} ms a tenant,"
        f" this tree {new:.0f} ms ({old / new:.2f}x; medians of {opts.rounds})"
    )


if __name__ == "__main__":
    main()
