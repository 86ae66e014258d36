"""Time the initiative list, map data and exports over a large published set.

    make bench                       # 100,000 initiatives in var/bench.sqlite3
    BENCH_SIZE=20000 make bench      # smaller, faster
    BENCH_DATABASE_URL=postgres://… make bench

The first run loads the territories and generates the demo initiatives (a
few minutes); later runs reuse them.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from initiatives.generator import initiatives_generate_demo  # noqa: E402
from initiatives.models import Family, Initiative  # noqa: E402
from observatoire.models import Territory  # noqa: E402

SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def prepare() -> None:
    print(f"Base : {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not Territory.objects.communes().exists():
        print("Chargement des territoires…")
        call_command("load_territories", verbosity=0)
    have = Initiative.objects.published().count()
    if have < SIZE:
        print(f"Génération de {SIZE - have} initiatives de démonstration…")
        started = time.monotonic()
        initiatives_generate_demo(
            count=SIZE - have,
            seed=2026,
            progress=lambda done, total: print(f"  {done}/{total}", end="\r"),
        )
        print(f"\n  fait en {time.monotonic() - started:.0f} s")
        with connection.cursor() as cursor:
            # Fresh statistics, as a production database would have.
            cursor.execute("ANALYZE")
    print(f"{Initiative.objects.published().count()} initiatives publiées.\n")


def cases() -> list[tuple[str, str, int]]:
    region = Territory.objects.filter(kind="region", code="53").first()
    commune = (
        Territory.objects.communes().order_by("-population").values("slug").first()
    )
    family = Family.objects.first()
    bretagne = f"territoire={region.slug}" if region else ""
    city = f"territoire={commune['slug']}" if commune else ""
    fam = f"famille={family.slug}" if family else ""
    return [
        ("Liste, sans filtre", "/initiatives/", REPEAT),
        ("Liste, recherche « jardin »", "/initiatives/?q=jardin", REPEAT),
        ("Liste, région Bretagne", f"/initiatives/?{bretagne}", REPEAT),
        (
            "Liste, famille + tri date, p. 40",
            f"/initiatives/?{fam}&tri=-date&page=40",
            REPEAT,
        ),
        ("Liste, plus grande commune", f"/initiatives/?{city}", REPEAT),
        ("Page carte", "/carte/", REPEAT),
        ("Carte : données JSON, tout", "/carte/donnees.json", REPEAT),
        ("Carte : données JSON, Bretagne", f"/carte/donnees.json?{bretagne}", REPEAT),
        ("Carte intégrable", "/carte/embed/", REPEAT),
        ("Export CSV, tout", "/initiatives/export.csv", 1),
        ("Export GeoJSON, tout", "/initiatives/export.geojson", 1),
        ("Export JSON, Bretagne", f"/initiatives/export.json?{bretagne}", 1),
    ]


def measure(client: Client, url: str, repeat: int) -> tuple[list[float], int, int, int]:
    """Timings of `repeat` calls (the first with an empty cache), the size, the
    SQL queries and the status of the first call."""
    timings, size, queries, status = [], 0, 0, 0
    for attempt in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                length = sum(len(chunk) for chunk in response.streaming_content)
            else:
                length = len(response.content)
            timings.append(time.perf_counter() - started)
        if attempt == 0:
            size, queries, status = length, len(captured), response.status_code
    return timings, size, queries, status


def main() -> int:
    prepare()
    client = Client()
    client.get("/initiatives/")  # warm-up: imports, template loading
    cache.clear()
    header = f"{'Mesure':<34} {'à froid':>9} {'ensuite':>9} {'taille':>10} {'SQL':>4}"
    print(header)
    print("-" * len(header))
    failed = False
    for label, url, repeat in cases():
        timings, size, queries, status = measure(client, url, repeat)
        if status != 200:
            failed = True
            print(f"{label:<34} HTTP {status}")
            continue
        cold = timings[0] * 1000
        warm = (
            f"{statistics.median(timings[1:]) * 1000:>6.0f} ms" if timings[1:] else ""
        )
        print(
            f"{label:<34} {cold:>6.0f} ms {warm:>9} {size / 1024:>7.0f} Ko {queries:>4}"
        )
    print(
        f"\nÀ froid : premier appel, cache vidé ; ensuite : médiane des "
        f"{REPEAT - 1} appels suivants (comptes des facettes et marqueurs en "
        "cache). Client de test Django, sans réseau ni serveur web ; SQL : "
        "requêtes du premier appel."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
