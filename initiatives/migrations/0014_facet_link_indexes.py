"""Facet counts and many-to-many filters read from indexes alone.

Filtering on a family or an action level reads "the initiatives linked to
these": Django's own indexes on the link tables are one column each, so each
link is then fetched from the table (38,000 rows for one family out of
100,000 initiatives, on every facet query of a filtered list). Indexed by
(family, initiative), the ids come from the index in order and merge with
the initiatives a kind and an economic model select, also read in id order
from their own index. The link tables are Django's automatic ones, hence
plain SQL (the same on SQLite and PostgreSQL)."""

from django.db import migrations, models

LINKS = [
    ("initiatives_initiative_families", "family_id", "initiative_family_links"),
    (
        "initiatives_initiative_action_levels",
        "actionlevel_id",
        "initiative_action_level_links",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0011_creation_and_stopped_years")]

    operations = [
        migrations.RemoveIndex(
            model_name="initiative",
            name="initiatives_status_e7af65_idx",
        ),
        migrations.AddIndex(
            model_name="initiative",
            index=models.Index(
                fields=["status", "category", "economic_model", "id"],
                name="initiatives_status_b06e19_idx",
            ),
        ),
        *(
            migrations.RunSQL(
                f"CREATE INDEX {name} ON {table} ({column}, initiative_id)",
                f"DROP INDEX {name}",
            )
            for table, column, name in LINKS
        ),
    ]
