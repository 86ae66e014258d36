"""Open-data exports of a set of published initiatives: CSV, GeoJSON and JSON.

The columns are a public contract documented on the "Données ouvertes" page:
add new ones at the end, never rename or remove one. Private fields (the
submitter's name and email) are absent by construction: rows are built from
PUBLIC_COLUMNS only.

Choices made where the formats leave room:
- CSV: UTF-8 with a byte-order mark, because Excel (the tool most local
  authorities open it with) otherwise garbles accents; `;` separator, as
  French spreadsheets expect; several values in one cell joined by " | ".
- Text cells starting with = + - @ get a leading apostrophe so spreadsheets do
  not run them as formulas; the importer removes it.
- GeoJSON (RFC 7946): [longitude, latitude] in WGS 84, `geometry: null` for an
  initiative without coordinates, no `crs` member.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.models import TaggedItem

from initiatives.models import Initiative

MULTI_SEPARATOR = " | "
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 1000


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    multiple: bool = False
    number: bool = False


PUBLIC_COLUMNS = [
    Column("id", _("Identifiant numérique sur cette plateforme.")),
    Column("slug", _("Identifiant d'URL, stable.")),
    Column("nom", _("Nom de l'initiative.")),
    Column("resume", _("Résumé en une ou deux phrases.")),
    Column("description", _("Description (texte simple ou Markdown).")),
    Column("type_de_pratique", _("Type de pratique (jardin partagé, repair café…).")),
    Column("familles", _("Familles : Libre, Solidaire, Durable, Culturel."), True),
    Column("niveaux_action", _("Niveaux d'action."), True),
    Column("modele_economique", _("Gratuit, Payant, Prix libre ou Mixte.")),
    Column("ressources", _("Ressources : bénévoles, publiques, privées."), True),
    Column("gouvernance", _("Mode de gouvernance.")),
    Column("commune", _("Nom de la commune.")),
    Column("code_insee", _("Code officiel géographique (INSEE) de la commune.")),
    Column("adresse", _("Adresse postale.")),
    Column("latitude", _("Latitude WGS 84, en degrés décimaux."), number=True),
    Column("longitude", _("Longitude WGS 84, en degrés décimaux."), number=True),
    Column("site_web", _("Site web.")),
    Column("structure", _("Structure porteuse.")),
    Column("contact_public", _("Contact public choisi par l'initiative.")),
    Column("mots_cles", _("Mots-clés."), True),
    Column("url", _("Adresse de la fiche sur cette plateforme.")),
    Column("date_creation", _("Date de création de la fiche (ISO 8601).")),
    Column("date_mise_a_jour", _("Date de dernière modification (ISO 8601).")),
    Column("date_publication", _("Date de publication (ISO 8601).")),
    Column("source", _("Origine de la fiche (vide : proposée sur ce site).")),
    Column("identifiant_source", _("Identifiant de la fiche dans sa source.")),
    Column("url_source", _("Adresse de la fiche dans sa source.")),
    Column("licence", _("Licence de la fiche.")),
]
COLUMN_NAMES = [column.name for column in PUBLIC_COLUMNS]


ROW_FIELDS = (
    "pk",
    "slug",
    "name",
    "summary",
    "description",
    "category__name",
    "economic_model",
    "governance",
    "commune__name",
    "commune__code",
    "address",
    "latitude",
    "longitude",
    "website",
    "organisation",
    "public_contact",
    "created_at",
    "updated_at",
    "published_at",
    "source",
    "source_id",
    "source_url",
    "licence",
)


def _iso(value, zone) -> str:
    return value.astimezone(zone).isoformat() if value else ""


def _grouped(rows) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for pk, name in rows:
        grouped.setdefault(pk, []).append(name)
    return grouped


def _related_names(ids: list[int]) -> dict[str, dict[int, list[str]]]:
    """Names of the many-to-many values of `ids`: one query per relation."""
    names = {}
    for column, field, order in (
        ("familles", "families", "family__position"),
        ("niveaux_action", "action_levels", "actionlevel__position"),
        ("ressources", "resources", "resourcetype__position"),
    ):
        through = Initiative._meta.get_field(field).remote_field.through
        target = order.split("__")[0]
        names[column] = _grouped(
            through.objects.filter(initiative_id__in=ids)
            .order_by("initiative_id", order)
            .values_list("initiative_id", f"{target}__name")
        )
    names["mots_cles"] = _grouped(
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Initiative),
            object_id__in=ids,
        )
        .order_by("object_id", "tag__name")
        .values_list("object_id", "tag__name")
    )
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


def _records(queryset) -> Iterator[dict]:
    """Public records of `queryset`, in its order, a chunk of rows at a time.

    Plain values, not model instances, read through a database cursor
    (`iterator`), so memory holds one chunk whatever the size of the set; the
    many-to-many names come in one query per relation and per chunk, never
    per row. 100,000 rows stream in a few seconds."""
    # Looked up once, not per date of every row.
    zone = timezone.get_current_timezone()
    economic = {k: str(v) for k, v in Initiative.EconomicModel.choices}
    governance = {k: str(v) for k, v in Initiative.Governance.choices}
    # One reverse() for all rows: only the slug differs.
    url = settings.SITE_URL.rstrip("/") + reverse(
        "initiatives:detail", args=["slug-placeholder"]
    )
    rows = queryset.values(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    for chunk in _chunks(rows, CHUNK_SIZE):
        related = _related_names([row["pk"] for row in chunk])
        for row in chunk:
            pk = row["pk"]
            yield {
                "id": pk,
                "slug": row["slug"],
                "nom": row["name"],
                "resume": row["summary"],
                "description": row["description"],
                "type_de_pratique": row["category__name"],
                "familles": related["familles"].get(pk, []),
                "niveaux_action": related["niveaux_action"].get(pk, []),
                "modele_economique": economic.get(row["economic_model"], ""),
                "ressources": related["ressources"].get(pk, []),
                "gouvernance": governance.get(row["governance"], ""),
                "commune": row["commune__name"],
                "code_insee": row["commune__code"],
                "adresse": row["address"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "site_web": row["website"],
                "structure": row["organisation"],
                "contact_public": row["public_contact"],
                "mots_cles": related["mots_cles"].get(pk, []),
                "url": url.replace("slug-placeholder", row["slug"]),
                "date_creation": _iso(row["created_at"], zone),
                "date_mise_a_jour": _iso(row["updated_at"], zone),
                "date_publication": _iso(row["published_at"], zone),
                "source": row["source"],
                "identifiant_source": row["source_id"],
                "url_source": row["source_url"],
                "licence": row["licence"],
            }


def _cells(row: dict) -> list[str]:
    """A record as CSV cells (one loop per row, not a call per cell: 100,000
    rows have 2.8 million cells)."""
    cells = []
    for name, multiple, number in _CSV_COLUMNS:
        value = row[name]
        if value is None:
            cells.append("")
            continue
        value = MULTI_SEPARATOR.join(value) if multiple else str(value)
        if not number and value.startswith(FORMULA_PREFIXES):
            value = "'" + value
        cells.append(value)
    return cells


_CSV_COLUMNS = [(c.name, c.multiple, c.number) for c in PUBLIC_COLUMNS]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value):
        return value


def _batched(pieces: Iterable[str], size: int = 500) -> Iterator[str]:
    """Pieces joined in groups: one write per few hundred rows, not per row."""
    buffer = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= size:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def csv_lines(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    # The header goes out at once: the download starts before the first query.
    yield "\ufeff" + writer.writerow(COLUMN_NAMES)
    yield from _batched(writer.writerow(_cells(row)) for row in _records(queryset))


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _joined(head: str, items: Iterable[str], tail: str) -> Iterator[str]:
    def pieces():
        for index, item in enumerate(items):
            yield ("," if index else "") + item
        yield tail

    # The head goes out at once: the download starts before the first query.
    yield head
    yield from _batched(pieces())


def json_chunks(queryset) -> Iterator[str]:
    meta = {
        "licence": "Licence Ouverte 2.0",
        "source": settings.SITE_URL,
        "genere_le": timezone.localtime().isoformat(),
        "colonnes": COLUMN_NAMES,
    }
    head = _dumps(meta)[:-1] + ',"initiatives":['
    yield from _joined(head, (_dumps(row) for row in _records(queryset)), "]}\n")


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
        (_dumps(feature(row)) for row in _records(queryset)),
        "]}\n",
    )
