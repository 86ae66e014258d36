"""Importing initiatives from GoGoCarto JSON exports and from this platform's
own CSV export.

Reading turns a file into records (plain dicts of model-level values) or
per-record errors; `initiatives_import` validates each record, skips the bad
ones with their reason, and saves the rest in one transaction. A whole-file
problem (empty, malformed, missing columns) raises ImportFileError and nothing
is saved.
"""

import csv
import io
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from initiatives import exports
from initiatives.models import Category, Initiative
from observatoire import downloads, logs
from observatoire.models import Territory
from observatoire.text import fold, unique_slug

logger = logging.getLogger(__name__)

GOGOCARTO_SOURCE = "GoGoCarto"
REQUIRED_CSV_COLUMNS = ("nom", "type_de_pratique")
MAX_TAG_LENGTH = 100


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was saved."""


class RecordError(Exception):
    """One record is invalid; it is skipped and reported."""


@dataclass
class Record:
    ref: str  # how the report names the record: "ligne 4", "id 10kw"
    values: dict | None = None
    error: str = ""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "seraient" if self.dry_run else "ont été"
        text = (
            f"{len(self.created)} initiatives {verb} créées, "
            f"{len(self.updated)} mises à jour, "
            f"{len(self.skipped)} ignorées pour erreur."
        )
        if self.dry_run:
            text += " Simulation : rien n'a été enregistré."
        return text


# Reading ------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"Le fichier n'est pas en UTF-8 (octet {error.start}) : "
            "enregistrez-le en UTF-8 puis relancez."
        ) from None
    if not text.strip():
        raise ImportFileError("Le fichier est vide.")
    return text


def _text(value, label: str, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f"{label} : texte attendu, reçu {type(value).__name__}")
    text = str(value).strip()
    if max_length and len(text) > max_length:
        raise RecordError(
            f"{label} : {len(text)} caractères, au plus {max_length} acceptés"
        )
    return text


def _coordinate(value, label: str, limit: float) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{label} : nombre attendu")
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise RecordError(f"{label} : nombre attendu, reçu « {value} »") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise RecordError(f"{label} : {value} hors des limites (±{limit})")
    return number


def _options(taxonomy) -> dict[str, dict]:
    """Every option of a GoGoCarto taxonomy, at any depth, by id."""
    found = {}

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "id" in node and "name" in node:
                found[str(node["id"])] = node
            for key in ("options", "subcategories", "children"):
                walk(node.get(key, []))

    walk(taxonomy)
    return found


def read_gogocarto(data: bytes, *, taxonomy: bytes | None = None) -> list[Record]:
    """Records from a GoGoCarto export: `gogofull` elements whose categories are
    ids (resolved through the taxonomy file) or newer ones listing names."""
    document = _load_json(data, "export GoGoCarto")
    elements = document.get("data") if isinstance(document, dict) else document
    if not isinstance(elements, list):
        raise ImportFileError(
            "Export GoGoCarto attendu : une liste d'éléments ou un objet dont "
            "« data » est la liste des éléments."
        )
    options = _options(_load_json(taxonomy, "taxonomie")) if taxonomy else {}
    if not options and any(_only_ids(element) for element in elements):
        raise ImportFileError(
            "Ce fichier GoGoCarto désigne les catégories par identifiants "
            "(optionValues) : indiquez le fichier de taxonomie avec --taxonomy."
        )
    licence = document.get("licence", "") if isinstance(document, dict) else ""
    records = []
    for position, element in enumerate(elements, start=1):
        ref = f"élément {position}"
        if isinstance(element, dict) and element.get("id") not in (None, ""):
            ref = f"id {element['id']}"
        try:
            values = _gogocarto_values(element, options, licence)
        except RecordError as error:
            records.append(Record(ref, error=str(error)))
        else:
            records.append(Record(ref, values))
    return records


def _load_json(data: bytes, label: str):
    text = _decode(data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{label} : JSON invalide ligne {error.lineno}, colonne {error.colno} "
            f"({error.msg})."
        ) from None


# Where GoGoCarto keeps an element's categories, newest shapes first. Items
# are names, ids (numbers or digit strings) or {"id": …, "name": …} objects.
CATEGORY_KEYS = ("categoriesFull", "categories", "taxonomy", "optionValues")


GOGOCARTO_CREATION_KEYS = ("creationYear", "anneeCreation", "annee_creation")
GOGOCARTO_STOPPED_KEYS = ("stoppedYear", "anneeArret", "annee_arret")


def _category_items(element: dict) -> list:
    for key in CATEGORY_KEYS:
        value = element.get(key)
        if isinstance(value, list) and value:
            return value
    return []


def _is_id(item) -> bool:
    if isinstance(item, dict):
        return not item.get("name")
    if isinstance(item, bool):
        return False
    return isinstance(item, int) or (isinstance(item, str) and item.isdigit())


def _only_ids(element) -> bool:
    items = _category_items(element) if isinstance(element, dict) else []
    return bool(items) and all(_is_id(item) for item in items)


def _gogocarto_categories(element: dict, options: dict) -> list[str]:
    """Category names, resolving ids through the taxonomy; unknown ids (often
    sub-options the taxonomy file leaves out) are skipped."""
    names = []
    for item in _category_items(element):
        if isinstance(item, dict):
            name = item.get("name") or options.get(str(item.get("id")), {}).get("name")
        elif _is_id(item):
            name = options.get(str(item), {}).get("name")
        else:
            name = item
        name = _text(name, "catégorie", max_length=100)
        if name and name not in names:
            names.append(name)
    return names


def _first(mapping: dict, *keys):
    return next(
        (mapping[key] for key in keys if mapping.get(key) not in (None, "")), None
    )


def _gogocarto_values(element, options: dict, licence) -> dict:
    if not isinstance(element, dict):
        raise RecordError("objet JSON attendu")
    status = element.get("status")
    if isinstance(status, int | float) and status < 0:
        raise RecordError("élément supprimé ou refusé dans GoGoCarto")
    name = _text(_first(element, "name", "title"), "nom", max_length=200)
    source_id = _text(element.get("id"), "id", max_length=100)
    if not source_id:
        raise RecordError("id : manquant, impossible de reconnaître l'élément")
    categories = _gogocarto_categories(element, options)
    if not categories:
        raise RecordError("aucune catégorie reconnue")
    address = element.get("address") or {}
    if not isinstance(address, dict):
        raise RecordError("address : objet attendu")
    geo = element.get("geo") or {}
    if not isinstance(geo, dict):
        raise RecordError("geo : objet attendu")
    parts = [
        _text(element.get(key), key)
        for key in ("description", "descriptionMore", "commitment")
    ]
    hours = _text(element.get("openHoursMoreInfos"), "openHoursMoreInfos")
    if hours:
        parts.append(f"Horaires : {hours}")
    description = "\n\n".join(part for part in parts if part)
    summary = next((part for part in parts if part), name)
    if len(summary) > 300:
        summary = summary[:299].rstrip() + "…"
    street = _text(address.get("streetAddress"), "adresse")
    postal_code = _text(address.get("postalCode"), "code postal", max_length=10)
    locality = _text(address.get("addressLocality"), "commune", max_length=200)
    # GoGoCarto reads geo.latitude, latitude or lat (and the same for longitude).
    latitude = _first(geo, "latitude", "lat")
    if latitude is None:
        latitude = _first(element, "latitude", "lat")
    longitude = _first(geo, "longitude", "lng", "lon")
    if longitude is None:
        longitude = _first(element, "longitude", "lng", "long", "lon")
    email = _text(element.get("email"), "email")
    phone = _text(element.get("telephone"), "téléphone")
    contact = phone or ("" if email in ("", "hidden") else email)
    return {
        "name": name,
        "summary": summary,
        "description": description,
        "category": categories[0],
        "tags": categories[1:],
        "address": " ".join(p for p in (street, postal_code, locality) if p),
        "latitude": _coordinate(latitude, "latitude", 90),
        "longitude": _coordinate(longitude, "longitude", 180),
        "website": _text(element.get("website"), "site web", max_length=500),
        "public_contact": contact[:200],
        "commune": {"postal_code": postal_code, "name": locality},
        # Not a standard GoGoCarto field: maps add it under one of these names.
        "creation_year": _year(
            _first(element, *GOGOCARTO_CREATION_KEYS), "année de création"
        ),
        "stopped_year": _year(
            _first(element, *GOGOCARTO_STOPPED_KEYS), "année d'arrêt"
        ),
        "source": GOGOCARTO_SOURCE,
        "source_id": source_id,
        "licence": _text(licence, "licence", max_length=100),
    }


def read_csv(data: bytes) -> list[Record]:
    """Records from a CSV in the export's own columns (`;` separated)."""
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    try:
        columns = reader.fieldnames or []
        missing = [name for name in REQUIRED_CSV_COLUMNS if name not in columns]
        if missing:
            raise ImportFileError(
                "Colonnes obligatoires absentes : "
                + ", ".join(missing)
                + ". Le fichier doit reprendre les colonnes de l'export CSV "
                "(séparateur point-virgule)."
            )
        if "code_insee" not in columns and "commune" not in columns:
            raise ImportFileError(
                "Il faut une colonne « code_insee » ou « commune » pour placer "
                "chaque initiative."
            )
        records = []
        for row in reader:
            ref = f"ligne {reader.line_num}"
            try:
                records.append(Record(ref, _csv_values(row)))
            except RecordError as error:
                records.append(Record(ref, error=str(error)))
    except csv.Error as error:
        raise ImportFileError(
            f"CSV illisible ligne {reader.line_num} : {error}"
        ) from None
    return records


