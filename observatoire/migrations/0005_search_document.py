"""The site-wide search index: one table of public documents and, beside it,
the full-text index each database does best.

PostgreSQL: a `french_unaccent` text-search configuration (French stemmer
after `unaccent`, so "coopératives" and "cooperation" meet), a generated
`tsvector` column weighting titles above bodies, and a GIN index on it.
SQLite: an FTS5 table over the same rows (`unicode61 remove_diacritics 2`:
accents and case ignored, no stemming), kept in step by triggers. If a later
migration makes SQLite rebuild the table, the triggers must be created again.
"""

import django.db.models.deletion
from django.db import migrations, models


POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent')
      THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
      END IF;
    END $$
    """,
    """
    ALTER TABLE observatoire_searchdocument ADD COLUMN vector tsvector
      GENERATED ALWAYS AS (
        setweight(to_tsvector('french_unaccent'::regconfig, title), 'A')
        || setweight(to_tsvector('french_unaccent'::regconfig, body), 'B')
      ) STORED
    """,
    "CREATE INDEX searchdocument_vector ON observatoire_searchdocument"
    " USING gin (vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS searchdocument_vector",
    "ALTER TABLE observatoire_searchdocument DROP COLUMN IF EXISTS vector",
]

# unicode61 strips accents but keeps the ligatures œ and æ as letters of their
# own: the FTS5 table holds its own copy of the text with them spelled out, so
# "oeuvre" finds "Œuvre" as fold() promises everywhere else.
LIGATURES = "replace(replace(replace(replace({}, 'œ', 'oe'), 'Œ', 'Oe'), 'æ', 'ae'), 'Æ', 'Ae')"
NEW_ROW = (
    "INSERT INTO observatoire_searchdocument_fts(rowid, title, body) VALUES "
    f"(new.id, {LIGATURES.format('new.title')}, {LIGATURES.format('new.body')});"
)
OLD_ROW = "DELETE FROM observatoire_searchdocument_fts WHERE rowid = old.id;"
SQLITE = [
    """
    CREATE VIRTUAL TABLE observatoire_searchdocument_fts USING fts5(
      title, body, tokenize='unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER observatoire_searchdocument_fts_insert
    AFTER INSERT ON observatoire_searchdocument BEGIN {NEW_ROW} END
    """,
    f"""
    CREATE TRIGGER observatoire_searchdocument_fts_delete
    AFTER DELETE ON observatoire_searchdocument BEGIN {OLD_ROW} END
    """,
    f"""
    CREATE TRIGGER observatoire_searchdocument_fts_update
    AFTER UPDATE ON observatoire_searchdocument BEGIN {OLD_ROW} {NEW_ROW} END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS observatoire_searchdocument_fts_insert",
    "DROP TRIGGER IF EXISTS observatoire_searchdocument_fts_delete",
    "DROP TRIGGER IF EXISTS observatoire_searchdocument_fts_update",
    "DROP TABLE IF EXISTS observatoire_searchdocument_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, ()):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("observatoire", "0004_france"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("kind", models.CharField(max_length=20, verbose_name="partie")),
                (
                    "object_id",
                    models.PositiveBigIntegerField(verbose_name="identifiant"),
                ),
                ("title", models.TextField(verbose_name="titre")),
                ("body", models.TextField(blank=True, verbose_name="texte")),
                (
                    "context",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="contexte"
                    ),
                ),
                ("url", models.CharField(max_length=500, verbose_name="adresse")),
                (
                    "territory",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="observatoire.territory",
                        verbose_name="territoire",
                    ),
                ),
            ],
            options={
                "verbose_name": "document de recherche",
                "verbose_name_plural": "documents de recherche",
                "ordering": ["kind", "object_id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id"), name="searchdocument_kind_object"
                    )
                ],
            },
        ),
        # Other databases get no index: search then finds nothing.
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
