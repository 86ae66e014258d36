"""Official territories: loading the Etalab file, lookups, the JSON search
endpoint and the territory form field.

The tests marked slow, which load the full committed file once for the module,
come last: the loaded rows stay until the end of the module.
"""

import gzip
import io

import pytest
from django import forms
from django.core.management import CommandError, call_command
from django.urls import reverse

from observatoire.fields import TerritoryField
from observatoire.models import Territory
from observatoire.territories import territories_load
from tests.observatoire.conftest import sample_records, territory

K = Territory.Kind


def load(path):
    output = io.StringIO()
    call_command("load_territories", file=str(path), stdout=output)
    return output.getvalue()


def snapshot():
    return sorted(
        Territory.objects.values_list(
            "kind", "code", "name", "slug", "population", "parent__code", "epci__code"
        )
    )


# Loading


@pytest.mark.django_db
def test_load_builds_the_hierarchy(territory_file):
    output = load(territory_file())

    brest = Territory.objects.select_related("parent__parent", "epci").get(
        kind=K.COMMUNE, code="29019"
    )
    assert brest.parent.name == "Finistère"
    assert brest.parent.parent.name == "Bretagne"
    assert brest.epci.name == "Brest Métropole"
    assert brest.slug == "brest-29019"
    assert brest.postal_code_list == ["29200"]
    assert Territory.objects.get(kind=K.REGION, code="53").slug == "bretagne-53"
    assert (
        Territory.objects.get(kind=K.DEPARTEMENT, code="2A").slug == "corse-du-sud-2a"
    )
    assert Territory.objects.get(code="242900314").siren == "242900314"
    sein = Territory.objects.get(code="29083")
    assert sein.epci is None
    assert "Commune : 11 créés, 0 mis à jour, 0 inchangés" in output
    assert "Durée" in output


@pytest.mark.django_db
def test_codes_are_unique_per_kind_only(territory_file):
    """Région 11 (Île-de-France) and département 11 (Aude) are two territories."""
    load(territory_file())

    assert Territory.objects.get(kind=K.REGION, code="11").name == "Île-de-France"
    aude = Territory.objects.get(kind=K.DEPARTEMENT, code="11")
    assert aude.name == "Aude"
    assert aude.children.get().name == "Saint-Denis"


@pytest.mark.django_db
def test_search_name_is_filled_although_bulk_create_skips_save(territory_file):
    load(territory_file())

    assert Territory.objects.get(code="42218").search_name == "saint etienne"
    assert Territory.objects.get(kind=K.REGION, code="11").search_name == (
        "ile de france"
    )


@pytest.mark.django_db
def test_second_run_changes_nothing(territory_file):
    path = territory_file()
    load(path)
    before = snapshot()

    report = territories_load(path=path)

    assert snapshot() == before
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert sum(report.unchanged.values()) == len(sample_records()) + 1  # France


@pytest.mark.django_db
def test_rerun_updates_a_renamed_record_in_place(territory_file):
    load(territory_file())
    brest_pk = Territory.objects.get(code="29019").pk
    records = sample_records()
    for record in records:
        if record["code"] == "29019":
            record.update(name="Brest-sur-Mer", population=150000)

    report = territories_load(path=territory_file(records, name="renamed.jsonl.gz"))

    brest = Territory.objects.get(code="29019")
    assert brest.pk == brest_pk
    assert (brest.name, brest.population) == ("Brest-sur-Mer", 150000)
    assert brest.slug == "brest-sur-mer-29019"
    assert brest.search_name == "brest sur mer"
    assert Territory.objects.count() == len(records) + 1  # and France
    assert report.updated[K.COMMUNE] == 1
    assert report.unchanged[K.COMMUNE] == 10


@pytest.mark.django_db
def test_rerun_moves_a_commune_to_another_epci(territory_file):
    load(territory_file())
    records = sample_records()
    for record in records:
        if record["code"] == "29212":
            record["epci"] = None

    territories_load(path=territory_file(records, name="moved.jsonl.gz"))

    assert Territory.objects.get(code="29212").epci is None


