"""The server-drawn choropleth: quantile classes, one accessible link per child,
escaping, and the committed boundary files (coverage and size budgets)."""

import gzip
import json
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from observatoire.choropleth import (
    BOUNDARIES_DIR,
    boundaries,
    class_of,
    departement_of_commune,
    quantile_breaks,
    render_choropleth,
    shape_of,
)
from observatoire.models import Territory

K = Territory.Kind
SVG = "{http://www.w3.org/2000/svg}"
TERRITORIES_FILE = (
    settings.BASE_DIR / "fixtures" / "territories" / "territories.jsonl.gz"
)


@pytest.fixture(scope="module")
def records():
    with gzip.open(TERRITORIES_FILE, "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def place(kind, code, name):
    # Unsaved: the map needs only kind, code and name, no database.
    return Territory(kind=kind, code=code, name=name)


def parse(html):
    return ET.fromstring(html)


def links(figure):
    return figure.findall(f".//{SVG}a")


# Quantile classes


def test_ten_distinct_values_make_five_classes_of_two():
    breaks = quantile_breaks(range(10))

    assert breaks == [2, 4, 6, 8]
    assert [class_of(v, breaks) for v in range(10)] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_repeated_values_merge_classes_and_keep_equal_values_together():
    values = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4]

    breaks = quantile_breaks(values)

    # Bounds at positions 2, 4, 6, 8: 0, 0, 1, 3; the zeros stay in one class.
    assert breaks == [1, 3]
    assert [class_of(v, breaks) for v in values] == [0] * 6 + [1, 1, 2, 2]


def test_fewer_distinct_values_than_classes():
    assert quantile_breaks([2.5, 1.0, 2.5]) == [2.5]
    assert quantile_breaks([7, 7, 7]) == []
    assert quantile_breaks([]) == []


# Rendering


def france_rows(records, value=lambda index: index / 10):
    departements = [r for r in records if r["kind"] == "departement"]
    return [
        (place(K.DEPARTEMENT, r["code"], r["name"]), value(i), f"/t/{r['code']}/")
        for i, r in enumerate(departements)
    ]


def test_every_departement_of_france_gets_a_linked_shape_with_its_value(records):
    rows = france_rows(records)

    figure = parse(render_choropleth(None, rows, caption="Densité"))

    shapes = links(figure)
    assert len(shapes) == 101
    labels = {a.get("aria-label") for a in shapes}
    # Codes sort as text: 2A and 2B come after 29, Finistère is the 28th.
    assert "Finistère : 2,7 initiatives pour 10 000 habitants" in labels
    assert "Mayotte : 10,0 initiatives pour 10 000 habitants" in labels
    for a in shapes:
        assert a.find(f"{SVG}title").text == a.get("aria-label")
        assert a.get("href").startswith("/t/")
        assert a.find(f"{SVG}path").get("d").startswith("M")
    # The five overseas départements sit in their inset frames.
    assert len(figure.findall(f".//{SVG}rect[@class='choro-inset']")) == 5
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "group"
    assert svg.find(f"{SVG}title").text == "Densité"


def test_legend_states_quantiles_and_counts_each_class(records):
    rows = france_rows(records, value=lambda index: [1.0, 2.0, None][index % 3])

    html = render_choropleth(None, rows, caption="Densité")

    text = "".join(parse(html).itertext())
    assert "en 2 classes de quantiles" in text
    assert "1,0 (34 territoires)" in text
    assert "2,0 (34 territoires)" in text
    assert "pas de donnée (33 territoires)" in text
    figure = parse(html)
    no_data = [a for a in links(figure) if a.get("aria-label").endswith("donnée")]
    assert len(no_data) == 33
    assert all(
        a.find(f"{SVG}path").get("fill") == "url(#choro-fr-hatch)" for a in no_data
    )


def test_french_number_format_with_grouping():
    rows = [(place(K.REGION, "53", "Bretagne"), 12345.678, "/b/")]

    figure = parse(render_choropleth(None, rows, caption="c", unit="habitants"))

    label = links(figure)[0].get("aria-label")
    assert label.replace("\u202f", " ").replace("\xa0", " ") == (
        "Bretagne : 12 345,7 habitants"
    )


def test_names_and_caption_are_escaped():
    rows = [(place(K.REGION, "53", '<script>alert("x")</script> & Co'), 1.0, "/b/")]

    html = render_choropleth(None, rows, caption="<b>Densité</b>")

    assert "<script>" not in html and "<b>" not in html
    figure = parse(html)  # still well-formed
    assert links(figure)[0].get("aria-label").startswith('<script>alert("x")')
    assert figure.find(f"{SVG}svg/{SVG}title").text == "<b>Densité</b>"


