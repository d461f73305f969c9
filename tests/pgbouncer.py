"""Debian's PgBouncer in front of the test server, in transaction pooling mode.

PgBouncer refuses to run as root; started by root it switches (`-u`) to the owner of
the server's socket folder (the embedded server's own user), which may connect there.
"""

import os
import pwd
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.local import free_port, require_program

PGBOUNCER = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")


def require_pgbouncer():
    """Skip without PgBouncer, except where it must be there (CI, REQUIRE_PGBOUNCER=1)."""
    require_program(PGBOUNCER, "PgBouncer", "pgbouncer", "REQUIRE_PGBOUNCER")


class PgBouncer:
    """pool_size server connections per database and user, shared by every client."""

    def __init__(self, upstream_url, folder, pool_size=4):
        parts = urlsplit(upstream_url)
        query = parse_qs(parts.query)
        self.socket_dir = query.get("host", [parts.hostname or "/tmp"])[0]
        self.upstream_port = parts.port or 5432
        self.user = parts.username or "postgres"
        self.folder = Path(folder)
        self.port = free_port()
        self.pool_size = pool_size
        self.process = None

    def url(self, database):
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        users = self.folder / "users.txt"
        users.write_text(f'"{self.user}" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={self.socket_dir} port={self.upstream_port} user={self.user}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {users}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 500\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        for path in (users, config):
            path.chmod(0o644)
        command = [PGBOUNCER, str(config)]
        if os.geteuid() == 0:
            owner = pwd.getpwuid(os.stat(self.socket_dir).st_uid).pw_name
            command[1:1] = ["-u", owner]
        self.log = (self.folder / "pgbouncer.log").open("w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return self
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((self.folder / "pgbouncer.log").read_text()) from None
                time.sleep(0.2)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()
