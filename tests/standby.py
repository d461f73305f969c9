"""A streaming standby of the embedded test server, made the way an operator makes one.

`pg_basebackup -R` copies the running primary over its replication protocol and
writes `standby.signal` and `primary_conninfo`; the embedded wheel's own `postgres`
then runs the copy as a hot standby on a socket folder of its own. The server's
binaries refuse to run as root: started by root, they run as the owner of the
primary's socket folder (the embedded server's own user), as PgBouncer does.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from analytics_app.db.embedded import pg_binary


class Standby:
    def __init__(self, primary_url):
        parts = urlsplit(primary_url)
        query = parse_qs(parts.query)
        if "host" not in query or not query["host"][0].startswith("/"):
            pytest.skip("the replica tests copy the embedded test server (over its socket)")
        self.primary_url = primary_url
        self.primary_socket = query["host"][0]
        self.port = str(parts.port or 5432)
        self.user = parts.username or "postgres"
        self.database = parts.path.lstrip("/")
        self.owner = None
        if os.geteuid() == 0:
            self.owner = pwd.getpwuid(os.stat(self.primary_socket).st_uid).pw_name
        # Short and owned by the server's user: a socket path must fit in 107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="standby-", dir="/tmp"))
        self.data = self.folder / "data"
        if self.owner:
            shutil.chown(self.folder, self.owner, self.owner)

    def url(self, database=None):
        return (
            f"postgresql://{self.user}@/{database or self.database}"
            f"?host={self.folder}&port={self.port}"
        )

    def _run(self, *command, timeout=120):
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self.owner,
            cwd=self.folder,
        )

    def create(self):
        # -R: standby.signal + primary_conninfo; -X stream: the WAL written meanwhile.
        self._run(
            pg_binary("pg_basebackup"),
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            self.primary_socket,
            "-p",
            self.port,
            "-U",
            self.user,
        )
        return self.start()

    def start(self):
        options = f"-h '' -k {self.folder} -p {self.port}"
        self._run(
            pg_binary("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.folder / "log"),
            "-o", options, "start",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:  # accepting connections once consistent (hot standby)
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError((self.folder / "log").read_text()) from None
                time.sleep(0.2)

    def stop(self):
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def execute(self, statement):
        with psycopg.connect(self.url(), autocommit=True) as conn:
            return conn.execute(statement).fetchall()

    def pause_replay(self):
        self.execute("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 10
        while self.execute("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
            assert time.monotonic() < deadline
            time.sleep(0.05)

    def resume_replay(self):
        self.execute("SELECT pg_wal_replay_resume()")

    def catch_up(self, timeout=30):
        """Wait until everything the primary has written so far is replayed here."""
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(), autocommit=True) as conn:
            while not conn.execute(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s) >= 0", (target,)
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the standby did not catch up"
                time.sleep(0.05)
