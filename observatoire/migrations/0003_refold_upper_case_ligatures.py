"""Fold again the search name of territories with an upper-case Æ: fold() used
to drop it."""

from django.db import migrations

from observatoire.text import fold


def refold(apps, schema_editor):
    Territory = apps.get_model("observatoire", "Territory")
    rows = list(Territory.objects.filter(name__contains="Æ"))
    for territory in rows:
        territory.search_name = fold(territory.name)
    Territory.objects.bulk_update(rows, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("observatoire", "0002_role_groups")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
