"""Fold again the search text of records with an upper-case Æ: fold() used to
drop it ("LÆTITIA" gave "l titia")."""

from django.db import migrations
from django.db.models import Q

from observatoire.text import fold

SEARCHED_FIELDS = ("name", "summary", "description", "organisation", "address")


def refold(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    affected = Q(commune__name__contains="Æ")
    for name in SEARCHED_FIELDS:
        affected |= Q(**{f"{name}__contains": "Æ"})
    rows = list(Initiative.objects.filter(affected).select_related("commune"))
    for initiative in rows:
        texts = [getattr(initiative, name) or "" for name in SEARCHED_FIELDS]
        initiative.search_text = fold(" ".join([*texts, initiative.commune.name]))
    Initiative.objects.bulk_update(rows, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0008_vocabulary_base")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
