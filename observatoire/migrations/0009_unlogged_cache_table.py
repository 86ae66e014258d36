"""The database cache's table unlogged on PostgreSQL.

Every cache write (a data version created after a clear, facet counts, a
whole page) is its own transaction, and a logged one waits at commit for the
write-ahead log to reach the disk: about 3 ms each, most of a cold page's
cache cost. An unlogged table writes no log, so its commits do not wait.
What it gives up is what a cache does not need: after a crash PostgreSQL
empties the table, which costs a cold cache and never a stale page (lost data
versions are replaced by new ones, observatoire/versions.py), and standbys
get no copy (the README already leaves the cache out of backups). `make`'s
`createcachetable` skips the existing table, so it stays unlogged."""

from django.db import migrations

TABLE = "observatoire_cache"


def _set(persistence: str):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        if TABLE in connection.introspection.table_names():
            quoted = connection.ops.quote_name(TABLE)
            schema_editor.execute(f"ALTER TABLE {quoted} SET {persistence}")

    return run


class Migration(migrations.Migration):
    dependencies = [("observatoire", "0008_repair_tag_slugs")]

    operations = [migrations.RunPython(_set("UNLOGGED"), _set("LOGGED"))]
