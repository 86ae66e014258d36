"""Seed the shared vocabularies: families and levels of action from the Forum des
Usages Coopératifs 2016 synthesis (fixtures seed 003), resource types and the
common kinds of practice. get_or_create keeps whatever admins edited since."""

from django.db import migrations

FAMILIES = [
    ("libre", "Libre", "Logiciel libre, communs informationnels, objets open-source…"),
    ("solidaire", "Solidaire", "ESS, insertion, social, solidarités…"),
    (
        "durable",
        "Durable",
        "Environnement, énergies renouvelables, développement durable…",
    ),
    ("culturel", "Culturel", "Culture durable, médiation culturelle…"),
]

ACTION_LEVELS = [
    (
        "transition-individuelle",
        "La transition individuelle",
        "La transition individuelle en travaillant sur l'émancipation et la "
        "recherche du bonheur.",
    ),
    (
        "lien-entre-collectifs",
        "Produire du lien entre les collectifs",
        "Rechercher à produire du lien entre les collectifs grâce au partage et "
        "à la mutualisation.",
    ),
    (
        "transition-collective",
        "La transition collective",
        "La transition collective en repérant les initiatives pour « donner à "
        "voir » et en travaillant à des formes de gouvernance territoriale des "
        "communs.",
    ),
    (
        "interactions-politique",
        "Les interactions avec les autres groupes et le politique",
        "Cultiver les interactions avec les autres groupes et le politique.",
    ),
]

RESOURCE_TYPES = [
    ("benevolat", "Bénévolat"),
    ("ressources-publiques", "Ressources publiques"),
    ("ressources-privees", "Ressources privées"),
]

# Colours keep a contrast of at least 4.5:1 with the white marker letter.
CATEGORIES = [
    ("jardin-partage", "Jardin partagé", "#2e6b30", "J"),
    ("repair-cafe", "Repair café", "#8a4b00", "R"),
    ("fab-lab", "Fab lab", "#1f4e8c", "F"),
    ("tiers-lieu", "Tiers-lieu", "#6b3fa0", "T"),
    ("amap", "AMAP", "#4d6b00", "A"),
    ("recyclerie", "Recyclerie / ressourcerie", "#5c5c00", "Rc"),
    ("monnaie-locale", "Monnaie locale", "#9c2f5a", "M"),
    ("autopartage", "Autopartage / covoiturage", "#00627a", "Au"),
    ("epicerie-solidaire", "Épicerie solidaire", "#a03000", "E"),
    ("habitat-participatif", "Habitat participatif", "#5a4a8a", "H"),
    ("sel", "SEL / échange de savoirs", "#006b57", "S"),
    ("boite-a-livres", "Boîte à livres / grainothèque", "#7a4a1f", "B"),
    ("atelier-velo", "Atelier vélo", "#b0004a", "V"),
    ("cafe-associatif", "Café associatif", "#4a3b2a", "C"),
    ("autre", "Autre pratique collaborative", "#4a4a4a", "+"),
]


def seed(apps, schema_editor):
    Family = apps.get_model("initiatives", "Family")
    ActionLevel = apps.get_model("initiatives", "ActionLevel")
    ResourceType = apps.get_model("initiatives", "ResourceType")
    Category = apps.get_model("initiatives", "Category")
    for position, (slug, name, description) in enumerate(FAMILIES):
        Family.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )
    for position, (slug, name, description) in enumerate(ACTION_LEVELS):
        ActionLevel.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )
    for position, (slug, name) in enumerate(RESOURCE_TYPES):
        ResourceType.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    for position, (slug, name, colour, icon) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "colour": colour,
                "icon": icon,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0003_moderation")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
