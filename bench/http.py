"""Plain HTTP calls of the harness (127.0.0.1 only): one page, and a timed
download that watches the memory of the gunicorn workers meanwhile."""

import http.client
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit


def _connection(url: str, timeout: float):
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise ValueError("le banc d'essai ne mesure que 127.0.0.1")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), path


def get(url: str, *, cookie: str = "", timeout: float = 10, compressed=False) -> dict:
    """The response's status and its body's size as received."""
    connection, path = _connection(url, timeout)
    headers = {"Accept-Language": "fr"}
    if compressed:
        headers["Accept-Encoding"] = "gzip, deflate, br"
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return {
        "status": response.status,
        "bytes": len(body),
        "encoding": response.getheader("Content-Encoding", ""),
    }


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # a worker gunicorn has killed
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _MemoryWatch(threading.Thread):
    """Largest growth of any worker's resident memory while it runs."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.base = {pid: _rss_kb(pid) for pid in pids}
        self.peak = dict(self.base)
        self.running = True

    def run(self):
        while self.running:
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], _rss_kb(pid))
            time.sleep(0.02)

    def growth_mb(self) -> float:
        self.running = False
        self.join()
        return max(self.peak[pid] - self.base[pid] for pid in self.pids) / 1024


def download(url: str, *, workers: list[int], timeout: float = 120) -> dict:
    """Time to the first byte of the body, total time, size and memory growth."""
    connection, path = _connection(url, timeout)
    watch = _MemoryWatch(workers)
    watch.start()
    started = time.perf_counter()
    size = 0
    ttfb = None
    try:
        connection.request("GET", path, headers={"Accept-Language": "fr"})
        response = connection.getresponse()
        first = response.read1(65536)
        ttfb = time.perf_counter() - started
        size = len(first)
        while chunk := response.read1(65536):
            size += len(chunk)
        total = time.perf_counter() - started
    except (OSError, http.client.HTTPException) as error:
        # A worker killed by gunicorn's timeout cuts the download short.
        return {
            "error": f"{type(error).__name__} après {size} octets",
            "ttfb_ms": ttfb * 1000 if ttfb is not None else None,
            "total_ms": (time.perf_counter() - started) * 1000,
            "bytes": size,
            "memory_growth_mb": watch.growth_mb(),
        }
    finally:
        connection.close()
    return {
        "status": response.status,
        "ttfb_ms": ttfb * 1000,
        "total_ms": total * 1000,
        "bytes": size,
        "memory_growth_mb": watch.growth_mb(),
    }
