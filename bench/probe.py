"""In-process measurements of one benchmark database (`python -m bench.probe`).

Run with DATABASE_URL (and CACHE_URL if any) as the servers get them. Writes
one JSON file: the pages as they resolve on this database (an absent page is
one that answers 404: another part of the work has not landed yet), their cold
timings (the shared cache cleared before every call, Django's test client, no
web server), their SQL query counts cold and warm, the map payload size, and
session cookies for the pages behind a login.

    python -m bench.probe out.json [--runs 15]
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatoire.settings")

import django  # noqa: E402

django.setup()
# An absent page is reported as such, not logged as a 404 on every call.
logging.getLogger("django.request").setLevel(logging.ERROR)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ateliers.models import Workshop  # noqa: E402
from initiatives.models import Category, Family, Initiative  # noqa: E402
from observatoire.models import Territory  # noqa: E402

# What a browser sends: pages may be compressed on the wire.
BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br", "HTTP_ACCEPT_LANGUAGE": "fr"}
USERS = {"moderator": "bench-moderation", "agent": "bench-agent"}


def _slug(queryset, default=""):
    return queryset.values_list("slug", flat=True).first() or default


def page_candidates() -> list[dict]:
    """Every measured page: key, label, candidate URLs (the first that answers
    is measured; portraits move to their own URLs when they land), who is
    logged in, and which targets apply."""
    region = Territory.objects.filter(kind="region", code="53").first()
    departement = Territory.objects.filter(kind="departement", code="29").first()
    other = Territory.objects.filter(kind="departement", code="35").first()
    commune = Territory.objects.communes().order_by("-population").first()
    category = _slug(Category.objects.filter(initiatives__isnull=False))
    family = _slug(Family.objects.all())
    published = Initiative.objects.published().order_by("pk")
    # The same record in the 1,000 and the 100,000 databases (the generator
    # makes the same first thousand), so its page compares like for like.
    middle = (
        published[min(published.count(), 1000) // 2] if published.exists() else None
    )
    three = f"type={category}&famille={family}&modele=free"
    region_slug = region.slug if region else "absent"
    dep_slug = departement.slug if departement else "absent"
    return [
        {"key": "home", "label": "Accueil", "urls": ["/"], "ratio": 0.5},
        {
            "key": "list",
            "label": "Liste, sans filtre",
            "urls": ["/initiatives/"],
            "ratio": 0.5,
        },
        {
            "key": "list_facets",
            "label": "Liste, trois facettes",
            "urls": [f"/initiatives/?{three}"],
            "ratio": 0.5,
            "target_p50_ms": 80,
        },
        {
            "key": "list_deep",
            "label": "Liste, page 4 000",
            "urls": ["/initiatives/?page=4000"],
        },
        {
            "key": "list_territory",
            "label": "Liste, une région",
            "urls": [f"/initiatives/?territoire={region_slug}"],
        },
        {
            "key": "list_q",
            "label": "Liste, ?q=jardin",
            "urls": ["/initiatives/?q=jardin"],
            "ratio": 0.2,
        },
        {
            "key": "search",
            "label": "Recherche « jardin »",
            "urls": ["/recherche/?q=jardin"],
            "ratio": 0.2,
            "target_p95_ms": 60,
        },
        {
            "key": "detail",
            "label": "Fiche d'une initiative",
            "urls": [middle.get_absolute_url() if middle else "/initiatives/absent/"],
            "ratio": 0.5,
        },
        {"key": "map", "label": "Page carte", "urls": ["/carte/"], "ratio": 0.5},
        {
            "key": "map_data",
            "label": "Carte, données (tout)",
            "urls": ["/carte/donnees.json"],
            "ratio": 0.2,
            "target_p50_ms": 500,
        },
        {
            "key": "map_data_dep",
            "label": "Carte, données (un département)",
            "urls": [f"/carte/donnees.json?territoire={dep_slug}"],
            "ratio": 0.2,
        },
        {
            "key": "portrait_france",
            "label": "Portrait : France",
            "urls": ["/territoires/france/"],
            "ratio": 0.5,
            "target_p50_ms": 150,
        },
        {
            "key": "portrait_region",
            "label": "Portrait : une région",
            "urls": ["/territoires/53/", f"/territoires/{region_slug}/"],
            "ratio": 0.5,
        },
        {
            "key": "portrait_commune",
            "label": "Portrait : une commune",
            "urls": [
                f"/territoires/{commune.code}/" if commune else "/territoires/x/",
                f"/territoires/{commune.slug}/" if commune else "/territoires/x/",
            ],
            "ratio": 0.5,
        },
        {
            "key": "compare",
            "label": "Comparer deux départements",
            "urls": [
                f"/territoires/comparer/?t={dep_slug}"
                f"&t={other.slug if other else 'absent'}",
                "/territoires/comparer/?t=29&t=35",
            ],
        },
        {
            "key": "dashboard",
            "label": "Tableau de bord (agent)",
            "urls": ["/tableau-de-bord/"],
            "role": "agent",
        },
        {
            "key": "moderation",
            "label": "File de modération (1 000 en attente)",
            "urls": ["/moderation/"],
            "role": "moderator",
            "target_p50_ms": 300,
        },
    ]


def _clients() -> dict[str, Client]:
    User = get_user_model()
    clients = {None: Client(**BROWSER)}
    for role, username in USERS.items():
        client = Client(**BROWSER)
        client.force_login(User.objects.get(username=username))
        clients[role] = client
    return clients


def _fetch(client: Client, url: str):
    """One call; the body read to the end (exports and streams included)."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            size = len(response.content)
        elapsed = time.perf_counter() - started
    return response, elapsed, len(queries), size


