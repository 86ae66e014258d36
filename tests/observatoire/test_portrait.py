"""Territory portraits, comparison and baromètre, against counts worked out by
hand on a small dataset spanning every level (commune → EPCI → département →
région → France)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from initiatives.models import Category, Family, Initiative, ModerationEvent
from observatoire import indicators
from observatoire.models import Territory
from tests.ateliers.conftest import make_workshop  # noqa: F401 (a fixture)
from tests.observatoire.conftest import fresh
from tests.referentiel.conftest import (  # noqa: F401 (fixtures)
    competencies,
    make_assessment,
    referential,
)

K = Territory.Kind


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_levels_above_go_up_to_france(land):
    assert indicators.levels_above(fresh(land.brest)) == [
        land.metropole,
        land.finistere,
        land.bretagne,
        land.france,
    ]
    assert indicators.levels_above(fresh(land.quimper)) == [
        land.finistere,
        land.bretagne,
        land.france,
    ]
    # An EPCI has no official parent: its main commune's département stands in.
    assert indicators.levels_above(fresh(land.metropole)) == [
        land.finistere,
        land.bretagne,
        land.france,
    ]
    assert indicators.levels_above(fresh(land.france)) == []


def test_headline_counts_and_densities(land):
    territories = [
        land.brest,
        land.metropole,
        land.finistere,
        land.bretagne,
        land.france,
    ]
    figures = indicators.headline([fresh(t) for t in territories])

    assert [f.initiatives for f in figures] == [3, 3, 4, 4, 6]
    assert figures[0].density == pytest.approx(3 * 10_000 / 140_000)
    assert figures[2].density == pytest.approx(4 * 10_000 / 900_000)
    assert figures[4].density == pytest.approx(6 * 10_000 / 68_000_000)
    assert [f.workshops for f in figures] == [0, 0, 1, 1, 2]
    assert figures[2].items == {
        "vigilance": 2,
        "opportunites": 1,
        "enjeux": 0,
        "a_enqueter": 0,
    }
    assert figures[4].items["enjeux"] == 1
    assert figures[0].last_update is not None


def test_breakdown_shares_beside_the_parent(land):
    finistere, bretagne = fresh(land.finistere), fresh(land.bretagne)
    ara = fresh(land.ara)
    result = {b.key: b for b in indicators.breakdowns([finistere, ara], totals=[4, 2])}
    families = {row.label: row for row in result["familles"].rows}
    assert families["Libre"].counts == [2, 1]
    assert families["Libre"].shares == [pytest.approx(0.5), pytest.approx(0.5)]
    assert families["Durable"].shares == [pytest.approx(0.25), 0]
    types = {row.label: row.counts for row in result["types"].rows}
    assert types == {land.garden.name: [2, 2], land.repair.name: [2, 0]}
    models = {row.label: row.counts for row in result["modeles"].rows}
    assert models == {"Gratuit": [1, 0], "Payant": [1, 0], "Non précisé": [2, 2]}
    assert list(result) == [
        "types",
        "familles",
        "niveaux",
        "modeles",
        "ressources",
        "gouvernance",
    ]
    assert bretagne  # the région has the same figures as its only département


def test_evolution_uses_creation_year_then_publication_year(land):
    evolution = indicators.evolution([fresh(land.finistere)])
    by_year = {
        year: (births[0], closures[0]) for year, births, closures in evolution.years
    }
    recorded_year = land.brest_initiatives[2].created_at.year
    assert by_year[2015] == (2, 0)
    assert by_year[2018] == (1, 0)
    assert by_year[2020][1] == 1
    assert evolution.estimated == [1]  # the repair café: no creation year
    assert evolution.stopped == [1]
    assert by_year[recorded_year][0] >= 1


def test_children_of_each_level(land):
    def table(territory):
        return {
            t.key: {c.territory.name: c.initiatives for c in t.rows}
            for t in indicators.children(fresh(territory))
        }

    assert table(land.france) == {"regions": {"Bretagne": 4, "Auvergne-Rhône-Alpes": 2}}
    assert table(land.bretagne) == {"departements": {"Finistère": 4}}
    assert table(land.finistere) == {
        "epci": {"Brest Métropole": 3},
        "communes": {"Brest": 3, "Quimper": 1},
    }
    assert table(land.metropole) == {"communes": {"Brest": 3}}
    assert table(land.brest) == {}


def test_children_sort_by_density_keeps_unknown_populations_last(land):
    rows = indicators.children(fresh(land.finistere))[1].rows
    ordered, current = indicators.sort_children(rows, "-densite")
    assert [c.territory.name for c in ordered] == ["Brest", "Quimper"]
    assert current == "-densite"
    assert indicators.sort_children(rows, "n'importe quoi")[1] == "nom"


def test_crosstabs_say_how_many_initiatives_they_rest_on(land):
    tables = {t.key: t for t in indicators.crosstabs(fresh(land.finistere))}
    model_family = tables["modele-famille"]
    # Only the two Brest initiatives say both their model and their family.
    assert model_family.base == 2
    assert dict(model_family.rows)["Gratuit"] == [
        1 if column in ("Libre", "Solidaire") else 0 for column in model_family.columns
    ]
    assert tables["niveau-type"].base == 0


def test_ranking_of_departements_by_density(land):
    ranking = indicators.departements_ranking()
    assert [c.territory.name for c in ranking][:2] == ["Finistère", "Rhône"]


def test_portrait_page_shows_the_blocks(client, land):
    response = client.get(land.finistere.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Chiffres clés",
        "Bretagne",
        "France",
        "Répartitions",
        "<svg",
        '<title id="chart-familles-title">',
        "Comment lire",
        "Brest Métropole",
        "Le bénévolat s&#x27;épuise",
        "Pas encore publié" not in html and "Ce que disent les ateliers",
        "compost",
        "?territoire=finistere-29",
    ):
        assert text in html
    assert "Pas encore publié" not in html
    assert "Pour les agents" not in html
    assert "Pour 1 initiative dont l'année de création est inconnue" in html


def test_children_are_mapped_by_density(client, land):
    html = client.get(land.finistere.get_absolute_url()).content.decode()
    assert html.count('<figure class="choro">') == 2  # EPCI and communes
    assert 'href="/territoires/brest-29019/"' in html
    france = client.get("/territoires/france/").content.decode()
    assert france.count('<figure class="choro">') == 2  # régions, départements


def test_france_portrait_is_the_barometre(client, land):
    html = client.get("/territoires/france/").content.decode()
    assert "baromètre national" in html
    assert "Départements classés par densité" in html
    assert "Ce tableau repose sur 2 initiatives." in html
    # Régions ranked by density: Bretagne 4 / 3.4 M before ARA 2 / 8 M.
    regions = html[html.index('id="regions"') :]
    assert regions.index(">Bretagne</a>") < regions.index(">Auvergne-Rhône-Alpes</a>")
    assert 'aria-sort="descending"' in regions


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/territoires/france/", None),
        ("/territoires/29019/", "/territoires/brest-29019/"),
        ("/territoires/29/", "/territoires/finistere-29/"),
        ("/territoires/242900314/", "/territoires/brest-metropole-242900314/"),
        ("/territoires/53/", "/territoires/bretagne-53/"),
    ],
)
def test_official_codes_redirect_permanently(client, land, path, target):
    response = client.get(path)
    if target is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 301
        assert response.url == target


def test_a_code_shared_by_a_region_and_a_departement_goes_to_the_region(client, land):
    mayenne = Territory.objects.create(
        kind=K.DEPARTEMENT, code="53", name="Mayenne", slug="mayenne-53"
    )
    response = client.get("/territoires/53/")
    assert response.url == "/territoires/bretagne-53/"
    html = client.get(response.url).content.decode()
    assert f'<a href="{mayenne.get_absolute_url()}">Mayenne</a>' in html


def test_unknown_territory_is_a_french_404_offering_the_search(client, land):
    response = client.get("/territoires/atlantide-99999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Territoire introuvable" in html
    assert 'name="territoire"' in html and "data-territory-search" in html


def test_territory_finder_redirects_or_explains(client, land):
    assert client.get("/territoires/", {"territoire": "Brest (29)"}).url == (
        "/territoires/brest-29019/"
    )
    # A NUL is refused before any view (observatoire.middleware).
    nul = client.get("/territoires/", {"territoire": "Brest\x00"})
    assert nul.status_code == 400
    response = client.get("/territoires/", {"territoire": "<b>Atlantide</b>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucun territoire ne correspond" in html
    assert "<b>Atlantide</b>" not in html


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_every_table_has_its_csv(client, land):
    url = reverse("territory_csv", args=[land.finistere.slug, "communes"])
    rows = read_csv(client.get(url))
    assert rows[0][:4] == ["Territoire", "Code", "Population", "Initiatives publiées"]
    assert rows[1][:4] == ["Brest", "29019", "140000", "3"]
    families = read_csv(
        client.get(reverse("territory_csv", args=[land.finistere.slug, "familles"]))
    )
    assert ["Libre", "2", "50.0", "2", "50.0"] in families
    for table in ("chiffres", "evolution", "epci", "modele-famille", "types"):
        response = client.get(
            reverse("territory_csv", args=[land.finistere.slug, table])
        )
        assert response.status_code == 200, table
    assert (
        client.get(
            reverse("territory_csv", args=[land.finistere.slug, "nope"])
        ).status_code
        == 404
    )


def test_children_table_sorts_without_javascript(client, land):
    html = client.get(
        land.finistere.get_absolute_url() + "?tri=-initiatives"
    ).content.decode()
    assert html.index(">Brest</a>") < html.index(">Quimper</a>")
    html = client.get(
        land.finistere.get_absolute_url() + "?tri=initiatives"
    ).content.decode()
    communes = html[html.index('id="communes"') :]
    assert communes.index(">Quimper</a>") < communes.index(">Brest</a>")
    assert 'aria-sort="ascending"' in html


@pytest.mark.parametrize("sort", ["<script>alert(1)</script>", "x" * 500])
def test_a_strange_sort_falls_back_to_names(client, land, sort):
    response = client.get(land.finistere.get_absolute_url(), {"tri": sort})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    communes = html[html.index('id="communes"') :]
    assert communes.index(">Brest</a>") < communes.index(">Quimper</a>")


def test_france_csv_ranks_departements_by_density(client, land):
    url = reverse("territory_csv", args=["france", "classement-departements"])
    rows = read_csv(client.get(url))
    # Finistère 4 / 900,000 before Rhône 2 / 1,900,000.
    assert [row[0] for row in rows[1:]] == ["Finistère", "Rhône"]
    assert rows[1][4] == str(round(4 * 10_000 / 900_000, 2))
    regions = read_csv(client.get(reverse("territory_csv", args=["france", "regions"])))
    assert ["Bretagne", "53", "3400000", "4", "0.01"] in regions


def test_a_publication_shows_on_the_next_request(client, land, make_initiative):
    url = land.quimper.get_absolute_url()
    assert "<td>1</td>" in client.get(url).content.decode()
    make_initiative(commune=land.quimper)
    figures = client.get(url).context["figures"]
    assert figures[0].initiatives == 2


# For agents only -------------------------------------------------------


def test_agents_block_figures(land, make_initiative):
    for initiative, days in zip(land.brest_initiatives, (2, 4, 30), strict=True):
        ModerationEvent.objects.create(
            initiative=initiative,
            action=ModerationEvent.Action.APPROVED,
            at=initiative.created_at + timedelta(days=days),
        )
    block = indicators.agents_block(fresh(land.finistere))
    assert block.pending == 1
    assert block.decisions == 3
    assert block.median_delay == timedelta(days=4)
    assert indicators.agents_block(fresh(land.rhone)).pending == 0


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("anonymous", False),
        ("citizen", False),
        ("facilitator", False),
        ("agent", True),
        ("moderator", True),
        ("superuser", True),
    ],
)
def test_agents_block_is_for_agents_only(client_for, land, role, shown):
    html = client_for(role).get(land.finistere.get_absolute_url()).content.decode()
    assert ("Pour les agents" in html) is shown
    assert ("Propositions en attente de modération" in html) is shown


def test_page_cache_never_serves_the_agents_block_to_visitors(
    client, make_user, land, settings
):
    settings.PAGE_CACHE_SECONDS = 600
    url = land.finistere.get_absolute_url()
    client.force_login(make_user("agent"))
    assert "Pour les agents" in client.get(url).content.decode()
    client.logout()
    client.cookies.clear()
    assert "Pour les agents" not in client.get(url).content.decode()
    assert "Pour les agents" not in client.get(url).content.decode()  # cached copy


def test_self_assessment_means_respect_the_minimum_group_size(
    land,
    make_assessment,  # noqa: F811
):
    from referentiel.services import MIN_GROUP_SIZE

    for _ in range(MIN_GROUP_SIZE - 1):
        make_assessment(default=3, territory=land.brest)
    block = indicators.agents_block(fresh(land.finistere))
    # A commune's group below the minimum is left out of the figures entirely,
    # count and means: otherwise totals minus shown groups would reveal it.
    assert block.assessments == 0
    assert block.domains and all(mean is None for mean in block.means)

    make_assessment(default=3, territory=land.brest)
    block = indicators.agents_block(fresh(land.finistere))
    assert block.assessments == MIN_GROUP_SIZE
    assert all(mean == pytest.approx(3) for mean in block.means)

    # One assessment in Quimper: its group is too small, so Finistère's
    # figures stay Brest's, and nothing can be subtracted to find Quimper's.
    make_assessment(default=1, territory=land.quimper)
    block = indicators.agents_block(fresh(land.finistere))
    assert block.assessments == MIN_GROUP_SIZE
    assert all(mean == pytest.approx(3) for mean in block.means)
    # Lyon's département has none: nothing to show, nothing leaked.
    assert indicators.agents_block(fresh(land.rhone)).assessments == 0


# Compare ---------------------------------------------------------------

COMPARE = "/territoires/comparer/"


def test_compare_two_territories_of_different_levels(client, land):
    response = client.get(COMPARE, {"t": [land.finistere.slug, "Lyon (69)"]})
    html = response.content.decode()
    assert response.status_code == 200
    figures = response.context["data"]["figures"]
    assert [(f.territory, f.initiatives) for f in figures] == [
        (land.finistere, 4),
        (land.lyon, 2),
    ]
    assert "Répartitions" in html and "<svg" in html
    assert 'value="Lyon (69)"' in html  # the chooser keeps the choice
    assert "data-territory-search" in html


def test_compare_csv_holds_the_whole_comparison(client, land):
    response = client.get(
        "/territoires/comparer/csv/", {"t": [land.finistere.slug, land.ara.slug]}
    )
    rows = read_csv(response)
    assert rows[0] == ["Indicateur", "Valeur", "Finistère", "Auvergne-Rhône-Alpes"]
    assert ["Initiatives publiées", "", "4", "2"] in rows
    assert ["Famille (part en %)", "Libre", "50.0", "50.0"] in rows
    assert ["Créations par année", "2015", "2", "0"] in rows


def test_compare_without_choice_shows_the_chooser(client, land):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert response.content.decode().count('name="t"') == 4


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["finistere-29"], "Choisissez au moins deux territoires différents"),
        (["finistere-29", "finistere-29"], "au moins deux territoires différents"),
        (["finistere-29", "Atlantide"], "Aucun territoire ne correspond"),
        (
            ["finistere-29", "bretagne-53", "france", "rhone-69", "lyon-69123"],
            "On compare au plus 4 territoires à la fois.",
        ),
        (["finistere-29", "<script>alert(1)</script>"], "Aucun territoire"),
        (["finistere-29", "x" * 5000], "Aucun territoire"),
    ],
)
def test_compare_bad_input_is_explained_in_french(client, land, chosen, message):
    response = client.get(COMPARE, {"t": chosen})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert response.context["data"] is None
    csv_response = client.get("/territoires/comparer/csv/", {"t": chosen})
    assert csv_response.status_code == 404


def test_a_nul_in_a_portrait_or_compare_address_is_a_french_400(client, land):
    # Refused before any view (observatoire.middleware).
    for url, params in [
        (land.finistere.get_absolute_url(), {"tri": "nom\x00"}),
        (COMPARE, {"t": ["finistere-29", "bre\x00st"]}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400
        assert "caractère nul" in response.content.decode()


def test_compare_rejects_post(client, land):
    assert client.post(COMPARE).status_code == 405
    assert client.post(land.finistere.get_absolute_url()).status_code == 405


# Query counts ------------------------------------------------------------


def add_initiatives(land, count: int, start: int = 0) -> None:
    """`count` published initiatives spread over the communes, with families."""
    communes = [land.brest, land.quimper, land.lyon]
    categories = list(Category.objects.all())
    made = Initiative.objects.bulk_create(
        Initiative(
            name=f"Lot {number}",
            slug=f"lot-{number}",
            summary="Une initiative.",
            category=categories[number % len(categories)],
            commune=communes[number % 3],
            status=Initiative.Status.PUBLISHED,
            economic_model="free" if number % 2 else "",
            creation_year=2000 + number % 25,
            stopped_year=2025 if number % 7 == 0 else None,
        )
        for number in range(start, start + count)
    )
    libre = Family.objects.get(slug="libre")
    Initiative.families.through.objects.bulk_create(
        Initiative.families.through(initiative_id=i.pk, family_id=libre.pk)
        for i in made
    )


def queries_for(client, url) -> int:
    """Queries of a cold page (cache cleared) over fresh stored tallies, as a
    deployment serves it between two writes; the recount after a write has
    its own test (test_tallies.py)."""
    client.get(url)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["anonymous", "agent"])
def test_portrait_queries_do_not_grow_with_initiatives(client_for, land, role):
    """Guards against a query per initiative, per child territory or per
    breakdown value (counts are GROUP BY, children counted in one query)."""
    client = client_for(role)
    urls = [
        land.france.get_absolute_url(),
        land.finistere.get_absolute_url(),
        land.brest.get_absolute_url(),
    ]
    add_initiatives(land, 10)
    small = [queries_for(client, url) for url in urls]
    add_initiatives(land, 490, start=10)
    large = [queries_for(client, url) for url in urls]
    assert small == large


def test_compare_queries_do_not_grow_with_initiatives(client, land):
    """Guards against a query per compared territory value or per year."""
    url = COMPARE + "?t=finistere-29&t=lyon-69123&t=france&t=rhone-69"
    add_initiatives(land, 10)
    small = queries_for(client, url)
    add_initiatives(land, 490, start=10)
    assert queries_for(client, url) == small


def test_workshops_placed_on_a_departement_count_there_and_above(
    land,
    make_workshop,  # noqa: F811
):
    make_workshop("Atelier départemental\n\nEnjeux\n- Un\n", territory=land.finistere)
    figures = indicators.headline(
        [fresh(land.brest), fresh(land.finistere), fresh(land.bretagne)]
    )
    assert [f.workshops for f in figures] == [0, 2, 2]
    assert [f.items["enjeux"] for f in figures] == [0, 1, 1]


def test_workshop_items_show_the_latest_workshops_first(land, make_workshop):  # noqa: F811
    """A few items of each kind, newest workshop first, ideas gathered with
    the questions to investigate, sub-items and drafts left out."""
    from datetime import date

    old = "\n".join(f"- Ancienne vigilance {n}" for n in range(4))
    new = "\n".join(f"- Nouvelle vigilance {n}" for n in range(4))
    make_workshop(
        f"Atelier ancien\n\nPoints de vigilance\n{old}\n",
        territory=land.brest,
        starts_on=date(2024, 1, 10),
    )
    make_workshop(
        f"Atelier récent\n\nPoints de vigilance\n{new}\n  - Un sous-point\n\n"
        "Idées à creuser\n- Une idée\n",
        territory=land.brest,
        starts_on=date(2025, 6, 1),
    )
    make_workshop(
        "Brouillon\n\nPoints de vigilance\n- Jamais montré\n",
        territory=land.brest,
        starts_on=date(2026, 1, 1),
        published=False,
    )
    gathered = {
        g.key: [item.text for item in g.items]
        for g in indicators.workshop_items(fresh(land.finistere), {})
    }
    assert gathered["vigilance"] == [
        *(f"Nouvelle vigilance {n}" for n in range(4)),
        "Ancienne vigilance 0",
    ]
    assert gathered["a_enqueter"] == ["Une idée"]
    assert gathered["opportunites"] == ["Un tiers-lieu ouvre"]
