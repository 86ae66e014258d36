import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from initiatives import exports
from initiatives.models import Family, Initiative

PRIVATE = ("Nom Très Privé", "tres.prive@example.org")


def export(client, fmt, params=None):
    response = client.get(reverse("initiatives:export", args=[fmt]), params or {})
    assert response.status_code == 200
    assert response.streaming
    return response, b"".join(response.streaming_content).decode("utf-8")


def csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def sample(make_initiative, geo):
    make_initiative(
        name="Jardin « Les Capucins »",
        summary="Légumes; fleurs\net partage",
        families=list(Family.objects.filter(slug__in=["durable", "solidaire"])),
        tags=["compost", "quartier"],
        economic_model="free",
        submitter_name=PRIVATE[0],
        submitter_email=PRIVATE[1],
    )
    make_initiative(
        name='=HYPERLINK("http://evil")',
        commune=geo.lyon,
        latitude=None,
        longitude=None,
    )
    make_initiative(name="En attente", status=Initiative.Status.PENDING)


@pytest.mark.parametrize("fmt", ["csv", "geojson", "json"])
def test_exports_never_contain_private_fields(client, sample, fmt):
    _, text = export(client, fmt)
    for secret in PRIVATE:
        assert secret not in text
    assert "En attente" not in text
    assert "submitter" not in text