def resolve(client: Client, urls: list[str]) -> str | None:
    """The first candidate that answers (after redirects), or None."""
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code == 200:
            if response.redirect_chain:
                return response.redirect_chain[-1][0]
            return url
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# Enough calls for a median even when a page is slow, without letting one slow
# page stretch the run past its quarter of an hour.
MIN_RUNS = 3
SECONDS_PER_PAGE = 8


def measure(page: dict, client: Client, runs: int) -> dict:
    timings, cold_queries = [], None
    for _ in range(runs):
        if len(timings) >= MIN_RUNS and sum(timings) > SECONDS_PER_PAGE * 1000:
            break
        cache.clear()
        response, elapsed, queries, _size = _fetch(client, page["url"])
        timings.append(elapsed * 1000)
        if cold_queries is None:
            cold_queries = queries
    response, _elapsed, warm_queries, size = _fetch(client, page["url"])
    return {
        "status": response.status_code,
        "cold_ms": timings,
        "cold_p50": statistics.median(timings),
        "cold_p95": percentile(timings, 0.95),
        "cold_queries": cold_queries,
        "warm_queries": warm_queries,
        "bytes_sent": size,
        "encoding": response.get("Content-Encoding", ""),
    }


def session_cookie(client: Client) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def map_payload(client: Client) -> dict:
    """Bytes per located initiative, raw (no Accept-Encoding) and compressed."""
    located = Initiative.objects.published().filter(latitude__isnull=False).count() or 1
    raw = Client().get("/carte/donnees.json")
    sent = client.get("/carte/donnees.json")
    return {
        "located": located,
        "raw_bytes": len(raw.content),
        "sent_bytes": len(sent.content),
        "encoding": sent.get("Content-Encoding", ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    clients = _clients()
    client = clients[None]
    client.get("/")  # imports, templates, first connection
    pages = []
    for page in page_candidates():
        page_client = clients[page.get("role")]
        page["url"] = resolve(page_client, page.pop("urls"))
        if page["url"] is None:
            page["absent"] = True
        else:
            page.update(measure(page, page_client, args.runs))
            if page.get("role"):
                page["cookie"] = session_cookie(page_client)
        pages.append(page)
        print(
            f"  {page['label']:<40} "
            + (
                "absente"
                if page.get("absent")
                else f"froid p50 {page['cold_p50']:7.1f} ms, "
                f"{page['cold_queries']} requêtes"
            ),
            flush=True,
        )
    result = {
        "vendor": connection.vendor,
        "database": str(connection.settings_dict["NAME"]),
        "published": Initiative.objects.published().count(),
        "pending": Initiative.objects.pending().count(),
        "workshops": Workshop.objects.count(),
        "communes": Territory.objects.communes().count(),
        "pages": pages,
        "map": map_payload(client),
    }
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
