"""`make loadtest`: citizens, readers and moderators at once against gunicorn +
PostgreSQL on 127.0.0.1, bounded in time; then a check that nothing was lost.

1. prepares the database (migrate, territories, published initiatives,
   moderator accounts) and collects static files;
2. starts gunicorn (LOAD_WORKERS sync workers) behind a pretend proxy
   (TRUSTED_PROXIES=1: each simulated person has an X-Forwarded-For address);
3. runs locust headless for LOAD_DURATION seconds with LOAD_USERS users
   (bench/load/locustfile.py);
4. checks: every submission answered by the success page is stored exactly
   once (with its image when it had one), none answered otherwise is stored
   even in part, no 5xx in gunicorn's request log, people's pace never
   limited, the flood limited;
5. writes LOAD_REPORT (bench/LOAD.md) and exits 1 when a check fails.

Environment: LOAD_DATABASE_URL (PostgreSQL), LOAD_CACHE_URL (empty: database
cache), LOAD_PORT, LOAD_USERS, LOAD_SPAWN_RATE, LOAD_DURATION, LOAD_WORKERS,
LOAD_INITIATIVES (published records to browse), LOAD_REPORT.
"""

import csv
import datetime
import io
import json
import os
import platform
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))

DATABASE_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/observatoire_load"
)
CACHE_URL = os.environ.get("LOAD_CACHE_URL", "")
PORT = int(os.environ.get("LOAD_PORT", "8190"))
USERS = int(os.environ.get("LOAD_USERS", "40"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "5"))
DURATION = int(os.environ.get("LOAD_DURATION", "120"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
INITIATIVES = int(os.environ.get("LOAD_INITIATIVES", "2000"))
REPORT = Path(os.environ.get("LOAD_REPORT", ROOT / "bench" / "LOAD.md"))
SECRET_KEY = "load-test-only-" + "k3y-" * 12


def say(text: str) -> None:
    print(f"[loadtest] {text}", flush=True)


def _env() -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG"}},
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "VAR_DIR": str(VAR),
        "MEDIA_ROOT": str(VAR / "media"),
        "SERVE_MEDIA": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "TRUSTED_PROXIES": "1",
        # Mail goes nowhere: the load test measures the site, not an SMTP server.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "INFO",
    }


def manage(*args: str, code: str | None = None) -> str:
    command = [PYTHON, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    result = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=1800
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} a échoué :\n{result.stderr}")
    return result.stdout


def ensure_database() -> None:
    import psycopg

    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL injoignable ({DATABASE_URL}) : {error}")


PREPARE = """
import json, secrets
from django.contrib.auth.models import Group, User
from django.db.models import Count, Q
from initiatives.models import Initiative
from observatoire import roles
from observatoire.models import Territory
moderators = []
for i in range(1, 4):
    user, _ = User.objects.get_or_create(username=f"charge-moderation-{i}")
    password = secrets.token_urlsafe(16)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=roles.MODERATION))
    moderators.append([user.username, password])
busy = [
    (territory.slug, territory.label)
    for territory in Territory.objects.filter(kind="commune")
    .select_related("parent")
    .annotate(n=Count("initiatives", filter=Q(initiatives__status="published")))
    .filter(n__gt=0).order_by("-n")[:50]
]
print(json.dumps({
    "moderators": moderators,
    "territories": [slug for slug, _ in busy],
    "communes": [code for _, code in busy][:20],
    "published": Initiative.objects.published().count(),
}))
"""

CHECK = """
import datetime, json
from collections import Counter
from initiatives.models import Initiative, ModerationEvent
run = {run!r}
rows = list(Initiative.objects.filter(name__startswith=f"Charge {{run}} ")
            .values_list("pk", "name", "image"))
submitted = set(ModerationEvent.objects.filter(
    initiative__name__startswith=f"Charge {{run}} ", action="submitted"
).values_list("initiative_id", flat=True))
from django.core.files.storage import default_storage
print(json.dumps({{
    "counts": Counter(name for _, name, _ in rows),
    "with_image": [name for _, name, image in rows
                   if image and default_storage.exists(image)],
    "without_history": [name for pk, name, _ in rows if pk not in submitted],
    "approved": ModerationEvent.objects.filter(
        action="approved", at__gte=datetime.datetime.fromisoformat({since!r})
    ).count(),
}}))
"""


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def prepare() -> dict:
    say(f"base {DATABASE_URL} : migrations")
    ensure_database()
    manage("migrate", "--noinput", "--verbosity", "0")
    facts = _last_json(manage("shell", code=PREPARE))
    if len(facts["territories"]) < 5:
        say("chargement des territoires officiels")
        manage("load_territories", "--verbosity", "0")
    if facts["published"] < INITIATIVES:
        say(f"création de {INITIATIVES - facts['published']} initiatives publiées")
        manage(
            "generate_demo_initiatives",
            str(INITIATIVES - facts["published"]),
            "--force",
        )
    facts = _last_json(manage("shell", code=PREPARE))
    manage("collectstatic", "--noinput", "--verbosity", "0")
    return facts


def _photo() -> Path:
    from PIL import Image

    path = VAR / "photo.jpg"
    Image.new("RGB", (800, 600), (90, 140, 60)).save(path, "JPEG", quality=85)
    return path


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn s'est arrêté au démarrage (voir var/load/gunicorn.log)")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} ne répond pas")


def run_load(facts: dict, run: str) -> subprocess.CompletedProcess:
    url = f"http://127.0.0.1:{PORT}"
    journal = VAR / "journal.jsonl"
    journal.unlink(missing_ok=True)
    log = (VAR / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [GUNICORN, "observatoire.wsgi", "--bind", f"127.0.0.1:{PORT}"]
        + ["--workers", str(WORKERS), "--timeout", "60"],
        cwd=ROOT,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(url, server)
        say(f"{USERS} utilisateurs pendant {DURATION} s sur {url}")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            "LOAD_RUN": run,
            "LOAD_JOURNAL": str(journal),
            "LOAD_IMAGE": str(_photo()),
            "LOAD_TERRITORIES": json.dumps(facts["territories"]),
            "LOAD_COMMUNES": json.dumps(facts["communes"]),
            "LOAD_MODERATORS": json.dumps(facts["moderators"]),
        }
        return subprocess.run(
            [PYTHON, "-m", "locust", "-f", "bench/load/locustfile.py", "--headless"]
            + ["-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{DURATION}s"]
            + ["--host", url, "--csv", str(VAR / "stats"), "--only-summary"]
            + ["--stop-timeout", "15", "--loglevel", "WARNING"],
            cwd=ROOT,
            env=env,
            timeout=DURATION + 180,
            capture_output=True,
            text=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def _server_errors() -> list[str]:
    lines = (VAR / "gunicorn.log").read_text(errors="replace").splitlines()
    return [line for line in lines if "event=request" in line and " status=5" in line]


def _stats() -> list[dict]:
    path = VAR / "stats_stats.csv"
    return list(csv.DictReader(path.open())) if path.exists() else []


def check(run: str, since: datetime.datetime) -> tuple[dict, list[str]]:
    journal = [
        json.loads(line)
        for line in (VAR / "journal.jsonl").read_text().splitlines()
        if line.strip()
    ]
    code = CHECK.format(run=run, since=since.isoformat())
    stored = _last_json(manage("shell", code=code))
    counts = stored["counts"]
    problems = []
    outcomes = Counter((entry["who"], entry["outcome"]) for entry in journal)
    for entry in journal:
        found = counts.get(entry["name"], 0)
        if entry["outcome"] == "accepted" and found != 1:
            problems.append(f"envoi confirmé {entry['name']} stocké {found} fois")
        elif entry["outcome"] != "accepted" and found:
            problems.append(
                f"envoi refusé ({entry['status']}) {entry['name']} stocké malgré tout"
            )
        if (
            entry["outcome"] == "accepted"
            and entry["image"]
            and entry["name"] not in stored["with_image"]
        ):
            problems.append(f"image de {entry['name']} absente")
    known = {entry["name"] for entry in journal}
    problems += [
        f"{name} stocké sans envoi connu" for name in counts if name not in known
    ]
    problems += [f"{name} sans historique" for name in stored["without_history"]]
    failures = [
        row
        for row in _stats()
        if row["Name"] != "Aggregated" and int(row["Failure Count"])
    ]
    problems += [
        f"{row['Failure Count']} échecs sur {row['Type']} {row['Name']} "
        "(var/load/stats_failures.csv)"
        for row in failures
    ]
    errors = _server_errors()
    if errors:
        problems.append(f"{len(errors)} réponses 5xx (var/load/gunicorn.log)")
    if outcomes[("Citizen", "rate_limited")]:
        problems.append(
            f"{outcomes[('Citizen', 'rate_limited')]} envois de personnes limités"
        )
    flood_sent = sum(n for (who, _), n in outcomes.items() if who == "Flood")
    if flood_sent > 5 and not outcomes[("Flood", "rate_limited")]:
        problems.append("le flot d'envois d'une seule adresse n'a pas été limité")
    problems += [
        f"{entry['name']} refusé (400) : "
        + " ".join(entry["detail"].split("<li>")[1:2]).split("</li>")[0]
        for entry in journal
        if entry["outcome"] == "invalid"
    ]
    for kind in ("error", "invalid"):
        for who in ("Citizen", "Flood"):
            if outcomes[(who, kind)]:
                problems.append(f"{outcomes[(who, kind)]} envois {who} : {kind}")
    facts = {
        "outcomes": outcomes,
        "approved": stored["approved"],
        "server_errors": len(errors),
        "journal": len(journal),
    }
    return facts, problems


def _table(rows: list[dict]) -> str:
    out = io.StringIO()
    out.write(
        "| requête | nombre | échecs | p50 ms | p95 ms | p99 ms | max ms | req/s |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    )
    for row in rows:
        name = f"{row['Type']} {row['Name']}".strip()
        out.write(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} | "
            f"{float(row['Requests/s']):.1f} |\n"
        )
    return out.getvalue()


def write_report(facts: dict, problems: list[str], run: str, started: float) -> None:
    outcomes = facts["outcomes"]

    def n(who, outcome):
        return outcomes[(who, outcome)]

    load = os.getloadavg()
    now = datetime.datetime.now(datetime.UTC)
    gaps = "".join(f"\n- {problem}" for problem in problems[:50]) or "\nAucun écart."
    text = f"""# Essai de charge (`make loadtest`)

Généré par `bench/load/__main__.py` le {now:%Y-%m-%d %H:%M} UTC
(essai `{run}`, {time.time() - started:.0f} s au total).

Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs,
charge moyenne à la fin {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.
Serveur : gunicorn, {WORKERS} workers synchrones, PostgreSQL, cache
{"Redis" if CACHE_URL else "en base de données"}, 127.0.0.1:{PORT}.
Charge : {USERS} utilisateurs simultanés pendant {DURATION} s : 3 robots sur une
même adresse, 2 modérateurs, le reste citoyens et lecteurs (4 pour 6).

## Résultat : {"aucune perte, aucune erreur 5xx" if not problems else "ÉCHEC"}

| | envois |
| --- | ---: |
| citoyens : acceptés (page de remerciement) | {n("Citizen", "accepted")} |
| citoyens : limités (429) | {n("Citizen", "rate_limited")} |
| citoyens : erreurs | {n("Citizen", "error") + n("Citizen", "invalid")} |
| robots (une adresse) : acceptés | {n("Flood", "accepted")} |
| robots (une adresse) : limités (429) | {n("Flood", "rate_limited")} |
| publications par les modérateurs | {facts["approved"]} |
| réponses 5xx (journal des requêtes) | {facts["server_errors"]} |

Vérification après l'essai : chaque envoi confirmé est en base exactement une
fois, avec son image et son historique ; aucun envoi refusé n'y est, même en
partie.
{gaps}

## Temps de réponse

{_table(_stats())}
"""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text)
    say(f"rapport : {REPORT}")


def main() -> int:
    started = time.time()
    VAR.mkdir(parents=True, exist_ok=True)
    run = secrets.token_hex(4)
    facts = prepare()
    since = datetime.datetime.now(datetime.UTC)
    result = run_load(facts, run)
    if result.returncode not in (0, 1):  # 1: locust saw failures, checked below
        sys.exit(f"locust a échoué :\n{result.stderr[-3000:]}")
    checked, problems = check(run, since)
    write_report(checked, problems, run, started)
    for problem in problems[:20]:
        say(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