def _cell(row: dict, name: str, *, max_length: int | None = None) -> str:
    value = row.get(name)
    if isinstance(value, list):  # more cells than columns
        raise RecordError("plus de cellules que de colonnes")
    value = downloads.unguard((value or "").strip())
    if max_length and len(value) > max_length:
        raise RecordError(
            f"{name} : {len(value)} caractères, au plus {max_length} acceptés"
        )
    return value


def _many(row: dict, name: str) -> list[str]:
    separator = exports.MULTI_SEPARATOR.strip()
    return [part.strip() for part in _cell(row, name).split(separator) if part.strip()]


def _csv_values(row: dict) -> dict:
    if None in row:
        raise RecordError("plus de cellules que de colonnes")
    values = {}
    for column in exports.PUBLIC_COLUMNS:
        if column.field not in IMPORTED_FIELDS:
            continue
        field = exports.model_field(column.lookup)
        if column.multiple:
            value = _many(row, column.name)
        elif isinstance(field, models.PositiveSmallIntegerField):
            value = _year(_cell(row, column.name), column.name)
        elif isinstance(field, models.FloatField):
            limit = max(
                v.limit_value
                for v in field.validators
                if isinstance(v, MaxValueValidator)
            )
            value = _coordinate(_cell(row, column.name), column.name, limit)
        else:
            # A choice is given by its label, whatever the stored code's length.
            max_length = None if field.choices else field.max_length
            value = _cell(row, column.name, max_length=max_length)
        if column.field == "commune":
            # Code and name both help find it: _Communes weighs them.
            values.setdefault("commune", {})[column.lookup.split("__")[1]] = value
        else:
            values[column.field] = value
    return values


