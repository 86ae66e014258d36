"""France above the régions, for databases loaded before it existed."""

from django.db import migrations, models
from django.db.models import Sum


def add_france(apps, schema_editor):
    Territory = apps.get_model("observatoire", "Territory")
    regions = Territory.objects.filter(kind="region")
    if not regions.exists():
        return  # an empty database: load_territories creates France
    population = regions.aggregate(total=Sum("population"))["total"] or 0
    france, _created = Territory.objects.update_or_create(
        kind="france",
        code="france",
        defaults={
            "name": "France",
            "search_name": "france",
            "slug": "france",
            "population": population,
            "latitude": 46.6,
            "longitude": 2.4,
        },
    )
    regions.update(parent=france)


def remove_france(apps, schema_editor):
    Territory = apps.get_model("observatoire", "Territory")
    Territory.objects.filter(kind="region").update(parent=None)
    Territory.objects.filter(kind="france").delete()


class Migration(migrations.Migration):
    # After the latest migration on main (re-chained at merge).
    dependencies = [("observatoire", "0007_rate_limit_counter")]

    operations = [
        migrations.AlterField(
            model_name="territory",
            name="kind",
            field=models.CharField(
                choices=[
                    ("france", "France"),
                    ("region", "Région"),
                    ("departement", "Département"),
                    ("epci", "Intercommunalité (EPCI)"),
                    ("commune", "Commune"),
                ],
                max_length=12,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="territory",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "Département d'une commune, région d'un département, "
                    "France d'une région."
                ),
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="children",
                to="observatoire.territory",
                verbose_name="rattachement administratif",
            ),
        ),
        migrations.RunPython(add_france, remove_france),
    ]