@pytest.mark.django_db
def test_territories_gone_from_the_file_are_kept_and_reported(territory_file):
    load(territory_file())
    records = [r for r in sample_records() if r["code"] != "29212"]

    output = load(territory_file(records, name="smaller.jsonl.gz"))

    assert Territory.objects.filter(code="29212").exists()
    assert "1 territoires absents du fichier, conservés" in output
    assert "Plouzané (29212)" in output


@pytest.mark.django_db
def test_names_with_unusual_line_separators_load(territory_file):
    records = sample_records()
    records[-1]["name"] = "Ajaccio\u2028bis"

    load(territory_file(records))

    assert Territory.objects.get(code="2A004").name == "Ajaccio\u2028bis"


@pytest.mark.django_db
def test_progress_is_printed(territory_file, monkeypatch):
    monkeypatch.setattr("observatoire.territories.PROGRESS_EVERY", 10)

    output = load(territory_file())

    assert "10/29 territoires traités" in output
    assert "20/29 territoires traités" in output


def with_bad_record(**changes):
    records = sample_records()
    records[-1] = {**records[-1], **changes}
    return records


def without_key(key):
    records = sample_records()
    del records[-1][key]
    return records


@pytest.fixture
def untouched(sample):
    """Assert, after the test, that the loaded sample has not changed."""
    before = snapshot()
    yield
    assert snapshot() == before


@pytest.mark.django_db
def test_missing_file_is_a_clear_error(tmp_path, untouched):
    with pytest.raises(CommandError) as error:
        load(tmp_path / "nowhere.jsonl.gz")

    message = str(error.value)
    assert "Fichier de territoires introuvable" in message
    assert "nowhere.jsonl.gz" in message
    assert "Aucun territoire n'a été modifié" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"code;nom\n29019;Brest\n", "n'est pas un fichier JSON-lines compressé"),
        (gzip.compress(b'{"kind": "region",\n'), "ligne 1 : JSON invalide"),
        (gzip.compress(b"[1, 2]\n"), "ligne 1 : un objet JSON était attendu"),
        (gzip.compress(b"[" * 50_000 + b"\n"), "ligne 1 : ligne 1, colonne 65"),
        (gzip.compress(b"\n\n"), "ne contient aucun territoire"),
        (gzip.compress(b"\xff\xfe\n"), "n'est pas un fichier JSON-lines"),
        (
            gzip.compress(b'{"kind": "region"}\n')[:-6],
            "n'est pas un fichier JSON-lines",
        ),
    ],
    ids=[
        "not-gzip",
        "malformed-json",
        "not-an-object",
        "deeply-nested",
        "empty",
        "not-utf8",
        "cut",
    ],
)
def test_unreadable_file_is_a_clear_error(tmp_path, untouched, content, expected):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(content)

    with pytest.raises(CommandError) as error:
        load(path)

    assert expected in str(error.value)
    assert "scripts/derive_territories.py" in str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            without_key("parent"),
            "ligne 29 (commune 2A004) : clé(s) manquante(s) : parent",
        ),
        (
            with_bad_record(parent="99"),
            "ligne 29 : commune 2A004 (Ajaccio) a pour parent « 99 », absent des "
            "départements",
        ),
        (
            with_bad_record(parent="94"),
            # 94 is a région here, not a département.
            "commune 2A004 (Ajaccio) a pour parent « 94 », absent des départements",
        ),
        (
            with_bad_record(epci="999999999"),
            "commune 2A004 (Ajaccio) est rattaché à l'EPCI « 999999999 »",
        ),
        (with_bad_record(kind="canton"), "type « canton » inconnu"),
        (with_bad_record(name=""), "« name » doit être un texte non vide"),
        (with_bad_record(population="beaucoup"), "« population » doit être un entier"),
        (with_bad_record(postal_codes="20000"), "« postal_codes » doit être une liste"),
        (with_bad_record(latitude="nord"), "« latitude » doit être un nombre"),
        (
            with_bad_record(longitude=181.5),
            "« longitude » doit être un nombre entre -180 et 180",
        ),
        (
            sample_records() + [territory("region", "53", "Bretagne bis")],
            "ligne 30 : region 53 (Bretagne bis) apparaît deux fois",
        ),
        (
            sample_records()
            + [territory("departement", "53", "Bretagne", parent="53")],
            "aurait l'identifiant d'URL « bretagne-53 », déjà pris par region 53",
        ),
    ],
    ids=[
        "missing-key",
        "unknown-parent",
        "parent-of-wrong-kind",
        "unknown-epci",
        "unknown-kind",
        "empty-name",
        "bad-population",
        "bad-postal-codes",
        "bad-latitude",
        "longitude-out-of-range",
        "duplicate",
        "slug-clash",
    ],
)
def test_inconsistent_file_is_a_clear_error(
    territory_file, untouched, records, expected
):
    with pytest.raises(CommandError) as error:
        load(territory_file(records, name="bad.jsonl.gz"))

    assert expected in str(error.value)
    assert "Aucun territoire n'a été modifié" in str(error.value)


