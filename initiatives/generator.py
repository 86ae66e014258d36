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


# Approximate centre (the préfecture) of each département: the territory file
# may carry no commune centroids, and a demo map needs points in the right
# region. Demo data only; real initiatives get real coordinates.
DEPARTEMENT_CENTRES = {
    "01": (46.21, 5.23),
    "02": (49.56, 3.62),
    "03": (46.57, 3.33),
    "04": (44.09, 6.24),
    "05": (44.56, 6.08),
    "06": (43.70, 7.27),
    "07": (44.74, 4.60),
    "08": (49.77, 4.72),
    "09": (42.97, 1.61),
    "10": (48.30, 4.08),
    "11": (43.21, 2.35),
    "12": (44.35, 2.57),
    "13": (43.30, 5.37),
    "14": (49.18, -0.37),
    "15": (44.93, 2.44),
    "16": (45.65, 0.16),
    "17": (46.16, -1.15),
    "18": (47.08, 2.40),
    "19": (45.27, 1.77),
    "2A": (41.92, 8.74),
    "2B": (42.70, 9.45),
    "21": (47.32, 5.04),
    "22": (48.51, -2.76),
    "23": (46.17, 1.87),
    "24": (45.18, 0.72),
    "25": (47.24, 6.02),
    "26": (44.93, 4.89),
    "27": (49.02, 1.15),
    "28": (48.45, 1.49),
    "29": (48.20, -4.10),
    "30": (43.84, 4.36),
    "31": (43.60, 1.44),
    "32": (43.65, 0.59),
    "33": (44.84, -0.58),
    "34": (43.61, 3.88),
    "35": (48.11, -1.68),
    "36": (46.81, 1.69),
    "37": (47.39, 0.69),
    "38": (45.19, 5.72),
    "39": (46.67, 5.55),
    "40": (43.89, -0.50),
    "41": (47.59, 1.33),
    "42": (45.44, 4.39),
    "43": (45.04, 3.88),
    "44": (47.22, -1.55),
    "45": (47.90, 1.91),
    "46": (44.45, 1.44),
    "47": (44.20, 0.62),
    "48": (44.52, 3.50),
    "49": (47.47, -0.55),
    "50": (49.12, -1.09),
    "51": (48.96, 4.36),
    "52": (48.11, 5.14),
    "53": (48.07, -0.77),
    "54": (48.69, 6.18),
    "55": (48.77, 5.16),
    "56": (47.75, -2.76),
    "57": (49.12, 6.18),
    "58": (46.99, 3.16),
    "59": (50.63, 3.06),
    "60": (49.43, 2.08),
    "61": (48.43, 0.09),
    "62": (50.29, 2.78),
    "63": (45.78, 3.08),
    "64": (43.30, -0.37),
    "65": (43.23, 0.08),
    "66": (42.70, 2.90),
    "67": (48.57, 7.75),
    "68": (48.08, 7.36),
    "69": (45.76, 4.84),
    "70": (47.62, 6.16),
    "71": (46.31, 4.83),
    "72": (48.00, 0.20),
    "73": (45.56, 5.92),
    "74": (45.90, 6.13),
    "75": (48.86, 2.35),
    "76": (49.44, 1.10),
    "77": (48.54, 2.66),
    "78": (48.80, 2.13),
    "79": (46.32, -0.46),
    "80": (49.89, 2.30),
    "81": (43.93, 2.15),
    "82": (44.02, 1.35),
    "83": (43.20, 6.00),
    "84": (43.95, 4.81),
    "85": (46.67, -1.43),
    "86": (46.58, 0.34),
    "87": (45.83, 1.26),
    "88": (48.17, 6.45),
    "89": (47.80, 3.57),
    "90": (47.64, 6.86),
    "91": (48.63, 2.44),
    "92": (48.89, 2.21),
    "93": (48.91, 2.44),
    "94": (48.79, 2.46),
    "95": (49.04, 2.08),
    "971": (16.25, -61.55),
    "972": (14.64, -61.02),
    "973": (4.93, -52.33),
    "974": (-21.11, 55.53),
    "976": (-12.78, 45.23),
}
SMALL_DEPARTEMENTS = {"75", "92", "93", "94", "90", "2A", "2B"}


class GeneratorError(Exception):
    """The database lacks what the generator needs; the message says what to do."""


def _weighted_communes(rng: random.Random, count: int) -> list[tuple]:
    communes = list(
        Territory.objects.communes().values_list(
            "pk", "name", "latitude", "longitude", "population", "parent__code"
        )
    )
    if not communes:
        raise GeneratorError(
            "Aucune commune n'est chargée : lancez d'abord "
            "« python manage.py load_territories »."
        )
    # Square root of the population: cities get more, small villages still some.
    weights = [max(row[4] or 0, 50) ** 0.5 for row in communes]
    return rng.choices(communes, weights=weights, k=count)


def _point(rng: random.Random, place: tuple) -> tuple[float | None, float | None]:
    """Near the commune centroid, else somewhere around its département's centre."""
    _pk, _name, lat, lon, population, departement = place
    if lat is not None and lon is not None:
        spread = 0.004 + min((population or 0) / 2_000_000, 0.03)
    elif departement in DEPARTEMENT_CENTRES:
        lat, lon = DEPARTEMENT_CENTRES[departement]
        spread = 0.03 if departement in SMALL_DEPARTEMENTS else 0.15
    else:
        return None, None
    return (
        round(lat + rng.gauss(0, spread), 6),
        round(lon + rng.gauss(0, spread * 1.4), 6),
    )


def initiatives_generate_demo(
    *,
    count: int,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    status: str = Initiative.Status.PUBLISHED,
) -> int:
    """Create `count` demo initiatives (published unless `status` says otherwise,
    e.g. a moderation queue to measure); returns how many were made."""
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
            commune_pk, commune_name, *_rest = places[number]
            category = rng.choice(categories)
            name = rng.choice(NAME_PATTERNS).format(
                kind=category.name, commune=commune_name
            )[:200]
            summary = rng.choice(SUMMARIES)
            latitude, longitude = _point(rng, places[number])
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
                latitude=latitude,
                longitude=longitude,
                organisation=f"Association {commune_name} en commun"[:200],
                status=status,
                created_at=published - timedelta(days=rng.randint(1, 60)),
                published_at=published
                if status == Initiative.Status.PUBLISHED
                else None,
                source=DEMO_SOURCE,
                is_demo=True,
            )
            initiative.search_text = initiative.build_search_text(
                commune_name=commune_name
            )
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


def ensure_demo_initiatives(*, count: int, seed: int = 2026) -> int:
    """Top generated demo initiatives up to `count` (safe to re-run); returns how
    many were added. Hand-written demo records (with a source id) don't count."""
    have = Initiative.objects.filter(
        is_demo=True, source=DEMO_SOURCE, source_id=""
    ).count()
    if have >= count or not Territory.objects.communes().exists():
        return 0
    return initiatives_generate_demo(count=count - have, seed=seed)
