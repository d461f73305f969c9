"""Issue 27: where the two cores go while tenants are created, process by process.

    .venv/bin/python -m benchmarks.cpu_split --url URL [--tenants 400] [--jobs 2]

Creates --tenants tenants in the database at URL (migrated, with the plan `bench`, as
`benchmarks.data.bench_server` makes; without --url, that on a fresh embedded server) with `flask
tenants create-many --jobs N`, and meanwhile reads every process's CPU time from /proc
ten times a second. Prints the CPU seconds of each kind of process (the server's
backends, its autovacuum workers, checkpointer, WAL writer and background writer, the
command and its workers, anything else on the machine) and the machine's busy and idle
time from /proc/stat. `benchmarks.many_tenants` samples its 10,000 creations the same
way (MANY_TENANTS.md).

A process is counted from the first sample that sees it to the last: the CPU it spends
in the tenth of a second before it exits is missed. The server's exited children are
counted exactly by the postmaster's `cutime` (its backends start anew with each chunk of
50 tenants), and the report gives both.
"""

import argparse
import os
import threading
import time
from collections import defaultdict

import psycopg

from benchmarks.data import bench_server
from benchmarks.run import OUT

TICK = os.sysconf("SC_CLK_TCK")
PF_KTHREAD = 0x00200000  # /proc/<pid>/stat's flags: a kernel thread
PERIOD_S = 0.1


def _processes():
    """{pid: (utime + stime ticks, children's ticks, command line)} of every process. An
    exiting process's command line reads empty once its memory is released: it is named
    `(<name>, exiting)` then, and the sampler keeps what it saw of it before."""
    seen = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # it exited meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if not command:  # a kernel thread, or a process whose memory is already gone
            command = f"[{name}]" if int(fields[6]) & PF_KTHREAD else f"({name}, exiting)"
        seen[pid] = (int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), command)
    return seen


def kind(command, own):
    """What a process is, by its command line; `own`: the measured command's process group."""
    if own:
        return "the command and its workers"
    if command.startswith("postgres: "):
        title = command.removeprefix("postgres: ")
        for name in ("autovacuum", "checkpointer", "walwriter", "background writer", "io worker"):
            if title.startswith(name):
                return f"server: {name}"
        if " [local]" in title or "(" in title:  # user database host-or-socket state
            return "server: backends"
        return "server: other"
    if command.endswith("postgres") or "/bin/postgres " in command:
        return "server: postmaster"
    if command.startswith("["):
        return "kernel threads"
    if command.startswith("(postgres,"):  # never seen alive with its title
        return "server: other"
    return "other processes"


def _machine():
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu[:8]) - idle, idle


class CpuSplit:
    """Samples /proc in a thread while a command runs; `stop()` returns what it saw."""

    def __init__(self, group):
        self.group = group  # the measured command's process group
        self.first, self.last, self.owned = {}, {}, set()
        self.lock = threading.Lock()  # snapshot() reads what _sample() writes
        self.done = threading.Event()
        self.machine = _machine()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done.is_set():
            self._sample()
            self.done.wait(PERIOD_S)
        self._sample()

    def _sample(self):
        seen = _processes()
        with self.lock:
            self._record(seen)

    def _record(self, seen):
        begun = bool(self.last)
        for pid, (ticks, children, command) in seen.items():
            self.first.setdefault(pid, (0, 0) if begun else (ticks, children))  # new: all of it
            if command.startswith("(") and pid in self.last:  # exiting: keep what it was
                command = self.last[pid][2]
            self.last[pid] = (ticks, children, command)
            if pid not in self.owned:
                try:
                    if os.getpgid(int(pid)) == self.group:
                        self.owned.add(pid)
                except OSError:
                    pass

    def stop(self):
        """({kind: CPU seconds}, the machine's busy seconds, its idle seconds)."""
        self.done.set()
        self.thread.join()
        return self.snapshot()

    def snapshot(self):
        """What stop() returns, so far: a run's marks keep these while the sampler runs
        on, and interval_lines() tells the CPU of each stretch between two of them."""
        with self.lock:
            split = self._split()
        busy, idle = (
            after - before for before, after in zip(self.machine, _machine(), strict=True)
        )
        return split, busy / TICK, idle / TICK

    def _split(self):
        seconds = defaultdict(float)
        for pid, (ticks, children, command) in self.last.items():
            what = kind(command, pid in self.owned)
            seconds[what] += (ticks - self.first[pid][0]) / TICK
            if what == "server: postmaster":  # its exited children, counted exactly
                seconds["(check) the server's exited processes, from the postmaster's cutime"] += (
                    children - self.first[pid][1]
                ) / TICK
        return dict(seconds)


