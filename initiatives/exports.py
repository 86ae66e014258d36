"""Open-data exports of a set of published initiatives: CSV, GeoJSON and JSON.

The columns are a public contract documented on the "Données ouvertes" page:
add new ones at the end, never rename or remove one. Private fields (the
submitter's name and email) are absent by construction: rows are built from
PUBLIC_COLUMNS only.

Choices made where the formats leave room:
- CSV: the site's CSV format (observatoire.downloads: BOM, `;`, formulas
  neutralised); several values in one cell joined by " | ".
- GeoJSON (RFC 7946): [longitude, latitude] in WGS 84, `geometry: null` for an
  initiative without coordinates, no `crs` member.
"""

import json
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import F, Func
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from initiatives.models import Initiative
from observatoire import downloads, links
from observatoire.text import plain_text

MULTI_SEPARATOR = " | "
CHUNK_SIZE = 2000


def model_field(lookup: str) -> models.Field:
    """The field a values() path from Initiative ends on ("commune__code")."""
    model, field = Initiative, None
    for name in lookup.split("__"):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        model = field.related_model
    return field


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    # Path from Initiative as in values(); empty for the page URL, computed.
    lookup: str = ""

    @property
    def field(self) -> str:
        """The Initiative field this column shows."""
        return self.lookup.split("__")[0]

    @property
    def multiple(self) -> bool:
        return bool(self.lookup) and model_field(self.field).many_to_many


PUBLIC_COLUMNS = [
    Column("id", _("Identifiant numérique sur cette plateforme."), "pk"),
    Column("slug", _("Identifiant d'URL, stable."), "slug"),
    Column("nom", _("Nom de l'initiative."), "name"),
    Column("resume", _("Résumé en une ou deux phrases."), "summary"),
    Column("description", _("Description (texte simple ou Markdown)."), "description"),
    Column(
        "type_de_pratique",
        _("Type de pratique (jardin partagé, repair café…)."),
        "category__name",
    ),
    Column(
        "familles",
        _("Familles : Libre, Solidaire, Durable, Culturel."),
        "families__name",
    ),
    Column("niveaux_action", _("Niveaux d'action."), "action_levels__name"),
    Column(
        "modele_economique",
        _("Gratuit, Payant, Prix libre ou Mixte."),
        "economic_model",
    ),
    Column(
        "ressources",
        _("Ressources : bénévoles, publiques, privées."),
        "resources__name",
    ),
    Column("gouvernance", _("Mode de gouvernance."), "governance"),
    Column(
        "annee_creation",
        _("Année de création de l'initiative (vide : inconnue)."),
        "creation_year",
    ),
    Column(
        "annee_arret",
        _("Année d'arrêt si l'initiative s'est arrêtée (vide : active)."),
        "stopped_year",
    ),
    Column("commune", _("Nom de la commune."), "commune__name"),
    Column(
        "code_insee",
        _("Code officiel géographique (INSEE) de la commune."),
        "commune__code",
    ),
    Column("adresse", _("Adresse postale."), "address"),
    Column("latitude", _("Latitude WGS 84, en degrés décimaux."), "latitude"),
    Column("longitude", _("Longitude WGS 84, en degrés décimaux."), "longitude"),
    Column("site_web", _("Site web."), "website"),
    Column("structure", _("Structure porteuse."), "organisation"),
    Column(
        "contact_public",
        _("Contact public choisi par l'initiative."),
        "public_contact",
    ),
    Column("mots_cles", _("Mots-clés."), "tags__name"),
    Column("url", _("Adresse de la fiche sur cette plateforme.")),
    Column(
        "date_creation",
        _("Date de création de la fiche (ISO 8601)."),
        "created_at",
    ),
    Column(
        "date_mise_a_jour",
        _("Date de dernière modification (ISO 8601)."),
        "updated_at",
    ),
    Column(
        "date_publication",
        _("Date de publication (ISO 8601)."),
        "published_at",
    ),
    Column(
        "source",
        _("Origine de la fiche (vide : proposée sur ce site)."),
        "source",
    ),
    Column(
        "identifiant_source",
        _("Identifiant de la fiche dans sa source."),
        "source_id",
    ),
    Column("url_source", _("Adresse de la fiche dans sa source."), "source_url"),
    Column("licence", _("Licence de la fiche."), "licence"),
]
COLUMN_NAMES = [column.name for column in PUBLIC_COLUMNS]
# One value per row, read with values(); the multiple ones come separately.
ROW_LOOKUPS = [
    column.lookup for column in PUBLIC_COLUMNS if column.lookup and not column.multiple
]


class _UtcText(Func):
    """A timestamp as ISO text in UTC ("2026-03-04 10:11:12.123456+00:00").

    Parsed by `datetime.fromisoformat`, the three dates of 100,000 rows cost a
    fraction of the datetime objects psycopg builds through Django's
    time-zone loader, in Python (a seventh of a national export)."""

    output_field = models.TextField()
    # SQLite stores them as UTC text without the offset.
    template = "(CAST(%(expressions)s AS TEXT) || '+00:00')"

    def as_postgresql(self, compiler, connection, **extra_context):
        # to_char, not ::text, whose shape follows the server's DateStyle.
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')',
            **extra_context,
        )


