"""Demo content of the initiatives app: a few hand-written records in each
moderation state, so the list, the detail page and the moderation queue all
have something to show. Safe to re-run: records are keyed by source id.

The vocabularies (kinds of practice, families, levels of action, resources) are
seeded by migration 0004; `load` only checks they are there."""

from django.contrib.auth import get_user_model
from django.db import transaction

from initiatives.generator import ensure_demo_initiatives
from initiatives.models import (
    ActionLevel,
    Category,
    ChangeProposal,
    Family,
    Initiative,
    ResourceType,
)
from observatoire.models import Territory

DEMO_SOURCE = "Démonstration"
GENERATED_DEMO_COUNT = 150

# (source_id, INSEE code, status, values, families, levels, resources, tags)
RECORDS = [
    (
        "demo-1",
        "29019",
        Initiative.Status.PUBLISHED,
        {
            "name": "Jardin partagé des Capucins",
            "summary": "Un potager collectif au cœur du quartier, ouvert à tous "
            "les habitants le mercredi et le samedi.",
            "description": "Les parcelles sont cultivées **ensemble** ; les "
            "récoltes sont partagées.\n\n- compost collectif\n- grainothèque\n"
            "- ateliers avec l'école voisine",
            "category": "jardin-partage",
            "address": "Place des Capucins",
            "latitude": 48.3858,
            "longitude": -4.5012,
            "economic_model": Initiative.EconomicModel.FREE,
            "governance": Initiative.Governance.ASSOCIATIVE,
            "organisation": "Association Les Pieds dans la terre",
        },
        ["durable", "solidaire"],
        ["lien-entre-collectifs"],
        ["benevolat", "ressources-publiques"],
        ["jardin", "compost", "communs"],
    ),
    (
        "demo-2",
        "29019",
        Initiative.Status.PUBLISHED,
        {
            "name": "Repair café de Recouvrance",
            "summary": "Chaque premier samedi du mois, on répare ensemble "
            "petit électroménager, vélos et vêtements.",
            "category": "repair-cafe",
            "address": "Rue de la Porte",
            "latitude": 48.3830,
            "longitude": -4.4990,
            "economic_model": Initiative.EconomicModel.PAY_WHAT_YOU_CAN,
            "governance": Initiative.Governance.INFORMAL,
        },
        ["durable"],
        ["transition-individuelle"],
        ["benevolat"],
        ["réemploi", "réparation"],
    ),
    (
        "demo-3",
        "29232",
        Initiative.Status.PUBLISHED,
        {
            "name": "Fab lab de Quimper",
            "summary": "Un atelier de fabrication numérique partagé : "
            "imprimantes 3D, découpe laser, documentation libre.",
            "category": "fab-lab",
            "latitude": 47.9960,
            "longitude": -4.1024,
            "economic_model": Initiative.EconomicModel.MIXED,
            "governance": Initiative.Governance.PARTICIPATORY,
        },
        ["libre", "culturel"],
        ["transition-collective"],
        ["ressources-publiques", "ressources-privees"],
        ["communs", "numérique"],
    ),
    (
        "demo-4",
        "29019",
        Initiative.Status.PENDING,
        {
            "name": "Jardin partage des Capucins",
            "summary": "Proposition en attente qui ressemble à une fiche existante "
            "(doublon probable).",
            "category": "jardin-partage",
            "latitude": 48.3860,
            "longitude": -4.5010,
            "submitter_name": "Habitante du quartier",
            "submitter_email": "habitante@example.org",
        },
        [],
        [],
        [],
        [],
    ),
    (
        "demo-5",
        "29232",
        Initiative.Status.PENDING,
        {
            "name": "AMAP du Steir",
            "summary": "Des paniers de légumes bio livrés chaque jeudi par deux "
            "maraîchers du pays de Quimper.",
            "category": "amap",
            "economic_model": Initiative.EconomicModel.PAID,
            "submitter_email": "amap@example.org",
        },
        ["solidaire", "durable"],
        ["lien-entre-collectifs"],
        ["ressources-privees"],
        ["alimentation"],
    ),
]


def load(*, stdout) -> str:
    missing = [
        model._meta.verbose_name_plural
        for model in (Category, Family, ActionLevel, ResourceType)
        if not model.objects.exists()
    ]
    if missing:
        stdout.write(
            "Vocabulaires absents ("
            + ", ".join(str(m) for m in missing)
            + ") : lancez python manage.py migrate."
        )
        return "initiatives : vocabulaires absents"
    created = load_records(stdout=stdout)
    # Synthetic initiatives over real communes, so the map, facets and exports
    # have volume (initiatives/generator.py; idempotent).
    created += ensure_demo_initiatives(count=GENERATED_DEMO_COUNT)
    return (
        f"{Category.objects.count()} types de pratique, "
        f"{created} initiatives de démonstration ajoutées"
    )


@transaction.atomic
def load_records(*, stdout) -> int:
    created = 0
    for source_id, code, status, values, families, levels, resources, tags in RECORDS:
        commune = Territory.objects.communes().filter(code=code).first()
        if commune is None:
            stdout.write(f"Commune {code} absente : fiche {source_id} ignorée.")
            continue
        values = dict(values)
        values["category"] = Category.objects.get(slug=values["category"])
        initiative, was_created = Initiative.objects.get_or_create(
            source=DEMO_SOURCE,
            source_id=source_id,
            # Created pending, then published through the model's transition.
            defaults={
                **values,
                "commune": commune,
                "status": Initiative.Status.PENDING,
                "is_demo": True,
            },
        )
        if not was_created:
            continue
        created += 1
        initiative.families.set(Family.objects.filter(slug__in=families))
        initiative.action_levels.set(ActionLevel.objects.filter(slug__in=levels))
        initiative.resources.set(ResourceType.objects.filter(slug__in=resources))
        if tags:
            initiative.tags.add(*tags)
        if status == Initiative.Status.PUBLISHED:
            moderator = get_user_model().objects.filter(username="moderation").first()
            initiative.approve(by=moderator)
        if source_id == "demo-2":
            ChangeProposal.objects.create(
                initiative=initiative,
                changes={"address": "12 rue de la Porte"},
                message="Le repair café a changé de local (démonstration).",
            )
    return created