# interval_lines()' columns: the kinds of kind(), grouped.
GROUPS = (
    ("backends", ("server: backends",)),
    ("autovacuum", ("server: autovacuum",)),
    ("checkpointer, I/O, writers", ("server: checkpointer", "server: io worker",
                                    "server: background writer", "server: walwriter",
                                    "server: other", "server: postmaster")),
    ("the command", ("the command and its workers",)),
    ("kernel threads", ("kernel threads",)),
    ("other processes", ("other processes",)),
)  # fmt: skip


def interval_lines(marks):
    """Markdown rows, one per stretch between marks [(count done, seconds, snapshot())]:
    ms of CPU a tenant created in it by GROUPS, and the machine's busy share."""
    rows = [
        "| tenants | s | " + " | ".join(name for name, _ in GROUPS) + " | the machine |",
        "|---" * (len(GROUPS) + 3) + "|",
    ]
    before = (0, 0.0, ({}, 0.0, 0.0))
    for mark in marks:
        count0, seconds0, (split0, busy0, idle0) = before
        count, seconds, (split, busy, idle) = mark
        n = max(count - count0, 1)
        cells = [
            sum(split.get(k, 0.0) - split0.get(k, 0.0) for k in kinds) / n * 1000
            for _name, kinds in GROUPS
        ]
        busy_s, idle_s = busy - busy0, idle - idle0
        rows.append(
            f"| {count0 + 1:,}–{count:,} | {seconds - seconds0:.0f} | "
            + " | ".join(f"{c:.1f}" for c in cells)
            + f" | {busy_s / n * 1000:.1f} ({busy_s / max(busy_s + idle_s, 1e-9):.0%} busy) |"
        )
        before = mark
    return rows


def lines(split, busy, idle, wall, created):
    """Markdown rows: CPU seconds and ms a created tenant by kind, then the machine."""
    rows = []
    for what, seconds in sorted(split.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            rows.append(
                f"| {what} | {seconds:,.1f} s | {seconds / max(created, 1) * 1000:.1f} ms |"
            )
    rows.append(
        f"| the machine (/proc/stat, all cores) | busy {busy:,.1f} s, idle {idle:,.1f} s in"
        f" {wall:,.1f} s of wall time ({busy / max(busy + idle, 1e-9):.0%} busy) |"
        f" {busy / max(created, 1) * 1000:.1f} ms |"
    )
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--tenants", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    opts = parser.parse_args()
    url = opts.url or bench_server(OUT / "cpu-split-pgdata")[0]
    with psycopg.connect(url) as conn:
        plan = conn.execute("SELECT 1 FROM public.subscription_plans WHERE name = 'bench'")
        if plan.fetchone() is None:
            raise SystemExit("No plan `bench` at --url (benchmarks.data.bench_server makes one).")
    prefix = f"cpu{int(time.time()) % 100000:05d}_"
    listing = OUT / "cpu-split.csv"
    listing.write_text(
        "schema,name,plan\n"
        + "".join(f"{prefix}{i:05d},Shop {i},bench\n" for i in range(opts.tenants))
    )
    from benchmarks.many_tenants import _flask  # which imports this module

    cpu = []
    wall, finished, marks = _flask(
        url, "tenants", "create-many", str(listing), "--jobs", str(opts.jobs), cpu=cpu
    )
    split, busy, idle = cpu[0]
    print(f"{opts.tenants:,} tenants, --jobs {opts.jobs}: {wall:.1f} s, finished: {finished}")
    print("| process | CPU | a tenant |\n|---|---|---|")
    print("\n".join(lines(split, busy, idle, wall, opts.tenants)))
    if marks:  # every 1,000 created
        print("\n" + "\n".join(interval_lines(marks)))


if __name__ == "__main__":
    main()