def _local_iso(zone) -> Callable[[str | None], str]:
    def read(text):
        if not text:
            return ""
        return datetime.fromisoformat(text).astimezone(zone).isoformat()

    return read


# Where a chunk's ids go in the compiled name queries (see _InIds).
_CHUNK_IDS = object()


class _InIds(Func):
    """`column` among a chunk's ids, given as one text parameter: a JSON array
    read by SQLite's json_each, an array literal on PostgreSQL. One parameter
    whatever the number of ids, so each name query is compiled once per export
    and run for every chunk with new ids (_NameQueries)."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} IN (SELECT value FROM json_each(%s))", [
            *params,
            _CHUNK_IDS,
        ]

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{column} = ANY(%s::bigint[])", [*params, _CHUNK_IDS]


class _NameQueries:
    """The names of the many-to-many values of a chunk of ids: one query per
    relation, built by the ORM once, then run for each chunk with its ids as
    the only new parameter. Compiling the four queries anew for every chunk
    cost a third of their time on 100,000 rows."""

    def __init__(self):
        self.queries = []
        for column in PUBLIC_COLUMNS:
            if not column.multiple:
                continue
            field = model_field(column.field)
            if isinstance(field, TaggableManager):
                rows = (
                    TaggedItem.objects.filter(
                        _InIds(F("object_id")),
                        content_type=ContentType.objects.get_for_model(Initiative),
                    )
                    .order_by("object_id", "tag__name")
                    .values_list("object_id", "tag__name")
                )
            else:
                target = field.m2m_reverse_field_name()
                rows = (
                    field.remote_field.through.objects.filter(
                        _InIds(F("initiative_id"))
                    )
                    .order_by("initiative_id", f"{target}__position")
                    .values_list("initiative_id", f"{target}__name")
                )
            sql, params = rows.query.sql_with_params()
            params = list(params)
            self.queries.append((column.lookup, sql, params, params.index(_CHUNK_IDS)))

    def __call__(self, ids: list[int], *, joined: bool) -> dict[str, dict[int, object]]:
        """{lookup: {id: names}}, the names joined into one text when
        `joined`, a tuple otherwise."""
        listed = ",".join(map(str, ids))
        ids_text = (
            f"{{{listed}}}" if connection.vendor == "postgresql" else f"[{listed}]"
        )
        pack = MULTI_SEPARATOR.join if joined else tuple
        names = {}
        with connection.cursor() as cursor:
            for lookup, sql, params, position in self.queries:
                params[position] = ids_text
                cursor.execute(sql, params)
                grouped: dict[int, list[str]] = {}
                for pk, name in cursor.fetchall():
                    grouped.setdefault(pk, []).append(name)
                names[lookup] = {pk: pack(values) for pk, values in grouped.items()}
        return names


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _selection(extra: tuple[str, ...]) -> list:
    """What values_list() reads for each row: the one-valued columns, then
    `extra`; timestamps as UTC text (see _UtcText)."""
    selection = []
    for lookup in (*ROW_LOOKUPS, *extra):
        if isinstance(model_field(lookup), models.DateTimeField):
            selection.append(_UtcText(lookup))
        else:
            selection.append(lookup)
    return selection


def _reader(column: Column, position: dict[str, int], url: str) -> Callable:
    """How to turn a values_list() row into this column's public value."""
    if not column.lookup:
        # One reverse() for all rows: only the slug differs.
        head, tail = url.split(links.PLACEHOLDER)
        slug = operator.itemgetter(position["slug"])
        return lambda row: head + slug(row) + tail
    value = operator.itemgetter(position[column.lookup])
    field = model_field(column.lookup)
    if field.choices:
        labels = {key: str(label) for key, label in field.choices}
        return lambda row: labels.get(value(row), "")
    if isinstance(field, models.DateTimeField):
        # Looked up once, not per date of every row.
        iso = _local_iso(timezone.get_current_timezone())
        return lambda row: iso(value(row))
    return value


def _records(
    queryset, *, extra: tuple[str, ...] = (), joined: bool = False
) -> Iterator[list]:
    """Public values of `queryset`, in its order: one list per initiative, in
    the order of PUBLIC_COLUMNS then `extra`. Several values come as a tuple,
    or as one text when `joined` (CSV).

    Plain tuples, not model instances, read through a database cursor
    (`iterator`), so memory holds one chunk whatever the size of the set; the
    many-to-many names come in one query per relation and per chunk, never
    per row."""
    url = settings.SITE_URL.rstrip("/") + links.slug_url_template("initiatives:detail")
    position = {lookup: index for index, lookup in enumerate((*ROW_LOOKUPS, *extra))}
    pk = operator.itemgetter(position["pk"])
    readers = {
        column.name: _reader(column, position, url)
        for column in PUBLIC_COLUMNS
        if not column.multiple
    }
    readers.update({lookup: operator.itemgetter(position[lookup]) for lookup in extra})
    empty = "" if joined else ()
    related_names = _NameQueries()
    rows = queryset.values_list(*_selection(extra)).iterator(chunk_size=CHUNK_SIZE)
    for chunk in _chunks(rows, CHUNK_SIZE):
        related = related_names([pk(row) for row in chunk], joined=joined)
        for column in PUBLIC_COLUMNS:
            if column.multiple:
                readers[column.name] = _names_reader(related[column.lookup], pk, empty)
        chunk_readers = [readers[name] for name in (*COLUMN_NAMES, *extra)]
        for row in chunk:
            yield [read(row) for read in chunk_readers]