def _year(value, label: str) -> int | None:
    """A year as files write it ("2015", 2015, "2015-03-01"), or None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RecordError(f"{label} : une année était attendue")
    text = str(value).strip()[:4] if not isinstance(value, int) else str(value)
    if not text.isdigit() or len(text) != 4:
        raise RecordError(f"{label} : « {value} » n'est pas une année (ex. 2015)")
    return int(text)


def read_file(path: Path, *, fmt: str, taxonomy: Path | None = None) -> list[Record]:
    try:
        data = Path(path).read_bytes()
        taxonomy_data = Path(taxonomy).read_bytes() if taxonomy else None
    except OSError as error:
        raise ImportFileError(
            f"Lecture impossible de {error.filename} : {error.strerror}."
        ) from None
    if fmt == "csv":
        return read_csv(data)
    return read_gogocarto(data, taxonomy=taxonomy_data)


# Validating and saving ----------------------------------------------------


class _Vocabulary:
    """Names of the admin-editable lists, folded, looked up once per import."""

    def __init__(self, model):
        self.model = model
        self.by_key = {}
        for obj in model.objects.all():
            self.by_key[fold(obj.name)] = obj
            self.by_key[obj.slug] = obj

    def get(self, name: str):
        return self.by_key.get(fold(name)) or self.by_key.get(name)

    def many(self, names: Iterable[str], label: str) -> list:
        found, unknown = [], []
        for name in names:
            obj = self.get(name)
            (found if obj else unknown).append(obj or name)
        if unknown:
            raise RecordError(f"{label} inconnu(s) : {', '.join(unknown)}")
        return found


def _verbose_name(name: str) -> str:
    """What one value of the `name` list is called: "famille"."""
    return str(Initiative._meta.get_field(name).related_model._meta.verbose_name)


def _choice(value: str, choices, label: str) -> str:
    if not value:
        return ""
    for code, name in choices:
        if value == code or fold(value) == fold(str(name)):
            return code
    raise RecordError(f"{label} : « {value} » n'est pas une valeur reconnue")


class _Communes:
    def __init__(self):
        self.cache = {}

    def resolve(self, lookup: dict, latitude, longitude) -> Territory:
        key = (tuple(sorted(lookup.items())), latitude, longitude)
        if key not in self.cache:
            self.cache[key] = self._find(lookup, latitude, longitude)
        return self.cache[key]

    def _find(self, lookup, latitude, longitude) -> Territory:
        communes = Territory.objects.communes()
        code, name = lookup.get("code", ""), lookup.get("name", "")
        postal_code = lookup.get("postal_code", "")
        if code:
            found = communes.filter(code=code).first()
            if found:
                return found
        candidates = []
        if postal_code:
            candidates = list(communes.filter(postal_codes__contains=postal_code))
            named = [c for c in candidates if c.search_name == fold(name)]
            if named:
                return named[0]
            if len(candidates) == 1:
                return candidates[0]
        if not candidates and name:
            candidates = list(communes.filter(search_name=fold(name)).ranked()[:20])
            if len(candidates) == 1:
                return candidates[0]
        located = [c for c in candidates if c.latitude is not None]
        if located and latitude is not None:
            # Several communes share the postal code: the nearest centroid wins.
            return min(
                located,
                key=lambda c: (
                    (c.latitude - latitude) ** 2 + (c.longitude - longitude) ** 2
                ),
            )
        if candidates and not postal_code:
            return candidates[0]
        described = " ".join(p for p in (code, postal_code, name) if p) or "vide"
        raise RecordError(f"commune introuvable ({described})")


@transaction.atomic
def initiatives_import(
    *,
    records: list[Record],
    status: str = Initiative.Status.PENDING,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update initiatives from `records`; bad records are skipped.

    Existing initiatives are matched by (source, source id), else by slug, so
    importing the same file again updates instead of duplicating. A dry run
    does all the work, then rolls everything back."""
    report = ImportReport(dry_run=dry_run)
    context = {
        "categories": _Vocabulary(Category),
        "communes": _Communes(),
        **{
            name: _Vocabulary(Initiative._meta.get_field(name).related_model)
            for name in VOCABULARY_FIELDS
        },
    }
    for record in records:
        if record.error:
            report.skipped.append((record.ref, record.error))
            continue
        try:
            with transaction.atomic():
                created, initiative = _save(record.values, status, context, report)
        except RecordError as error:
            report.skipped.append((record.ref, str(error)))
        except ValidationError as error:
            report.skipped.append((record.ref, _validation_text(error)))
        except IntegrityError as error:
            report.skipped.append((record.ref, f"refusée par la base : {error}"))
        else:
            label = f"{record.ref} : {initiative.name}"
            (report.created if created else report.updated).append(label)
    if dry_run:
        transaction.set_rollback(True)
    logs.event(
        logger,
        "import",
        created=len(report.created),
        updated=len(report.updated),
        skipped=len(report.skipped),
        dry_run=dry_run,
    )
    return report


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ; ".join(
            f"{name} : {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _existing(values: dict) -> Initiative | None:
    if values.get("source_id"):
        return Initiative.objects.filter(
            source=values.get("source", ""), source_id=values["source_id"]
        ).first()
    if values.get("slug"):
        return Initiative.objects.filter(slug=values["slug"]).first()
    return None


