"""A keep-alive HTTP load client on loopback: latency percentiles and throughput."""

import http.client
import statistics
import threading
import time


def _percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Client:
    def __init__(self, port, host_header, key):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Host": host_header, "Authorization": f"Token {key}"}

    def get(self, path):
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body


def latency(port, host_header, key, path, requests=200, warmup=20):
    """One client, sequential requests: p50/p95 in milliseconds."""
    return summary(samples(port, host_header, key, path, requests, warmup))


def samples(port, host_header, key, path, requests=200, warmup=20):
    """One client, sequential requests: each one's milliseconds."""
    client = Client(port, host_header, key)
    for _ in range(warmup):
        client.get(path)
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _ = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert status == 200, (path, status)
    return out


def summary(samples):
    return {"p50": statistics.median(samples), "p95": _percentile(samples, 0.95), "n": len(samples)}


def throughput(port, targets, clients=8, seconds=10.0):
    """`clients` threads cycle through targets [(host, key, path)]: req/s and error count."""
    stop = time.perf_counter() + seconds
    counts, errors, lock = [0], [0], threading.Lock()

    def worker(offset):
        conns = {}
        i = offset
        done = bad = 0
        while time.perf_counter() < stop:
            host, key, path = targets[i % len(targets)]
            i += 1
            client = conns.setdefault(host, Client(port, host, key))
            try:
                status, _ = client.get(path)
                bad += status != 200
            except (OSError, http.client.HTTPException):
                bad += 1
                conns.pop(host, None)
            done += 1
        with lock:
            counts[0] += done
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests": counts[0], "errors": errors[0], "rps": counts[0] / elapsed}


def wrk_throughput(port, host, key, paths, clients=8, seconds=10):
    """wrk (Debian's package) with keep-alive connections cycling through paths."""
    import os
    import re
    import shutil
    import subprocess
    from pathlib import Path

    if not shutil.which("wrk"):
        return None
    script = Path(__file__).with_name("mixed.lua")
    env = {**os.environ, "BENCH_HOST": host, "BENCH_KEY": key, "BENCH_PATHS": ",".join(paths)}
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
    requests = int(fields["requests"])
    return {
        "requests": requests,
        "errors": int(fields["non2xx"]) + int(fields["errors"]),
        "rps": requests / float(fields["seconds"]),
        "p50": float(fields["p50_ms"]),
        "p99": float(fields["p99_ms"]),
        "tool": "wrk",
    }