def _names_reader(names: dict, pk: Callable, empty) -> Callable:
    return lambda row: names.get(pk(row), empty)


def csv_lines(queryset) -> Iterator[str]:
    def rows():
        yield COLUMN_NAMES
        yield from _records(queryset, joined=True)

    return downloads.csv_lines(rows())


# The spreadsheet CSV: the same records made for a person who opens the file
# in a French spreadsheet, not for a program. Not a contract: the machine CSV
# above is the stable one.


def _plain(markdown_text: str) -> str:
    return plain_text(markdown_text or "")


def _french_date(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _french_decimal(value) -> str:
    return "" if value is None else str(value).replace(".", ",")


def _joined_names(values) -> str:
    return MULTI_SEPARATOR.join(values)


def _same(value):
    return value


# (header, record key, formatter)
SPREADSHEET_COLUMNS = [
    (_("Nom"), "nom", _same),
    (_("Type de pratique"), "type_de_pratique", _same),
    (_("Résumé"), "resume", _same),
    (_("Description"), "description", _plain),
    (_("Familles"), "familles", _joined_names),
    (_("Niveaux d'action"), "niveaux_action", _joined_names),
    (_("Modèle économique"), "modele_economique", _same),
    (_("Ressources"), "ressources", _joined_names),
    (_("Gouvernance"), "gouvernance", _same),
    (_("Structure porteuse"), "structure", _same),
    (_("Commune"), "commune", _same),
    (_("Code INSEE"), "code_insee", _same),
    (_("Intercommunalité"), "commune__epci__name", _same),
    (_("Département"), "commune__parent__name", _same),
    (_("Région"), "commune__parent__parent__name", _same),
    (_("Adresse"), "adresse", _same),
    (_("Latitude"), "latitude", _french_decimal),
    (_("Longitude"), "longitude", _french_decimal),
    (_("Site web"), "site_web", _same),
    (_("Contact public"), "contact_public", _same),
    (_("Mots-clés"), "mots_cles", _joined_names),
    (_("Fiche sur la plateforme"), "url", _same),
    (_("Publiée le"), "date_publication", _french_date),
    (_("Mise à jour le"), "date_mise_a_jour", _french_date),
    (_("Source"), "source", _same),
]
SPREADSHEET_EXTRA = (
    "commune__epci__name",
    "commune__parent__name",
    "commune__parent__parent__name",
)


def spreadsheet_lines(queryset) -> Iterator[str]:
    def rows():
        yield [str(header) for header, _key, _format in SPREADSHEET_COLUMNS]
        names = (*COLUMN_NAMES, *SPREADSHEET_EXTRA)
        for values in _records(queryset, extra=SPREADSHEET_EXTRA):
            record = dict(zip(names, values, strict=True))
            yield [
                format_(record[key]) or ""
                for _header, key, format_ in SPREADSHEET_COLUMNS
            ]

    return downloads.csv_lines(rows())


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _joined(head: str, items: Iterable[str], tail: str) -> Iterator[str]:
    def pieces():
        for index, item in enumerate(items):
            yield ("," if index else "") + item
        yield tail

    # The head goes out at once: the download starts before the first query.
    yield head
    yield from downloads.batched(pieces())


def json_chunks(queryset) -> Iterator[str]:
    meta = {
        "licence": "Licence Ouverte 2.0",
        "source": settings.SITE_URL,
        "genere_le": timezone.localtime().isoformat(),
        "colonnes": COLUMN_NAMES,
    }
    head = _dumps(meta)[:-1] + ',"initiatives":['
    records = (
        dict(zip(COLUMN_NAMES, values, strict=True)) for values in _records(queryset)
    )
    yield from _joined(head, (_dumps(record) for record in records), "]}\n")


def feature(row: dict) -> dict:
    properties = {key: value for key, value in row.items() if key not in ("id",)}
    latitude = properties.pop("latitude")
    longitude = properties.pop("longitude")
    geometry = None
    if latitude is not None and longitude is not None:
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": geometry,
        "properties": properties,
    }


def geojson_chunks(queryset) -> Iterator[str]:
    yield from _joined(
        '{"type":"FeatureCollection","features":[',
        (
            _dumps(feature(dict(zip(COLUMN_NAMES, values, strict=True))))
            for values in _records(queryset)
        ),
        "]}\n",
    )