@pytest.mark.django_db
def test_a_bad_record_after_good_changes_rolls_everything_back(
    territory_file, untouched
):
    """Validation happens before writing: a rename earlier in the file is not
    applied when a later record is wrong."""
    records = with_bad_record(parent="99")
    records[0]["name"] = "Bretagne renommée"

    with pytest.raises(CommandError):
        load(territory_file(records, name="bad.jsonl.gz"))


# Lookups


def codes(queryset):
    return [t.code for t in queryset]


@pytest.mark.parametrize(
    "query",
    ["saint etienne", "Saint-Étienne", "SAINT ÉTIENNE", "st etienne", "St-Étienne"],
)
def test_search_ignores_accents_case_and_abbreviations(sample, query):
    assert codes(Territory.objects.search(query).ranked())[:1] == ["42218"]


def test_search_by_postal_code(sample):
    assert codes(Territory.objects.search("29200")) == ["29019"]
    assert codes(Territory.objects.search("69003")) == ["69123"]
    # The second postal code of Saint-Denis (93) is found too.
    assert codes(Territory.objects.search("93210")) == ["93066"]


def test_search_by_official_code(sample):
    assert codes(Territory.objects.search("29019")) == ["29019"]
    assert codes(Territory.objects.communes().search("2a004")) == ["2A004"]
    assert codes(Territory.objects.search("242900314")) == ["242900314"]


def test_search_ranks_biggest_first(sample):
    ranked = Territory.objects.communes().search("saint denis").ranked()
    assert codes(ranked) == ["97411", "93066", "11339"]


def test_search_ranks_exact_names_before_bigger_partial_matches(sample):
    """ "Eu" (6,499 inhabitants) before Évreux (49,360), which merely contains "eu"."""
    assert codes(Territory.objects.communes().search("eu").ranked()) == [
        "76255",
        "27229",
    ]


def test_search_of_nothing_finds_nothing(sample):
    assert not Territory.objects.search("  - ").exists()


def test_within_follows_parents_and_epci(sample):
    bretagne = Territory.objects.get(kind=K.REGION, code="53")
    assert set(codes(bretagne.within())) == {"53", "29", "29019", "29212", "29083"}
    metropole = Territory.objects.get(kind=K.EPCI, code="242900314")
    assert set(codes(metropole.within())) == {"242900314", "29019", "29212"}
    finistere = Territory.objects.get(kind=K.DEPARTEMENT, code="29")
    assert set(codes(finistere.within())) == {"29", "29019", "29212", "29083"}


# JSON endpoint


