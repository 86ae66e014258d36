"""Build the benchmark dataset once, then reuse it (`python -m bench.dataset`).

Run with DATABASE_URL pointing at the benchmark database. Each part is topped
up only when missing, so a second run costs a few counting queries:

- the official territories and the DOMINO referential;
- BENCH_SIZE published initiatives (default 100,000) over real communes, with
  tags, kinds, families, levels and resources (initiatives.generator);
- 200 published workshops with their sections and items (the four seed
  syntheses, then copies of them placed in other communes);
- 1,000 pending submissions, a tenth of them near-duplicates of published
  initiatives (same commune, a slightly different name, 50 m away);
- a moderator and an agent, whose sessions the harness uses.
"""

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatoire.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ateliers import parsing  # noqa: E402
from ateliers.models import Workshop  # noqa: E402
from ateliers.services import SEEDS_DIR, seeds_load, workshop_create_from_parsed  # noqa: E402
from initiatives.generator import DEMO_SOURCE, initiatives_generate_demo  # noqa: E402
from initiatives.models import Initiative  # noqa: E402
from observatoire import roles  # noqa: E402
from observatoire.models import Territory  # noqa: E402
from referentiel.models import Entry  # noqa: E402

SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
WORKSHOPS = 200
PENDING = 1000
NEAR_DUPLICATES = PENDING // 10
SEED = 2026
USERS = {
    "bench-moderation": roles.MODERATION,
    "bench-agent": roles.AGENTS,
}


def say(message: str) -> None:
    print(message, flush=True)


def progress(done: int, total: int) -> None:
    if done == total or done % 20000 == 0:
        say(f"    {done}/{total}")


def ensure_schema() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def ensure_territories() -> None:
    if not Territory.objects.communes().exists():
        say("  territoires officiels…")
        call_command("load_territories", verbosity=0)


def ensure_referential() -> None:
    if not Entry.objects.exists():
        say("  référentiel DOMINO…")
        call_command("load_referentiel", verbosity=0)


def ensure_published() -> None:
    have = Initiative.objects.published().count()
    if have < SIZE:
        say(f"  {SIZE - have} initiatives publiées…")
        initiatives_generate_demo(count=SIZE - have, seed=SEED, progress=progress)


def ensure_workshops() -> None:
    seeds_load()
    have = Workshop.objects.count()
    if have >= WORKSHOPS:
        return
    say(f"  {WORKSHOPS - have} ateliers…")
    rng = random.Random(SEED)
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    texts = [parsing.parse(path.read_text("utf-8")) for path in seeds]
    communes = list(
        Territory.objects.communes()
        .order_by("-population")
        .values_list("pk", flat=True)[:2000]
    )
    tags = ["coopération", "communs", "transition", "jeunesse", "numérique"]
    for number in range(have, WORKSHOPS):
        parsed = texts[number % len(texts)]
        workshop = workshop_create_from_parsed(
            parsed=parsed,
            title=f"{parsed.title or 'Atelier'} — session {number}"[:300],
            territory_id=rng.choice(communes),
        )
        workshop.tags.set(rng.sample(tags, k=2))
        workshop.publish()


def ensure_pending() -> None:
    have = Initiative.objects.pending().count()
    if have >= PENDING:
        return
    say(f"  {PENDING - have} propositions en attente…")
    twins = max(0, NEAR_DUPLICATES - (have // 10))
    if PENDING - have - twins > 0:
        initiatives_generate_demo(
            count=PENDING - have - twins,
            seed=SEED + 1,
            status=Initiative.Status.PENDING,
        )
    rng = random.Random(SEED + 2)
    originals = list(
        Initiative.objects.published()
        .filter(latitude__isnull=False)
        .select_related("commune")
        .order_by("pk")[: SIZE : max(1, SIZE // twins)][:twins]
        if twins
        else []
    )
    copies = []
    for number, original in enumerate(originals):
        # What a second person typing the same place looks like: case, an
        # extra word, a typo; the pin dropped a few dozen metres away.
        name = [
            original.name.lower(),
            original.name + " (nouveau)",
            original.name.replace("e", "é", 1),
        ][number % 3]
        copy = Initiative(
            name=name,
            slug=f"{original.slug[:200]}-proposition-{number}",
            summary=original.summary,
            category_id=original.category_id,
            commune=original.commune,
            latitude=original.latitude + rng.uniform(-0.0005, 0.0005),
            longitude=original.longitude + rng.uniform(-0.0005, 0.0005),
            status=Initiative.Status.PENDING,
            source=DEMO_SOURCE,
            is_demo=True,
        )
        copy.search_text = copy.build_search_text(commune_name=original.commune.name)
        copies.append(copy)
    Initiative.objects.bulk_create(copies)


def ensure_users() -> None:
    User = get_user_model()
    for username, group in USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.groups.set([Group.objects.get_or_create(name=group)[0]])


def ensure_search_index() -> None:
    """A dataset built before the search index existed gets one (the
    migration creates the table, not its rows)."""
    call_command("rebuild_search_index", "--si-vide", verbosity=0)


def ensure_tallies() -> None:
    """Stored tallies, as a deployment has them once its first portrait of
    France has been read (or after `recount_tallies`)."""
    call_command("recount_tallies", "--si-besoin")


def main() -> int:
    started = time.monotonic()
    say(f"Jeu de données ({connection.vendor}, {connection.settings_dict['NAME']})")
    ensure_schema()
    ensure_territories()
    ensure_referential()
    ensure_published()
    ensure_workshops()
    ensure_pending()
    ensure_users()
    ensure_search_index()
    with connection.cursor() as cursor:
        # What autovacuum gives a production database after bulk loads: fresh
        # planner statistics and visibility maps (index-only scans). Quick
        # when nothing changed since the last run.
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        )
    ensure_tallies()
    say(
        f"  prêt en {time.monotonic() - started:.0f} s : "
        f"{Initiative.objects.published().count()} publiées, "
        f"{Initiative.objects.pending().count()} en attente, "
        f"{Workshop.objects.count()} ateliers"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
