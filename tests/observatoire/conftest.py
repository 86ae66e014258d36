"""Territory files for the loader tests: small ones written to tmp_path, and the
full committed file loaded once per module."""

import gzip
import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from initiatives.models import Category, Family, Initiative
from observatoire import indicators
from observatoire.models import SearchDocument, Territory
from tests.ateliers.conftest import make_workshop  # noqa: F401 (a fixture)
from tests.initiatives.conftest import make_initiative  # noqa: F401 (a fixture)
from tests.referentiel.conftest import referential  # noqa: F401 (a fixture)


def territory(kind, code, name, *, parent=None, epci=None, population=None, postal=()):
    return {
        "kind": kind,
        "code": code,
        "siren": code if kind == "epci" else "",
        "name": name,
        "parent": parent,
        "epci": epci,
        "population": population,
        "postal_codes": list(postal),
        "latitude": None,
        "longitude": None,
    }


def sample_records() -> list[dict]:
    """A few real places (2026 figures), with the homonyms and accents that make
    lookups hard."""
    return [
        territory("region", "53", "Bretagne", population=3449370),
        territory("region", "84", "Auvergne-Rhône-Alpes", population=8205557),
        territory("region", "11", "Île-de-France", population=12463067),
        territory("region", "04", "La Réunion", population=889679),
        territory("region", "28", "Normandie", population=3345842),
        territory("region", "76", "Occitanie", population=6124653),
        territory("region", "94", "Corse", population=355486),
        territory("departement", "29", "Finistère", parent="53", population=933455),
        territory("departement", "69", "Rhône", parent="84", population=1914667),
        territory("departement", "42", "Loire", parent="84", population=774133),
        territory(
            "departement", "93", "Seine-Saint-Denis", parent="11", population=1704316
        ),
        territory("departement", "974", "La Réunion", parent="04", population=889679),
        territory("departement", "27", "Eure", parent="28", population=602714),
        territory(
            "departement", "76", "Seine-Maritime", parent="28", population=1260964
        ),
        territory("departement", "11", "Aude", parent="76", population=379648),
        territory("departement", "2A", "Corse-du-Sud", parent="94", population=168306),
        territory("epci", "242900314", "Brest Métropole", population=213403),
        territory("epci", "200046977", "Métropole de Lyon", population=1433613),
        territory(
            "commune",
            "29019",
            "Brest",
            parent="29",
            epci="242900314",
            population=142346,
            postal=["29200"],
        ),
        territory(
            "commune",
            "29212",
            "Plouzané",
            parent="29",
            epci="242900314",
            population=13567,
            postal=["29280"],
        ),
        territory(
            "commune",
            "29083",
            "Île-de-Sein",
            parent="29",
            population=211,
            postal=["29990"],
        ),
        territory(
            "commune",
            "69123",
            "Lyon",
            parent="69",
            epci="200046977",
            population=519127,
            postal=[f"6900{n}" for n in range(1, 10)],
        ),
        territory(
            "commune",
            "42218",
            "Saint-Étienne",
            parent="42",
            population=173136,
            postal=["42000", "42100", "42230"],
        ),
        territory(
            "commune",
            "93066",
            "Saint-Denis",
            parent="93",
            population=149077,
            postal=["93200", "93210", "93380"],
        ),
        territory(
            "commune",
            "97411",
            "Saint-Denis",
            parent="974",
            population=155634,
            postal=["97400", "97417", "97490"],
        ),
        territory(
            "commune",
            "11339",
            "Saint-Denis",
            parent="11",
            population=523,
            postal=["11310"],
        ),
        territory(
            "commune", "76255", "Eu", parent="76", population=6499, postal=["76260"]
        ),
        territory(
            "commune",
            "27229",
            "Évreux",
            parent="27",
            population=49360,
            postal=["27000"],
        ),
        territory(
            "commune",
            "2A004",
            "Ajaccio",
            parent="2A",
            population=76320,
            postal=["20000", "20090", "20167"],
        ),
    ]