def search_json(client, **params):
    response = client.get(reverse("territory_search"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_search_endpoint_returns_ranked_labels(client, sample):
    results = search_json(client, q="saint denis", kind="commune")

    assert [r["label"] for r in results] == [
        "Saint-Denis (974)",
        "Saint-Denis (93)",
        "Saint-Denis (11)",
    ]
    assert results[1] == {
        "id": Territory.objects.get(code="93066").pk,
        "slug": "saint-denis-93066",
        "label": "Saint-Denis (93)",
        "kind_label": "Commune",
        "code": "93066",
        "kind": "commune",
        "postal_codes": ["93200", "93210", "93380"],
    }


def test_search_endpoint_filters_kinds(client, sample):
    assert search_json(client, q="finistere", kind="commune") == []
    assert [r["label"] for r in search_json(client, q="finistere")] == [
        "Finistère (29)"
    ]
    both = search_json(client, q="brest", kind=["commune", "epci"])
    assert [r["label"] for r in both] == ["Brest (29)", "Brest Métropole"]
    assert search_json(client, q="brest", kind="canton") == []


def test_search_endpoint_by_postal_code(client, sample):
    assert [r["label"] for r in search_json(client, q="29200")] == ["Brest (29)"]


@pytest.mark.django_db
def test_search_endpoint_returns_at_most_ten(client, territory_file):
    records = sample_records() + [
        territory("commune", f"29{n:03}", f"Saint-Ville-{n}", parent="29")
        for n in range(300, 320)
    ]
    load(territory_file(records))

    assert len(search_json(client, q="saint ville")) == 10


@pytest.mark.parametrize("query", ["", "b", " - ", "x" * 5000])
def test_search_endpoint_ignores_too_short_or_junk_queries(client, sample, query):
    assert search_json(client, q=query) == []


def test_search_endpoint_answers_in_one_query(
    client, sample, django_assert_num_queries
):
    """Guards against one query per result for the département code of the label."""
    with django_assert_num_queries(1):
        results = search_json(client, q="saint")
    assert len(results) == 5  # 4 communes and Seine-Saint-Denis


def test_search_endpoint_rejects_post(client, sample):
    assert client.post(reverse("territory_search"), {"q": "brest"}).status_code == 405


# TerritoryField


class PlaceForm(forms.Form):
    place = TerritoryField(label="Commune")


class OptionalEpciForm(forms.Form):
    epci = TerritoryField(label="Intercommunalité", kinds=[K.EPCI], required=False)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("29019", "29019"),
        ("29200", "29019"),
        ("Brest (29)", "29019"),
        ("brest", "29019"),
        ("  BREST  ", "29019"),
        ("Saint-Étienne", "42218"),
        ("st etienne (42)", "42218"),
        ("Saint-Denis (974)", "97411"),
        ("saint denis (93)", "93066"),
        ("93380", "93066"),
        ("2A004", "2A004"),
        ("ajaccio", "2A004"),
        ("Plouza", "29212"),
    ],
)
def test_field_resolves_what_people_type(sample, typed, code):
    form = PlaceForm({"place": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"] == Territory.objects.get(code=code)


def test_field_lists_candidates_when_ambiguous(sample):
    form = PlaceForm({"place": "Saint-Denis"})

    assert not form.is_valid()
    assert form.errors["place"] == [
        "Plusieurs territoires correspondent à « Saint-Denis » : choisissez le bon "
        "dans la liste sous le champ (Saint-Denis (974), Saint-Denis (93), "
        "Saint-Denis (11))."
    ]


def test_field_shortens_long_candidate_lists(db, territory_file):
    records = sample_records() + [
        territory("commune", f"29{n:03}", "Kerville", parent="29", population=n)
        for n in range(300, 307)
    ]
    load(territory_file(records))

    form = PlaceForm({"place": "kerville"})

    assert not form.is_valid()
    message = form.errors["place"][0]
    # Homonyms in the same département are told apart by their INSEE code.
    assert "Kerville (29306), Kerville (29305), Kerville (29304)" in message
    assert message.count("Kerville (") == 5  # five candidates, then « … »
    assert message.endswith("…).")
    assert "…" in message


@pytest.mark.parametrize(
    "typed", ["Atlantide", "Brest (35)", "99999", "29", "Finistère", "Brest Métropole"]
)
def test_field_rejects_unknown_places_and_other_kinds(sample, typed):
    form = PlaceForm({"place": typed})

    assert not form.is_valid()
    assert form.errors["place"][0].startswith(
        f"Aucun territoire ne correspond à « {typed} »"
    )


def test_field_kinds(sample):
    form = OptionalEpciForm({"epci": "Brest Métropole"})
    assert form.is_valid()
    assert form.cleaned_data["epci"].code == "242900314"
    # A commune is not an intercommunalité; a part of an EPCI name is enough.
    assert not OptionalEpciForm({"epci": "Plouzané"}).is_valid()
    partial = OptionalEpciForm({"epci": "brest"})
    assert partial.is_valid()
    assert partial.cleaned_data["epci"].code == "242900314"


@pytest.mark.parametrize("typed", ["", "   "])
def test_field_empty(sample, typed):
    assert PlaceForm({"place": typed}).errors["place"] == ["Ce champ est obligatoire."]
    optional = OptionalEpciForm({"epci": typed})
    assert optional.is_valid()
    assert optional.cleaned_data["epci"] is None


def test_field_rejects_too_long_input(sample):
    form = PlaceForm({"place": "Brest" * 50})

    assert not form.is_valid()
    assert "au plus 200 caractères" in form.errors["place"][0]


def test_field_rejects_null_characters(sample):
    assert not PlaceForm({"place": "Bre\x00st"}).is_valid()


def test_field_escapes_html_in_its_error(sample):
    form = PlaceForm({"place": "<script>alert(1)</script>"})

    html = str(form)

    assert not form.is_valid()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_field_shows_the_label_of_its_initial_value(sample):
    brest = Territory.objects.get(code="29019")

    assert 'value="Brest (29)"' in str(PlaceForm(initial={"place": brest}))
    # ModelForm passes the primary key of a foreign key.
    assert 'value="Brest (29)"' in str(PlaceForm(initial={"place": brest.pk}))
    assert not PlaceForm(
        {"place": "Brest (29)"}, initial={"place": brest.pk}
    ).has_changed()


def test_field_widget_points_the_script_to_the_endpoint(sample):
    form = OptionalEpciForm()

    html = str(form["epci"])

    assert 'data-territory-search="/territoires/recherche/?kind=epci"' in html
    assert 'autocomplete="off"' in html
    assert 'maxlength="200"' in html
    assert "js/territory-autocomplete.js" in str(form.media)


def test_search_endpoint_url_of_the_widget_works(client, sample):
    url = PlaceForm()["place"].field.widget.attrs["data-territory-search"]

    response = client.get(f"{url}&q=brest")

    assert [r["label"] for r in response.json()["results"]] == ["Brest (29)"]


# The full committed file (slow: about 36,000 rows, loaded once for the module)


@pytest.mark.slow
def test_full_file_counts(full_territories, db):
    counts = {kind: Territory.objects.filter(kind=kind).count() for kind in K.values}
    assert 34_800 <= counts[K.COMMUNE] <= 35_100
    assert 1_200 <= counts[K.EPCI] <= 1_300
    assert counts[K.DEPARTEMENT] == 101
    assert counts[K.REGION] == 18
    assert f"{counts[K.COMMUNE]} créés" in full_territories
    # Every commune has its département, every département its région.
    assert not Territory.objects.filter(
        kind__in=[K.COMMUNE, K.DEPARTEMENT], parent=None
    ).exists()
    assert not Territory.objects.filter(kind=K.COMMUNE, parent__kind=K.REGION).exists()


@pytest.mark.slow
def test_full_file_hierarchy(full_territories, db):
    def commune(code):
        return Territory.objects.select_related("parent__parent", "epci").get(
            kind=K.COMMUNE, code=code
        )

    brest = commune("29019")
    assert (brest.name, brest.parent.name, brest.parent.parent.name) == (
        "Brest",
        "Finistère",
        "Bretagne",
    )
    assert brest.epci.name == "Brest Métropole"
    assert "29200" in brest.postal_code_list

    lyon = commune("69123")
    assert (lyon.parent.code, lyon.parent.parent.name) == ("69", "Auvergne-Rhône-Alpes")
    assert lyon.epci.name == "Métropole de Lyon"
    assert lyon.population > 500_000

    saint_denis = commune("97411")
    assert (
        saint_denis.name,
        saint_denis.parent.name,
        saint_denis.parent.parent.code,
    ) == (
        "Saint-Denis",
        "La Réunion",
        "04",
    )
    assert saint_denis.epci is not None

    bretagne = Territory.objects.get(kind=K.REGION, code="53")
    assert bretagne.within().filter(kind=K.DEPARTEMENT).count() == 4
    assert bretagne.within().filter(kind=K.COMMUNE).count() > 1000


@pytest.mark.slow
def test_full_file_reload_is_idempotent(full_territories, db):
    before = Territory.objects.count()

    report = territories_load()

    assert Territory.objects.count() == before
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert sum(report.unchanged.values()) == before
    assert report.missing == []


@pytest.mark.slow
def test_full_file_lookups(full_territories, db):
    first = Territory.objects.communes().search("saint etienne").ranked().first()
    assert first.label == "Saint-Étienne (42)"
    assert Territory.objects.communes().search("29200").get().name == "Brest"
    assert Territory.objects.communes().search("brest").ranked().first().code == (
        "29019"
    )

    form = PlaceForm({"place": "Saint-Denis"})
    assert not form.is_valid()
    assert "Saint-Denis (974), Saint-Denis (93)" in form.errors["place"][0]
    assert PlaceForm({"place": "Saint-Denis (93)"}).is_valid()


# (south, north, west, east) in degrees, a few kilometres wider than the land.
BOUNDS = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.35, 14.9, -61.3, -60.8),  # Martinique
    "973": (2.1, 5.8, -54.7, -51.6),  # Guyane
    "974": (-21.4, -20.85, 55.2, 55.9),  # La Réunion
    "976": (-13.1, -12.6, 44.95, 45.35),  # Mayotte
}
METROPOLE = (41.3, 51.1, -5.2, 9.6)


