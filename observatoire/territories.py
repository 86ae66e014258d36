"""Loading the official French territories (Etalab découpage administratif).

The data file is produced by scripts/derive_territories.py; see
fixtures/territories/SOURCE.md for its origin, licence and how to regenerate it.
"""

import gzip
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify

from observatoire import jsonsafe, search, tallies, versions
from observatoire.models import Territory
from observatoire.text import fold

DEFAULT_PATH = settings.BASE_DIR / "fixtures" / "territories" / "territories.jsonl.gz"

REQUIRED_KEYS = (
    "kind",
    "code",
    "siren",
    "name",
    "parent",
    "epci",
    "population",
    "postal_codes",
    "latitude",
    "longitude",
)
# Parents come first, so every foreign key points to an already saved row.
KIND_ORDER = (
    Territory.Kind.REGION,
    Territory.Kind.DEPARTEMENT,
    Territory.Kind.EPCI,
    Territory.Kind.COMMUNE,
)
PARENT_KIND = {
    Territory.Kind.DEPARTEMENT: Territory.Kind.REGION,
    Territory.Kind.COMMUNE: Territory.Kind.DEPARTEMENT,
}
PARENT_PLURAL = {
    Territory.Kind.REGION: "régions",
    Territory.Kind.DEPARTEMENT: "départements",
}
# What the file sets on a row, as model attribute names.
VALUE_KEYS = [
    "name",
    "search_name",
    "slug",
    "siren",
    "population",
    "postal_codes",
    "latitude",
    "longitude",
    "parent_id",
    "epci_id",
]
# France sits above the régions. It is not in the Etalab file: the loader
# keeps one row for it, with the régions' summed population.
FRANCE_CODE = "france"
FRANCE_SLUG = "france"
# Where a map of France is centred (metropolitan France's centre).
FRANCE_CENTRE = (46.6, 2.4)
BATCH_SIZE = 1000
PROGRESS_EVERY = 5000
FIX = (
    "Régénérez le fichier avec scripts/derive_territories.py "
    "(voir fixtures/territories/SOURCE.md)."
)


