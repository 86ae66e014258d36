"""`make bench`: the site at national scale, measured against a bare Django view.

For each database (PostgreSQL, then SQLite), in one run:

1. builds the dataset once and reuses it (bench/dataset.py);
2. measures every page in-process, cold (shared cache cleared before each
   call): p50/p95 and SQL queries, and the same on a 1,000-initiative
   PostgreSQL database to compare (bench/probe.py);
3. serves the site as production does (DEBUG off, collected static files
   behind whitenoise, gunicorn with 2 sync workers) next to the bare view
   (bench/bare.py) under the same settings, and loads each page with wrk
   (127.0.0.1 only, bounded in time), the bare view at the start and the end;
   on PostgreSQL once more with CACHE_URL=redis://…;
4. downloads the CSV export of everything (time to first byte, total, growth
   of the worker's memory), weighs the map data as sent, and times the map
   with 100,000 points in headless Chromium until its clusters show;
5. writes bench/REPORT.md and exits 1 when a target is missed.

Environment: BENCH_PG_URL, BENCH_PG_SMALL_URL, BENCH_SQLITE_URL, BENCH_REDIS_URL
(empty to skip that pass), BENCH_DATABASES=postgresql,sqlite, BENCH_DURATION
(seconds of wrk per page, default 5), BENCH_RUNS (cold calls per page, 15:
this machine is shared, and a median of 7 moved by a fifth from run to run).
"""

import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import browser, http, report

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/perf_bench")
PG_SMALL_URL = os.environ.get(
    "BENCH_PG_SMALL_URL", "postgres://postgres@127.0.0.1:5432/perf_bench_small"
)
SQLITE_URL = os.environ.get("BENCH_SQLITE_URL", f"sqlite:///{ROOT}/var/bench.sqlite3")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASES = os.environ.get("BENCH_DATABASES", "postgresql,sqlite").split(",")
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
WRK = ["wrk", "-t2", "-c16", "--timeout", "10s"]


def say(message: str) -> None:
    print(message, flush=True)


def environment(database_url: str, cache_url: str = "") -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "observatoire.settings",
        "DEBUG": "0",
        "ALLOW_INSECURE_SECRET_KEY": "1",
        "SERVE_MEDIA": "1",
        "LOG_LEVEL": "ERROR",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
    }


