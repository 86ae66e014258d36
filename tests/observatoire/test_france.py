"""France, the territory above the régions: loader, migration, `within`."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from initiatives.models import Initiative
from observatoire.models import Territory
from observatoire.territories import territories_load
from tests.observatoire.conftest import sample_records

K = Territory.Kind


@pytest.mark.django_db
def test_loader_puts_france_above_the_regions(territory_file):
    output = io.StringIO()
    call_command("load_territories", file=str(territory_file()), stdout=output)

    france = Territory.objects.get(kind=K.FRANCE)
    regions = [r for r in sample_records() if r["kind"] == "region"]
    assert (france.code, france.slug, france.name) == ("france", "france", "France")
    assert france.population == sum(r["population"] for r in regions)
    assert not Territory.objects.filter(kind=K.REGION).exclude(parent=france).exists()
    assert f"France : {france.population} habitants" in output.getvalue()
    assert france.get_absolute_url() == "/territoires/france/"


@pytest.mark.django_db
def test_reloading_keeps_one_france_and_never_reports_it_missing(territory_file):
    path = territory_file()
    territories_load(path=path)
    records = sample_records()
    records[0]["population"] += 1000
    report = territories_load(path=territory_file(records, name="b.jsonl.gz"))

    assert Territory.objects.filter(kind=K.FRANCE).count() == 1
    total = sum(r["population"] for r in records if r["kind"] == "region")
    assert Territory.objects.get(kind=K.FRANCE).population == total
    assert report.missing == []


@pytest.mark.django_db
def test_everything_is_inside_france(geo, make_initiative):
    france = Territory.objects.create(
        kind=K.FRANCE, code="france", slug="france", name="France"
    )
    Territory.objects.filter(kind=K.REGION).update(parent=france)
    make_initiative(commune=geo.brest)
    make_initiative(commune=geo.lyon)

    assert france.within().count() == Territory.objects.count()
    assert Initiative.objects.within(france).count() == 2
    # A région still holds only its own départements and communes.
    assert france not in set(geo.bretagne.within())
    assert Initiative.objects.within(geo.bretagne).count() == 1


@pytest.mark.django_db
def test_data_migration_adds_france_to_a_loaded_database(territory_file):
    territories_load(path=territory_file())
    Territory.objects.filter(kind=K.REGION).update(parent=None)
    Territory.objects.filter(kind=K.FRANCE).delete()
    migration = importlib.import_module("observatoire.migrations.0004_france")

    migration.add_france(apps, None)
    migration.add_france(apps, None)  # safe to re-run

    france = Territory.objects.get(kind=K.FRANCE)
    assert france.population == sum(
        r["population"] for r in sample_records() if r["kind"] == "region"
    )
    assert Territory.objects.filter(kind=K.REGION, parent=france).count() == 7