class TerritoryDataError(Exception):
    """The territory file cannot be loaded; nothing was written."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    # (kind, code, name) of rows in the database that the file no longer lists.
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        lines = [
            f"  {kind.label} : {self.created[kind]} créés, "
            f"{self.updated[kind]} mis à jour, {self.unchanged[kind]} inchangés"
            for kind in KIND_ORDER
        ]
        if self.missing:
            examples = ", ".join(
                f"{name} ({code})" for _, code, name in self.missing[:10]
            )
            more = "…" if len(self.missing) > 10 else ""
            lines.append(
                f"  {len(self.missing)} territoires absents du fichier, conservés "
                f"(ils peuvent être référencés) : {examples}{more}"
            )
        lines.append(f"  Durée : {self.seconds:.1f} s")
        return lines


@transaction.atomic
def territories_load(
    *, path: Path | str = DEFAULT_PATH, stdout: IO[str] | None = None
) -> LoadReport:
    """Create or update the official territories from `path`; never delete any."""
    started = time.monotonic()

    def out(line: str) -> None:
        if stdout is not None:
            stdout.write(line + "\n")

    records = read_territory_file(path)
    out(f"{len(records)} territoires lus dans {path}.")
    existing = {
        (row["kind"], row["code"]): row
        for row in Territory.objects.order_by().values(
            "pk", "kind", "code", *VALUE_KEYS
        )
    }
    _check_slugs(records, existing, path=path)

    pks = {kind: {} for kind in Territory.Kind.values}
    for (kind, code), row in existing.items():
        pks[kind][code] = row["pk"]
    report = LoadReport()
    france = _france_save(records, report)
    done = 0
    for kind in KIND_ORDER:
        to_create, to_update = [], []
        parent_pks = pks[PARENT_KIND[kind]] if kind in PARENT_KIND else {}
        if kind == Territory.Kind.REGION:
            parent_pks = {None: france.pk}  # a région's parent is null in the file
        for record in (r for r in records if r["kind"] == kind):
            values = _values(record, parent_pks, pks[Territory.Kind.EPCI])
            row = existing.get((kind, record["code"]))
            if row is None:
                to_create.append(Territory(kind=kind, code=record["code"], **values))
            elif any(row[key] != value for key, value in values.items()):
                to_update.append((*(values[key] for key in VALUE_KEYS), row["pk"]))
            else:
                report.unchanged[kind] += 1
            done += 1
            if done % PROGRESS_EVERY == 0:
                out(f"  {done}/{len(records)} territoires traités…")
        Territory.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        _update_rows(to_update)
        # The raw UPDATE sends no signal (bulk_create does, through versions).
        search.changed(Territory, [row[-1] for row in to_update])
        report.created[kind] = len(to_create)
        report.updated[kind] = len(to_update)
        # bulk_create returns primary keys only on some backends: ask once per kind.
        pks[kind] = dict(
            Territory.objects.filter(kind=kind).order_by().values_list("code", "pk")
        )

    in_file = {(record["kind"], record["code"]) for record in records}
    report.missing = sorted(
        (kind, code, row["name"])
        for (kind, code), row in existing.items()
        if (kind, code) not in in_file and kind != Territory.Kind.FRANCE
    )
    # Raw executemany sends no signal: say once that the territories changed
    # (a commune may have moved: every stored tally too).
    versions.bump(versions.TERRITORIES)
    tallies.mark_everywhere_once()
    report.seconds = time.monotonic() - started
    out("Territoires chargés :")
    out(f"  France : {france.population} habitants (somme des régions)")
    for line in report.lines():
        out(line)
    return report


def _france_save(records: list[dict], report: LoadReport) -> Territory:
    """The France row, created or brought up to date with the file's régions."""
    values = {
        "name": "France",
        "slug": FRANCE_SLUG,
        "population": sum(
            record["population"] or 0
            for record in records
            if record["kind"] == Territory.Kind.REGION
        ),
        "latitude": FRANCE_CENTRE[0],
        "longitude": FRANCE_CENTRE[1],
    }
    kind = Territory.Kind.FRANCE
    france = Territory.objects.filter(kind=kind, code=FRANCE_CODE).first()
    if france is None:
        report.created[kind] += 1
        return Territory.objects.create(kind=kind, code=FRANCE_CODE, **values)
    if any(getattr(france, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(france, key, value)
        france.save()
        report.updated[kind] += 1
    else:
        report.unchanged[kind] += 1
    return france


def territory_slug(code: str, name: str) -> str:
    """URL slug such as brest-29019 or finistere-29: the code keeps homonyms apart."""
    return f"{slugify(name)[:200]}-{code.lower()}"


def _update_rows(rows: list[tuple]) -> None:
    """UPDATE every value column of the given rows, (values..., pk) each.

    One executemany instead of bulk_update: building bulk_update's CASE WHEN
    expressions took over a minute for a yearly refresh of every population.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(Territory._meta.get_field(key).column)} = %s" for key in VALUE_KEYS
    )
    sql = (
        f"UPDATE {quote(Territory._meta.db_table)} SET {columns} "
        f"WHERE {quote(Territory._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _values(record: dict, parent_pks: dict, epci_pks: dict) -> dict:
    # bulk_create and the raw UPDATE skip save(), so search_name is computed here.
    return {
        "name": record["name"],
        "search_name": fold(record["name"]),
        "slug": territory_slug(record["code"], record["name"]),
        "siren": record["siren"],
        "population": record["population"],
        "postal_codes": " ".join(record["postal_codes"]),
        "latitude": record["latitude"],
        "longitude": record["longitude"],
        "parent_id": parent_pks.get(record["parent"]),
        "epci_id": epci_pks.get(record["epci"]),
    }


def read_territory_file(path: Path | str) -> list[dict]:
    """Parse and check the whole file before anything touches the database."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise TerritoryDataError(
            f"Fichier de territoires introuvable : {path}. Vérifiez le chemin "
            f"donné à --file (sans --file, le fichier livré avec le projet est "
            f"utilisé). {FIX}"
        ) from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise TerritoryDataError(
            f"{path} n'est pas un fichier JSON-lines compressé en gzip ({error}). {FIX}"
        ) from None

    records, lines = [], []
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and the like.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = jsonsafe.loads(line)
        except jsonsafe.JsonError as error:
            where = f"{path}, ligne {number}"
            raise TerritoryDataError(f"{where} : {error} {FIX}") from None
        records.append(_check_record(record, where=f"{path}, ligne {number}"))
        lines.append(number)
    if not records:
        raise TerritoryDataError(f"{path} ne contient aucun territoire. {FIX}")
    _check_references(records, lines, path=path)
    return records


def _check_record(record, *, where: str) -> dict:
    if not isinstance(record, dict):
        raise TerritoryDataError(f"{where} : un objet JSON était attendu. {FIX}")
    where = f"{where} ({record.get('kind')} {record.get('code')})"
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise TerritoryDataError(
            f"{where} : clé(s) manquante(s) : {', '.join(missing)}. {FIX}"
        )
    problems = []
    if record["kind"] not in Territory.Kind.values:
        problems.append(
            f"type « {record['kind']} » inconnu (attendu : "
            f"{', '.join(Territory.Kind.values)})"
        )
    for key, max_length in (("code", 12), ("name", 200)):
        value = record[key]
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            problems.append(
                f"« {key} » doit être un texte non vide de {max_length} "
                f"caractères au plus"
            )
    if not isinstance(record["siren"], str) or len(record["siren"]) > 9:
        problems.append("« siren » doit être un texte de 9 caractères au plus")
    for key in ("parent", "epci"):
        if record[key] is not None and not isinstance(record[key], str):
            problems.append(f"« {key} » doit être un code ou null")
    population = record["population"]
    if population is not None and (type(population) is not int or population < 0):
        problems.append("« population » doit être un entier positif ou null")
    codes = record["postal_codes"]
    if (
        not isinstance(codes, list)
        or not all(isinstance(code, str) and code.isalnum() for code in codes)
        or len(" ".join(codes)) > 300
    ):
        problems.append("« postal_codes » doit être une liste de codes postaux")
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = record[key]
        # type(), not isinstance(): true and false are not coordinates. NaN fails
        # the range test too.
        if value is not None and (
            type(value) not in (int, float) or not -limit <= value <= limit
        ):
            problems.append(
                f"« {key} » doit être un nombre entre -{limit} et {limit}, ou null"
            )
    if problems:
        raise TerritoryDataError(f"{where} : {' ; '.join(problems)}. {FIX}")
    return record


def _check_references(records: list[dict], lines: list[int], *, path: Path) -> None:
    codes = {kind: set() for kind in Territory.Kind.values}
    for record, line in zip(records, lines, strict=True):
        where = (
            f"{path}, ligne {line} : {record['kind']} {record['code']} "
            f"({record['name']})"
        )
        if record["code"] in codes[record["kind"]]:
            raise TerritoryDataError(f"{where} apparaît deux fois. {FIX}")
        codes[record["kind"]].add(record["code"])
    for record, line in zip(records, lines, strict=True):
        where = (
            f"{path}, ligne {line} : {record['kind']} {record['code']} "
            f"({record['name']})"
        )
        parent_kind = PARENT_KIND.get(record["kind"])
        if parent_kind is None and record["parent"] is not None:
            raise TerritoryDataError(
                f"{where} ne peut pas avoir de parent (« {record['parent']} »). {FIX}"
            )
        if parent_kind is not None and record["parent"] not in codes[parent_kind]:
            raise TerritoryDataError(
                f"{where} a pour parent « {record['parent']} », absent des "
                f"{PARENT_PLURAL[parent_kind]} du fichier. Corrigez ce code ou "
                f"ajoutez le territoire parent. {FIX}"
            )
        epci = record["epci"]
        if epci is not None and (
            record["kind"] != Territory.Kind.COMMUNE
            or epci not in codes[Territory.Kind.EPCI]
        ):
            raise TerritoryDataError(
                f"{where} est rattaché à l'EPCI « {epci} », qui n'est pas une "
                f"intercommunalité du fichier (seules les communes ont un EPCI). "
                f"{FIX}"
            )


def _check_slugs(records: list[dict], existing: dict, *, path: Path | str) -> None:
    """Refuse a file whose URL slugs would collide, before the unique index does."""
    in_file = {(record["kind"], record["code"]) for record in records}
    # Rows the file no longer lists keep their slug.
    owners = {row["slug"]: key for key, row in existing.items() if key not in in_file}
    for record in records:
        key = (record["kind"], record["code"])
        slug = territory_slug(record["code"], record["name"])
        other = owners.setdefault(slug, key)
        if other != key:
            raise TerritoryDataError(
                f"{path} : {record['kind']} {record['code']} ({record['name']}) "
                f"aurait l'identifiant d'URL « {slug} », déjà pris par "
                f"{other[0]} {other[1]}. Corrigez le nom ou le code dans le fichier."
            )
