"""Peak memory of the serving processes while a large export streams."""

import http.client
import threading
import time

import psutil


def _tree_rss(pid):
    """Resident memory (bytes) of each process under gunicorn's master, master included."""
    master = psutil.Process(pid)
    return {p.pid: p.memory_info().rss for p in [master, *master.children(recursive=True)]}


def measure(server_pid, port, host, key, path):
    """Download path fully; return bytes read and the peak RSS (MB) of any one worker."""
    before = _tree_rss(server_pid)
    peak = dict(before)
    done = threading.Event()

    def sample():
        while not done.is_set():
            for pid, rss in _tree_rss(server_pid).items():
                peak[pid] = max(peak.get(pid, 0), rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Host": host, "Authorization": f"Token {key}"})
    response = conn.getresponse()
    total = 0
    while chunk := response.read(1 << 16):
        total += len(chunk)
    done.set()
    sampler.join()
    assert response.status == 200, response.status
    return {
        "bytes": total,
        "peak_worker_mb": max(peak.values()) / 2**20,
        "before_worker_mb": max(before.values()) / 2**20,
    }