def write_territory_file(path, records, *, compress=True):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as file:
            file.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def territory_file(tmp_path):
    """Write records (the sample by default) to a gzip file; returns its path."""

    def write(records=None, name="territories.jsonl.gz"):
        records = sample_records() if records is None else records
        return write_territory_file(tmp_path / name, records)

    return write


@pytest.fixture
def sample(db, territory_file):
    """The sample loaded through the real command."""
    call_command("load_territories", file=str(territory_file()), stdout=io.StringIO())


@pytest.fixture(scope="module")
def full_territories(django_db_setup, django_db_blocker):
    """The committed file, loaded once for the module (about 36,000 rows).

    Outside the per-test transaction, so the rows are removed afterwards: other
    modules expect an empty territory table.
    """
    with django_db_blocker.unblock():
        output = io.StringIO()
        call_command("load_territories", stdout=output)
        yield output.getvalue()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Territory._meta.db_table}")
            # Their search documents too (observatoire.search).
            cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")


@pytest.fixture
def land(geo, make_initiative, make_workshop):  # noqa: F811 (fixtures)
    """France 68 M inhabitants > Bretagne 3.4 M > Finistère 900,000 > Brest
    Métropole 210,000 > Brest 140,000; Quimper (63,283) in Finistère, outside
    the EPCI; Lyon (522,250) in Rhône, Auvergne-Rhône-Alpes.

    Published: 3 initiatives in Brest, 1 in Quimper, 2 in Lyon; plus one
    pending and one archived in Brest, never counted."""
    france = Territory.objects.create(
        kind=Territory.Kind.FRANCE,
        code="france",
        slug="france",
        name="France",
        population=68_000_000,
    )
    for territory, population in (
        (geo.bretagne, 3_400_000),
        (geo.finistere, 900_000),
        (geo.metropole, 210_000),
        (geo.brest, 140_000),
        (geo.ara, 8_000_000),
        (geo.rhone, 1_900_000),
    ):
        territory.population = population
        territory.save()
    Territory.objects.filter(kind=Territory.Kind.REGION).update(parent=france)
    garden, repair = Category.objects.order_by("position")[:2]
    libre = Family.objects.get(slug="libre")
    solidaire = Family.objects.get(slug="solidaire")
    durable = Family.objects.get(slug="durable")
    brest = [
        make_initiative(
            commune=geo.brest,
            category=garden,
            families=[libre, solidaire],
            economic_model="free",
            creation_year=2015,
            tags=["compost"],
        ),
        make_initiative(
            commune=geo.brest,
            category=garden,
            families=[libre],
            economic_model="paid",
            creation_year=2015,
            stopped_year=2020,
            tags=["compost", "vélo"],
        ),
        make_initiative(commune=geo.brest, category=repair),
    ]
    quimper = make_initiative(
        commune=geo.quimper, category=repair, families=[durable], creation_year=2018
    )
    lyon = [
        make_initiative(commune=geo.lyon, category=garden, families=[libre]),
        make_initiative(commune=geo.lyon, category=garden),
    ]
    pending = make_initiative(commune=geo.brest, status=Initiative.Status.PENDING)
    make_initiative(commune=geo.brest, status=Initiative.Status.ARCHIVED)
    make_workshop(
        "Atelier de Quimper\n\nPoints de vigilance\n- Le bénévolat s'épuise\n"
        "- Les locaux manquent\n\nOpportunités\n- Un tiers-lieu ouvre\n",
        territory=geo.quimper,
    )
    make_workshop(
        "Atelier de Lyon\n\nEnjeux\n- Un enjeu lyonnais\n", territory=geo.lyon
    )
    make_workshop(
        "Brouillon brestois\n\nPoints de vigilance\n- Pas encore publié\n",
        territory=geo.brest,
        published=False,
    )
    return SimpleNamespace(
        **vars(geo),
        france=france,
        brest_initiatives=brest,
        quimper_initiative=quimper,
        lyon_initiatives=lyon,
        pending=pending,
        garden=garden,
        repair=repair,
    )


def fresh(territory):
    return indicators.with_ancestors().get(pk=territory.pk)
