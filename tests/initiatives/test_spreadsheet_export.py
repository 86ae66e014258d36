"""The spreadsheet CSV an agent opens in Excel or LibreOffice: French
headers, JJ/MM/AAAA dates, decimal commas, plain text, the administrative
levels of the commune, and a file name that says what it holds."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

URL = reverse("initiatives:export", args=["tableur.csv"])


def read(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_headers_dates_decimals_and_levels_read_the_french_way(
    client, geo, make_initiative
):
    initiative = make_initiative(
        name="Jardin des Capucins",
        description="On y cultive **ensemble** des légumes.\n\n- tomates\n- =1+1",
        latitude=48.39012,
        longitude=-4.4861,
    )
    published = timezone.make_aware(datetime(2026, 3, 7, 23, 30))
    type(initiative).objects.filter(pk=initiative.pk).update(published_at=published)
    header, row = read(client.get(URL))
    record = dict(zip(header, row, strict=True))
    assert header[:3] == ["Nom", "Type de pratique", "Résumé"]
    assert record["Nom"] == "Jardin des Capucins"
    assert record["Publiée le"] == "07/03/2026"
    assert record["Latitude"] == "48,39012"
    assert record["Longitude"] == "-4,4861"
    assert "**" not in record["Description"]
    assert record["Description"].startswith("On y cultive ensemble des légumes.")
    # A formula-looking line of plain text is still neutralised.
    assert "=1+1" in record["Description"]
    assert record["Commune"] == "Brest"
    assert record["Intercommunalité"] == "Brest Métropole"
    assert record["Département"] == "Finistère"
    assert record["Région"] == "Bretagne"


def test_the_file_name_says_the_filter_and_the_date(client, geo, make_initiative):
    make_initiative()
    response = client.get(URL, {"territoire": geo.finistere.slug, "q": "Jardin"})
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="initiatives_jardin_{geo.finistere.slug}_{today}.csv"'
    )
    plain = client.get(reverse("initiatives:export", args=["csv"]))
    assert f'filename="initiatives_{today}.csv"' in plain["Content-Disposition"]


def test_both_csv_are_linked_from_the_list_and_the_open_data_page(client, db):
    for page in ("initiatives:list", "initiatives:open_data"):
        html = client.get(reverse(page)).content.decode()
        assert URL in html
        assert reverse("initiatives:export", args=["csv"]) in html


def test_a_bad_filter_exports_nothing(client, geo):
    response = client.get(URL, {"territoire": "inconnu-99"})
    assert response.status_code == 400
