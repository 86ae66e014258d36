"""The database cache's table, so that `migrate` alone gives a working site
(it used to come only from `make`'s `createcachetable`, which stays harmless:
it skips a table that exists). Created whatever CACHE_URL says today, so that
going back from Redis to the database cache needs no extra step."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

TABLE = "observatoire_cache"


def create(apps, schema_editor):
    alias = schema_editor.connection.alias
    command = Command()
    command.verbosity = 0
    command.create_table(alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(
            f"DROP TABLE {schema_editor.connection.ops.quote_name(TABLE)}"
        )


class Migration(migrations.Migration):
    dependencies = [("observatoire", "0005_search_document")]

    operations = [migrations.RunPython(create, drop)]