def test_csv_has_stable_columns_bom_and_semicolons(client, sample):
    response, text = export(client, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="initiatives_' in response["Content-Disposition"]
    # Partners' pages may fetch the open data from their own origin.
    assert response["Access-Control-Allow-Origin"] == "*"
    assert text.splitlines()[0] == "\ufeff" + ";".join(exports.COLUMN_NAMES)
    rows = csv_rows(text)
    assert [row["nom"] for row in rows] == [
        '\'=HYPERLINK("http://evil")',
        "Jardin « Les Capucins »",
    ]
    garden = rows[1]
    assert garden["resume"] == "Légumes; fleurs\net partage"
    assert garden["familles"] == "Solidaire | Durable"
    assert garden["mots_cles"] == "compost | quartier"
    assert garden["modele_economique"] == "Gratuit"
    assert garden["code_insee"] == "29019"
    assert garden["longitude"] == "-4.49"  # numbers are never apostrophe-prefixed
    assert rows[0]["latitude"] == ""


def test_geojson_is_rfc7946(client, sample):
    response, text = export(client, "geojson")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(text)
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    by_name = {f["properties"]["nom"]: f for f in data["features"]}
    garden = by_name["Jardin « Les Capucins »"]
    assert garden["geometry"] == {"type": "Point", "coordinates": [-4.49, 48.39]}
    assert garden["properties"]["familles"] == ["Solidaire", "Durable"]
    assert by_name['=HYPERLINK("http://evil")']["geometry"] is None
    assert all(feature["type"] == "Feature" for feature in data["features"])


def test_json_export_carries_licence_and_columns(client, sample):
    _, text = export(client, "json")
    data = json.loads(text)
    assert data["licence"] == "Licence Ouverte 2.0"
    assert data["colonnes"] == exports.COLUMN_NAMES
    assert len(data["initiatives"]) == 2
    assert set(data["initiatives"][0]) == set(exports.COLUMN_NAMES)


def test_exports_follow_the_filters(client, sample, geo):
    _, text = export(client, "csv", {"territoire": geo.ara.slug})
    assert [row["commune"] for row in csv_rows(text)] == ["Lyon"]
    _, text = export(client, "json", {"q": "capucins"})
    assert len(json.loads(text)["initiatives"]) == 1


def test_empty_selection_gives_valid_files(client, sample):
    _, text = export(client, "geojson", {"q": "rien ne correspond"})
    assert json.loads(text) == {"type": "FeatureCollection", "features": []}
    _, text = export(client, "csv", {"q": "rien ne correspond"})
    assert csv_rows(text) == []


def test_invalid_filter_refuses_to_export(client, sample):
    response = client.get(
        reverse("initiatives:export", args=["csv"]), {"type": "<script>"}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Filtre invalide" in response.content.decode()


def test_unknown_format_is_404(client):
    assert client.get(reverse("initiatives:export", args=["xlsx"])).status_code == 404


def test_export_rejects_post(client):
    assert client.post(reverse("initiatives:export", args=["csv"])).status_code == 405


@pytest.mark.parametrize("role", ["anonymous", "moderator", "agent", "superuser"])
def test_exports_are_public_and_the_same_for_everyone(client_for, sample, role):
    _, text = export(client_for(role), "json")
    assert len(json.loads(text)["initiatives"]) == 2
    assert PRIVATE[1] not in text


def test_open_data_page_documents_every_column(client):
    response = client.get(reverse("initiatives:open_data"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Licence Ouverte 2.0" in body
    for name in exports.COLUMN_NAMES:
        assert f"<code>{name}</code>" in body


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_export_queries_grow_with_chunks_not_rows(
    client, make_initiative, django_assert_num_queries, monkeypatch, fmt
):
    """Guards per-row queries for the many-to-many names and tags: the rows
    are read through one cursor, the names once per relation and per chunk
    of rows (here 3 chunks of 2)."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    for number in range(6):
        make_initiative(name=f"Fiche {number}", tags=[f"tag{number}"])
    # The rows, then 4 relations (families, levels, resources, tags) × 3 chunks.
    with django_assert_num_queries(13):
        _response, text = export(client, fmt)
    assert "Fiche 5" in text and "tag5" in text


def test_the_csv_header_is_sent_before_any_query(client, make_initiative):
    make_initiative()
    response = client.get(reverse("initiatives:export", args=["csv"]))
    first = next(iter(response.streaming_content)).decode("utf-8")
    assert first.startswith("\ufeffid;slug;nom;")
    assert first.count("\r\n") == 1


def test_every_public_field_has_a_column_and_no_private_one():
    """A field added to Initiative.PUBLIC_FIELDS without its column fails here;
    the importer reads the columns, so it follows."""
    exported = {column.field for column in exports.PUBLIC_COLUMNS}
    assert {*Initiative.PUBLIC_FIELDS, *Initiative.SOURCE_FIELDS} <= exported
    assert not exported & set(Initiative.PRIVATE_FIELDS)


@pytest.mark.parametrize("fmt", ["csv", "json", "tableur.csv"])
def test_dates_are_exported_in_local_time_to_the_microsecond(
    client, make_initiative, fmt
):
    """The dates are read from the database as UTC text (exports._UtcText):
    they must come out as Python itself writes them, in Paris time, summer and
    winter, with and without a fraction of a second."""
    winter = dt.datetime(2025, 1, 15, 23, 30, 5, 123456, tzinfo=dt.UTC)
    summer = dt.datetime(2025, 7, 1, 22, 0, 0, tzinfo=dt.UTC)
    initiative = make_initiative(name="Daté")
    Initiative.objects.filter(pk=initiative.pk).update(
        created_at=winter, published_at=summer, updated_at=summer
    )
    _response, text = export(client, fmt)
    if fmt == "json":
        record = json.loads(text)["initiatives"][0]
    else:
        record = csv_rows(text)[0]
    if fmt == "tableur.csv":
        # The spreadsheet's French dates: the next day in Paris, both times.
        assert record["Publiée le"] == "02/07/2025"
        assert record["Mise à jour le"] == "02/07/2025"
        return
    assert record["date_creation"] == "2025-01-16T00:30:05.123456+01:00"
    assert record["date_publication"] == "2025-07-02T00:00:00+02:00"
    assert record["date_mise_a_jour"] == "2025-07-02T00:00:00+02:00"
    # An imported record may have no publication date: an empty cell.
    Initiative.objects.filter(pk=initiative.pk).update(published_at=None)
    _response, text = export(client, fmt)
    record = json.loads(text)["initiatives"][0] if fmt == "json" else csv_rows(text)[0]
    assert record["date_publication"] == ""
