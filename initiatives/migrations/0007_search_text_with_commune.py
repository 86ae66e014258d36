"""Recompute the folded search text, which now includes the commune's name."""

from django.db import migrations

from observatoire.text import fold

SEARCHED_FIELDS = ("name", "summary", "description", "organisation", "address")


def refill(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    rows = Initiative.objects.select_related("commune").only(
        *SEARCHED_FIELDS, "commune__name", "search_text"
    )
    batch = []
    for initiative in rows.iterator(chunk_size=2000):
        texts = [getattr(initiative, name) or "" for name in SEARCHED_FIELDS]
        initiative.search_text = fold(" ".join([*texts, initiative.commune.name]))
        batch.append(initiative)
        if len(batch) >= 2000:
            Initiative.objects.bulk_update(batch, ["search_text"])
            batch = []
    Initiative.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0006_updated_at_index")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