def _kind(name: str) -> str:
    field = Initiative._meta.get_field(name)
    if field.many_to_many:
        return "tags" if name == "tags" else "vocabulary"
    if field.is_relation:
        return "related"
    return "choice" if field.choices else "plain"


# Whatever a file may set: the public description and where it comes from.
IMPORTED_FIELDS = ("slug", *Initiative.PUBLIC_FIELDS, *Initiative.SOURCE_FIELDS)
VOCABULARY_FIELDS = [n for n in IMPORTED_FIELDS if _kind(n) == "vocabulary"]
CHOICE_FIELDS = [n for n in IMPORTED_FIELDS if _kind(n) == "choice"]
# Copied as read; the slug only names a new record and the licence has a default.
PLAIN_FIELDS = [
    n for n in IMPORTED_FIELDS if _kind(n) == "plain" and n not in ("slug", "licence")
]


def _save(values: dict, status: str, context: dict, report: ImportReport):
    if not values.get("name"):
        raise RecordError("nom : obligatoire")
    if not values.get("category"):
        raise RecordError("type_de_pratique : obligatoire")
    vocabularies = {
        name: context[name].many(values.get(name, []), _verbose_name(name))
        for name in VOCABULARY_FIELDS
    }
    for tag in values.get("tags", []):
        if len(tag) > MAX_TAG_LENGTH:
            raise RecordError(f"mot-clé trop long ({len(tag)} caractères)")
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if (latitude is None) != (longitude is None):
        raise RecordError("latitude et longitude vont ensemble")
    commune = context["communes"].resolve(values["commune"], latitude, longitude)
    values = {
        **values,
        **{
            name: _choice(
                values.get(name, ""),
                Initiative._meta.get_field(name).choices,
                str(Initiative._meta.get_field(name).verbose_name),
            )
            for name in CHOICE_FIELDS
        },
    }
    category = context["categories"].get(values["category"])
    new_category = category is None
    if new_category:
        category = Category.objects.create(
            name=values["category"],
            slug=unique_slug(
                Category.objects.all(), values["category"], fallback="categorie"
            ),
        )
        context["categories"].by_key[fold(category.name)] = category
        report.new_categories.append(category.name)
    try:
        return _fill_and_save(values, status, category, commune, vocabularies)
    except (RecordError, ValidationError, IntegrityError):
        if new_category:
            # The row's savepoint rolls the category back: forget it too.
            del context["categories"].by_key[fold(category.name)]
            report.new_categories.remove(category.name)
        raise


def _fill_and_save(values, status, category, commune, vocabularies):
    initiative = _existing(values)
    created = initiative is None
    if created:
        initiative = Initiative(status=status)
        if status == Initiative.Status.PUBLISHED:
            initiative.published_at = timezone.now()
        slug = values.get("slug", "")
        # A taken or missing slug is left empty: save() makes one from the name.
        if slug and not Initiative.objects.filter(slug=slug).exists():
            initiative.slug = slug
    for name in (*PLAIN_FIELDS, *CHOICE_FIELDS):
        if name in values:
            setattr(initiative, name, values[name])
    if not initiative.summary:
        initiative.summary = initiative.name[:300]
    if values.get("licence"):
        initiative.licence = values["licence"]
    initiative.category = category
    initiative.commune = commune
    initiative.full_clean(exclude=["slug"], validate_unique=False)
    initiative.save()
    for name, objects in vocabularies.items():
        getattr(initiative, name).set(objects)
    initiative.tags.set(values.get("tags", []), clear=True)
    return created, initiative
