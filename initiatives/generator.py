"""Synthetic initiatives for demos and benchmarks, clearly marked as such
(`is_demo`, source "Démonstration"), spread over real communes."""

import random
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from initiatives.models import ActionLevel, Category, Family, Initiative, ResourceType
from observatoire.models import Territory

DEMO_SOURCE = "Démonstration"
BATCH_SIZE = 2000

NAME_PATTERNS = [
    "{kind} de {commune}",
    "{kind} du centre de {commune}",
    "{kind} des Quatre-Vents ({commune})",
    "{kind} solidaire de {commune}",
    "{kind} du quartier Saint-Martin ({commune})",
    "{kind} « Les Mains Vertes » ({commune})",
    "{kind} de la gare ({commune})",
    "{kind} « L'Échappée » ({commune})",
    "{kind} intercommunal·e de {commune}",
]
SUMMARIES = [
    "Un lieu ouvert à toutes et tous pour partager, apprendre et faire ensemble.",
    "Des habitants qui mutualisent outils, savoirs et temps au service du quartier.",
    "Rendez-vous chaque semaine pour réparer, échanger et créer du lien.",
    "Une initiative citoyenne soutenue par la commune et des associations locales.",
    "Un collectif qui expérimente une gouvernance partagée des communs.",
    "Un espace de rencontre entre générations, autour de l'alimentation durable.",
]
DESCRIPTION = (
    "Fiche de démonstration générée automatiquement : elle n'existe pas.\n\n"
    "{summary} Les bénévoles accueillent le public {when}. Tout le monde peut "
    "proposer une activité ; les décisions se prennent en assemblée ouverte."
)
WHEN = [
    "le samedi matin",
    "le mercredi après-midi",
    "un soir par semaine",
    "en continu",
]
TAG_POOL = [
    "compost",
    "réemploi",
    "numérique",
    "alimentation",
    "mobilité",
    "lien social",
    "énergie",
    "culture",
    "jeunesse",
    "zéro déchet",
    "biodiversité",
    "entraide",
]


class GeneratorError(Exception):
    """The database lacks what the generator needs; the message says what to do."""


def _weighted_communes(rng: random.Random, count: int) -> list[tuple]:
    communes = list(
        Territory.objects.communes()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values_list("pk", "name", "latitude", "longitude", "population")
    )
    if not communes:
        raise GeneratorError(
            "Aucune commune avec coordonnées n'est chargée : lancez d'abord "
            "« python manage.py load_territories »."
        )
    # Square root of the population: cities get more, small villages still some.
    weights = [max(row[4] or 0, 50) ** 0.5 for row in communes]
    return rng.choices(communes, weights=weights, k=count)


def initiatives_generate_demo(
    *,
    count: int,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create `count` published demo initiatives; returns how many were made."""
    if count <= 0:
        raise GeneratorError("Le nombre d'initiatives doit être positif.")
    categories = list(Category.objects.all())
    if not categories:
        raise GeneratorError(
            "Aucun type de pratique : lancez « python manage.py migrate » qui "
            "crée la liste de départ."
        )
    rng = random.Random(seed)
    families = list(Family.objects.values_list("pk", flat=True))
    levels = list(ActionLevel.objects.values_list("pk", flat=True))
    resources = list(ResourceType.objects.values_list("pk", flat=True))
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAG_POOL]
    content_type = ContentType.objects.get_for_model(Initiative)
    places = _weighted_communes(rng, count)
    token = secrets.token_hex(3)
    now = timezone.now()
    economic_models = Initiative.EconomicModel.values
    governances = Initiative.Governance.values

    made = 0
    for start in range(0, count, BATCH_SIZE):
        batch = []
        for number in range(start, min(start + BATCH_SIZE, count)):
            commune_pk, commune_name, lat, lon, population = places[number]
            category = rng.choice(categories)
            name = rng.choice(NAME_PATTERNS).format(
                kind=category.name, commune=commune_name
            )[:200]
            summary = rng.choice(SUMMARIES)
            spread = 0.004 + min((population or 0) / 2_000_000, 0.03)
            published = now - timedelta(days=rng.randint(0, 1500))
            initiative = Initiative(
                name=name,
                slug=f"{slugify(name)[:190]}-{token}{number:x}",
                summary=summary,
                description=DESCRIPTION.format(summary=summary, when=rng.choice(WHEN)),
                category=category,
                economic_model=rng.choice(economic_models),
                governance=rng.choice(governances),
                commune_id=commune_pk,
                latitude=round(lat + rng.gauss(0, spread), 6),
                longitude=round(lon + rng.gauss(0, spread * 1.4), 6),
                organisation=f"Association {commune_name} en commun"[:200],
                status=Initiative.Status.PUBLISHED,
                created_at=published - timedelta(days=rng.randint(1, 60)),
                published_at=published,
                source=DEMO_SOURCE,
                is_demo=True,
            )
            initiative.search_text = initiative.build_search_text()
            batch.append(initiative)
        _save_batch(batch, rng, families, levels, resources, tags, content_type)
        made += len(batch)
        if progress:
            progress(made, count)
    return made


@transaction.atomic
def _save_batch(batch, rng, families, levels, resources, tags, content_type):
    saved = Initiative.objects.bulk_create(batch)
    through = Initiative.families.through, Initiative.action_levels.through
    family_rows, level_rows, resource_rows, tag_rows = [], [], [], []
    for initiative in saved:
        for pk in rng.sample(families, k=min(len(families), rng.randint(1, 2))):
            family_rows.append(through[0](initiative_id=initiative.pk, family_id=pk))
        for pk in rng.sample(levels, k=min(len(levels), rng.randint(0, 2))):
            level_rows.append(
                through[1](initiative_id=initiative.pk, actionlevel_id=pk)
            )
        for pk in rng.sample(resources, k=min(len(resources), rng.randint(1, 2))):
            resource_rows.append(
                Initiative.resources.through(
                    initiative_id=initiative.pk, resourcetype_id=pk
                )
            )
        for tag in rng.sample(tags, k=rng.randint(0, 3)):
            tag_rows.append(
                TaggedItem(content_type=content_type, object_id=initiative.pk, tag=tag)
            )
    through[0].objects.bulk_create(family_rows)
    through[1].objects.bulk_create(level_rows)
    Initiative.resources.through.objects.bulk_create(resource_rows)
    TaggedItem.objects.bulk_create(tag_rows)