def within(bounds, latitude, longitude):
    south, north, west, east = bounds
    return south <= latitude <= north and west <= longitude <= east


@pytest.mark.slow
def test_full_file_coordinates(full_territories, db):
    """The map needs a point per commune: every point lies in its part of France,
    and a few sit at the known place (about 10 km at most from the town centre)."""
    communes = Territory.objects.filter(kind=K.COMMUNE)
    located = communes.filter(latitude__isnull=False, longitude__isnull=False)
    # 4 communes of the Cantal have no outline in the source (see SOURCE.md).
    assert communes.count() - located.count() <= 10
    assert not Territory.objects.exclude(kind=K.COMMUNE).filter(latitude=None).exists()

    outside = [
        code
        for code, departement, latitude, longitude in located.values_list(
            "code", "parent__code", "latitude", "longitude"
        )
        if not within(BOUNDS.get(departement, METROPOLE), latitude, longitude)
    ]
    assert outside == []

    for kind, code, (latitude, longitude) in [
        (K.COMMUNE, "29019", (48.39, -4.49)),  # Brest
        (K.COMMUNE, "69123", (45.76, 4.84)),  # Lyon
        (K.COMMUNE, "97411", (-20.88, 55.45)),  # Saint-Denis, La Réunion
        (K.COMMUNE, "97302", (4.94, -52.33)),  # Cayenne
        (K.EPCI, "242900314", (48.39, -4.49)),  # Brest Métropole
        (K.DEPARTEMENT, "75", (48.86, 2.35)),  # Paris
    ]:
        territory = Territory.objects.get(kind=kind, code=code)
        assert abs(territory.latitude - latitude) < 0.1, territory
        assert abs(territory.longitude - longitude) < 0.13, territory
    # Départements and régions sit where their people live, inside their bounds.
    reunion = Territory.objects.get(kind=K.REGION, code="04")
    assert within(BOUNDS["974"], reunion.latitude, reunion.longitude)
    bretagne = Territory.objects.get(kind=K.REGION, code="53")
    assert within((47.3, 48.9, -5.2, -1.0), bretagne.latitude, bretagne.longitude)