def test_communes_and_epci_of_a_departement(records):
    finistere = place(K.DEPARTEMENT, "29", "Finistère")
    communes = [r for r in records if r["kind"] == "commune" and r["parent"] == "29"]
    sirens = {r["epci"] for r in communes}
    epcis = [r for r in records if r["kind"] == "epci" and r["code"] in sirens]

    for kind, rows in ((K.COMMUNE, communes), (K.EPCI, epcis)):
        figure = parse(
            render_choropleth(
                finistere,
                [(place(kind, r["code"], r["name"]), 1.5, "/x/") for r in rows],
                caption="c",
            )
        )
        assert len(links(figure)) == len(rows) > 20
        # No frames for the overseas départements below the France level.
        assert not figure.findall(f".//{SVG}rect[@class='choro-inset']")


def test_communes_of_an_epci_spread_over_two_departements(records):
    epci = next(r for r in records if r["kind"] == "epci" and r["code"] == "243500725")
    communes = [
        r for r in records if r["kind"] == "commune" and r["epci"] == epci["code"]
    ]
    assert len({r["parent"] for r in communes}) > 1  # a cross-border EPCI

    figure = parse(
        render_choropleth(
            place(K.EPCI, epci["code"], epci["name"]),
            [(place(K.COMMUNE, r["code"], r["name"]), 1.0, "/x/") for r in communes],
            caption="c",
        )
    )

    assert len(links(figure)) == len(communes)


def test_a_commune_without_outline_is_named_not_drawn():
    rows = [
        (place(K.COMMUNE, "15031", "Celles"), 1.0, "/c/"),
        (place(K.COMMUNE, "15014", "Aurillac"), 2.0, "/a/"),
    ]

    html = render_choropleth(place(K.DEPARTEMENT, "15", "Cantal"), rows, caption="c")

    assert [a.get("href") for a in links(parse(html))] == ["/a/"]
    assert "Non dessiné faute de contour dans la source : Celles." in html


# Boundary files


def test_loaded_boundaries_are_read_only():
    france = boundaries("france")

    with pytest.raises(TypeError):
        france["region"]["53"] = (0, 0, 0, 0, "")
    assert boundaries("france") is france
    assert boundaries("communes-999") == {"insets": ()}


def test_boundary_files_keep_to_their_size_budgets():
    files = sorted(BOUNDARIES_DIR.glob("communes-*.json.gz"))

    assert len(files) == 101
    assert (BOUNDARIES_DIR / "france.json.gz").stat().st_size <= 200_000
    biggest = max(files, key=lambda path: path.stat().st_size)
    assert biggest.stat().st_size <= 150_000, biggest.name


@pytest.mark.parametrize("departement", ["29", "2A", "75", "971", "976"])
def test_every_commune_and_epci_of_a_departement_has_a_shape(records, departement):
    communes = [
        r for r in records if r["kind"] == "commune" and r["parent"] == departement
    ]
    parent = place(K.DEPARTEMENT, departement, "")

    for r in communes:
        assert departement_of_commune(r["code"]) == departement
        assert shape_of(place(K.COMMUNE, r["code"], r["name"]), parent), r["code"]
        if r["epci"]:
            assert shape_of(place(K.EPCI, r["epci"], ""), parent), r["epci"]


def test_every_region_and_departement_has_a_shape(records):
    for r in records:
        if r["kind"] in (K.REGION, K.DEPARTEMENT):
            assert shape_of(place(r["kind"], r["code"], r["name"]), None), r["code"]


def rings(shape):
    return shape[4].count("z")


def test_unions_fill_the_source_gaps_and_keep_real_enclaves():
    france = boundaries("france")

    # Cantal: four communes without outline; Deux-Sèvres: a commune nouvelle
    # with the outline of one former commune only. Both drawn whole.
    assert rings(france["departement"]["15"]) == 1
    assert rings(france["departement"]["79"]) == 1
    # Inland régions without islands are one ring (no seam between départements).
    for region in ("11", "24", "27", "44"):
        assert rings(france["region"][region]) == 1, region
    # The Enclave des papes (Valréas, Vaucluse) stays a hole in the Drôme.
    assert rings(france["departement"]["26"]) == 2
    assert rings(france["departement"]["84"]) == 2
    assert rings(france["region"]["84"]) == 2  # Auvergne-Rhône-Alpes


def test_drawing_saved_territories_makes_no_query(geo, django_assert_num_queries):
    """Guards against reading each child's parent (a query per commune) to find
    its département's file: the commune code says it."""
    rows = [(geo.brest, 4.0, "/brest/"), (geo.quimper, None, "/quimper/")]

    with django_assert_num_queries(0):
        html = render_choropleth(geo.finistere, rows, caption="Finistère")

    labels = [a.get("aria-label") for a in links(parse(html))]
    assert labels == [
        "Brest : 4,0 initiatives pour 10 000 habitants",
        "Quimper : pas de donnée",
    ]