def run(args: list[str], env: dict) -> None:
    subprocess.run(args, env=env, cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn as `make serve` runs it (2 sync workers), on a free port."""

    def __init__(self, app: str, env: dict, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = VAR / f"{name}.log"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                app,
                "--workers",
                "2",
                "--timeout",
                "120",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                str(VAR / f"{name}-access.log"),
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {name} s'est arrêté : voir {log}")
            try:
                # Any answer will do (the bare view has no /healthz).
                http.get(self.url + "/healthz", timeout=10)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {name} ne répond pas : voir {log}")

    def workers(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wrk(url: str, *, cookie: str = "", seconds: int = DURATION) -> dict:
    headers = ["-H", "Accept-Encoding: gzip, deflate, br", "-H", "Accept-Language: fr"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [
            *WRK,
            f"-d{seconds}s",
            "-s",
            str(ROOT / "bench" / "wrk_report.lua"),
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if not output.strip():
        # wrk itself failed (every connection refused…): nothing measured.
        return {
            "requests": 0,
            "duration_us": seconds * 1e6,
            "bytes": 0,
            "p50_us": 0,
            "p95_us": 0,
            "p99_us": 0,
            "non_2xx_3xx": 0,
            "socket_errors": 1,
            "rps": 0.0,
        }
    data = json.loads(output.strip().splitlines()[-1])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def drain(server: Gunicorn) -> None:
    """Wait until the workers have answered what wrk left queued (wrk stops
    sending, not the server working): one plain call per worker, each served
    after the queue."""
    for _ in range(2):
        try:
            http.get(server.url + "/healthz", timeout=120)
        except OSError:
            pass


def load_pages(site: Gunicorn, bare: Gunicorn, pages: list[dict]) -> dict:
    """wrk on the bare view (start and end of the pass) and on every page."""
    say(f"  wrk {DURATION} s par page, 2 workers, 16 connexions")
    bare_runs = [wrk(bare.url + "/")]
    results = {}
    for page in pages:
        if page.get("absent"):
            continue
        url = site.url + page["url"]
        cookie = page.get("cookie", "")
        # One full call fills the caches; a short run warms both workers.
        try:
            http.get(url, cookie=cookie, timeout=60)
        except OSError:
            pass  # too slow to warm: wrk reports it
        wrk(url, cookie=cookie, seconds=1)
        drain(site)
        results[page["key"]] = wrk(url, cookie=cookie)
        drain(site)
        say(f"    {page['label']:<40} {results[page['key']]['rps']:8.0f} req/s")
    bare_runs.append(wrk(bare.url + "/"))
    bare_rps = sum(run["rps"] for run in bare_runs) / len(bare_runs)
    runs = " / ".join(f"{run['rps']:.0f}" for run in bare_runs)
    say(f"    vue Django nue : {runs} req/s")
    return {"bare": bare_runs, "bare_rps": bare_rps, "pages": results}


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's own database if it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not found:
                say(f"  création de la base {name}")
                connection.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                )
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"PostgreSQL injoignable ({admin}) : {error}\nLancez PostgreSQL ou "
            "mesurez SQLite seul avec BENCH_DATABASES=sqlite."
        ) from None


def redis_available(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def measure_database(vendor: str) -> dict:
    url = PG_URL if vendor == "postgresql" else SQLITE_URL
    env = environment(url)
    say(f"\n== {vendor} ==")
    if vendor == "postgresql":
        ensure_postgres_database(PG_URL)
        if PG_SMALL_URL:
            ensure_postgres_database(PG_SMALL_URL)
    run([PYTHON, "-m", "bench.dataset"], env)
    probe_file = VAR / f"probe-{vendor}.json"
    say("  mesures à froid, dans le processus")
    run([PYTHON, "-m", "bench.probe", str(probe_file), "--runs", str(RUNS)], env)
    probe = json.loads(probe_file.read_text())
    result = {"vendor": vendor, "probe": probe}
    if vendor == "postgresql" and PG_SMALL_URL:
        small_env = {**environment(PG_SMALL_URL), "BENCH_SIZE": "1000"}
        say("  même chose sur 1 000 initiatives")
        run([PYTHON, "-m", "bench.dataset"], small_env)
        small_file = VAR / "probe-postgresql-1000.json"
        run(
            [PYTHON, "-m", "bench.probe", str(small_file), "--runs", str(RUNS)],
            small_env,
        )
        result["small"] = json.loads(small_file.read_text())

    bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
    with (
        Gunicorn("observatoire.wsgi", env, f"site-{vendor}") as site,
        Gunicorn("bench.bare:application", bare_env, f"bare-{vendor}") as bare,
    ):
        result["load"] = load_pages(site, bare, probe["pages"])
        drain(site)
        say("  export CSV de tout")
        result["export"] = http.download(
            site.url + "/initiatives/export.csv", workers=site.workers()
        )
        say(
            f"    premier octet {result['export']['ttfb_ms']:.0f} ms, "
            f"total {result['export']['total_ms']:.0f} ms"
        )
        result["map_sent"] = http.get(
            site.url + "/carte/donnees.json", timeout=60, compressed=True
        )
        if vendor == "postgresql":
            say("  carte dans Chromium")
            try:
                result["browser"] = browser.time_clusters(site.url + "/carte/")
            except Exception as error:  # reported as a miss, the run goes on
                result["browser"] = {"failed": f"{type(error).__name__}: {error}"}
    if result.get("small"):
        say("  liste sous charge sur 1 000 initiatives")
        small_env = environment(PG_SMALL_URL)
        lists = [page for page in result["small"]["pages"] if page["key"] == "list"]
        with (
            Gunicorn("observatoire.wsgi", small_env, "site-postgresql-1000") as site,
            Gunicorn(
                "bench.bare:application", bare_env, "bare-postgresql-1000"
            ) as bare,
        ):
            result["small_load"] = load_pages(site, bare, lists)
    if vendor == "postgresql" and REDIS_URL and not redis_available(REDIS_URL):
        say(f"  Redis injoignable ({REDIS_URL}) : passe Redis omise")
        result["redis_absent"] = REDIS_URL
    elif vendor == "postgresql" and REDIS_URL:
        say(f"  cache Redis ({REDIS_URL})")
        redis_env = environment(url, REDIS_URL)
        with (
            Gunicorn("observatoire.wsgi", redis_env, f"site-{vendor}-redis") as site,
            Gunicorn(
                "bench.bare:application",
                {**redis_env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"},
                f"bare-{vendor}-redis",
            ) as bare,
        ):
            result["load_redis"] = load_pages(site, bare, probe["pages"])
    return result


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024),
        "python": platform.python_version(),
        "load": os.getloadavg(),
        "commit": os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip(),
    }


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        environment(SQLITE_URL),
    )
    results = [measure_database(vendor) for vendor in DATABASES]
    info = machine()
    info["date"] = datetime.datetime.now().astimezone().isoformat(timespec="minutes")
    info["minutes"] = (time.monotonic() - started) / 60
    text, missed = report.render(info, results)
    (ROOT / "bench" / "REPORT.md").write_text(text, encoding="utf-8")
    (VAR / "results.json").write_text(json.dumps(results, indent=1))
    say(f"\nbench/REPORT.md écrit ({info['minutes']:.1f} min).")
    if missed:
        say("Cibles manquées :\n" + "\n".join(f"  - {line}" for line in missed))
        return 1
    say("Toutes les cibles sont tenues.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
