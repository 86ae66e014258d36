"""Give every tag a slug its page address can use.

Before the tag rule (observatoire/tags.py), a tag such as « !!! » or one in a
non-Latin script got an empty slug (or, before accents were folded, one with
non-ASCII letters), and every page listing it failed to build its link.
"""

import re

from django.db import migrations
from django.utils.text import slugify

VALID = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def repair(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        if not VALID.match(tag.slug):
            # Folded like taggit's own slugs; "mot-cle" when nothing is left.
            base = slugify(tag.name)[:90].strip("-_") or "mot-cle"
            slug, number = base, 2
            while slug in taken:
                slug, number = f"{base}-{number}", number + 1
            taken.add(slug)
            tag.slug = slug
            tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("observatoire", "0006_cache_table"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
