"""The year an initiative started and the year it stopped: form, moderation,
import (CSV and GoGoCarto), export, detail page."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from initiatives import exports
from initiatives.models import Initiative
from tests.initiatives.test_submission import URL, valid_data


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def run_import(tmp_path, name, content, *args) -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_initiatives", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_submission_stores_the_years(client, geo):
    response = client.post(URL, valid_data(creation_year="2012", stopped_year="2020"))
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert (initiative.creation_year, initiative.stopped_year) == (2012, 2020)
    assert initiative.is_stopped


@pytest.mark.parametrize(
    ("years", "message"),
    [
        ({"creation_year": "2020", "stopped_year": "2012"}, "ne peut pas précéder"),
        ({"creation_year": "deux mille"}, "Saisissez un nombre entier"),
        ({"creation_year": "1200"}, "supérieure ou égale à 1800"),
        ({"stopped_year": "9999"}, "inférieure ou égale à"),
        ({"creation_year": "<script>alert(1)</script>"}, "Saisissez un nombre"),
    ],
)
def test_submission_refuses_impossible_years_in_french(client, geo, years, message):
    response = client.post(URL, valid_data(**years))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert not Initiative.objects.exists()


def test_the_form_shows_the_year_fields(client, geo):
    html = client.get(URL).content.decode()
    assert "Année de création" in html and "Année d&#x27;arrêt" in html


def test_moderator_can_set_the_years(client_for, make_initiative):
    initiative = make_initiative(status=Initiative.Status.PENDING)
    client = client_for("moderator")
    page = client.get(reverse("initiatives:moderate_initiative", args=[initiative.pk]))
    assert 'name="creation_year"' in page.content.decode()


def test_detail_page_says_when_it_started_and_stopped(client, make_initiative):
    initiative = make_initiative(creation_year=2015, stopped_year=2023)
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Année de création" in html and "2015" in html
    assert "Arrêtée en 2023" in html


def test_export_has_the_year_columns(client, make_initiative):
    make_initiative(name="Ancienne", creation_year=1998, stopped_year=2010)
    make_initiative(name="Récente")
    response = client.get(reverse("initiatives:export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["nom"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert (rows["Ancienne"]["annee_creation"], rows["Ancienne"]["annee_arret"]) == (
        "1998",
        "2010",
    )
    assert rows["Récente"]["annee_creation"] == rows["Récente"]["annee_arret"] == ""


def test_csv_import_reads_the_years_and_refuses_bad_ones(tmp_path, geo):
    base = dict.fromkeys(exports.COLUMN_NAMES, "")
    base.update(type_de_pratique="Fab lab", code_insee="29019")

    def line(**changes):
        row = {**base, **changes}
        return ";".join(row[name] for name in exports.COLUMN_NAMES)

    lines = [
        ";".join(exports.COLUMN_NAMES),
        line(nom="Bonne", annee_creation="2011", annee_arret=""),
        line(nom="Texte", annee_creation="vers 2010"),
        line(nom="Futur", annee_creation=str(timezone.now().year + 1)),
        line(nom="Envers", annee_creation="2015", annee_arret="2001"),
    ]
    out, err = run_import(tmp_path, "rows.csv", "\n".join(lines) + "\n")
    assert "1 initiatives ont été créées, 0 mises à jour, 3 ignorées" in out
    assert "annee_creation : « vers 2010 » n'est pas une année" in err
    assert "inférieure ou égale à" in err
    assert "ne peut pas précéder" in err
    good = Initiative.objects.get()
    assert (good.creation_year, good.stopped_year) == (2011, None)


def test_gogocarto_import_reads_a_creation_year(tmp_path, geo):
    elements = [
        {
            "id": "a1",
            "name": "Repair café",
            "categories": ["Repair café"],
            "address": {"postalCode": "29200", "addressLocality": "Brest"},
            "creationYear": 2016,
            "anneeArret": "2022-06-30",
        }
    ]
    out, err = run_import(
        tmp_path, "g.json", json.dumps(elements), "--format", "gogocarto"
    )
    assert err == ""
    initiative = Initiative.objects.get()
    assert (initiative.creation_year, initiative.stopped_year) == (2016, 2022)
