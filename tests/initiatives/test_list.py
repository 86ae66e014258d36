import pytest
from django.urls import reverse

from initiatives.models import ActionLevel, Category, Family, Initiative
from observatoire.models import Territory

LIST = reverse("initiatives:list")


def names(response) -> list[str]:
    return [initiative.name for initiative in response.context["initiatives"]]


def facet(response, key):
    return {
        option.value: option
        for found in response.context["facets"]
        if found.key == key
        for option in found.options
    }


@pytest.mark.parametrize("role", ["anonymous", "citizen", "moderator", "agent"])
def test_everyone_sees_published_initiatives_only(client_for, make_initiative, role):
    make_initiative(name="Jardin des Capucins")
    make_initiative(name="Fiche en attente", status=Initiative.Status.PENDING)
    make_initiative(name="Fiche refusée", status=Initiative.Status.REJECTED)
    response = client_for(role).get(LIST)
    assert response.status_code == 200
    assert names(response) == ["Jardin des Capucins"]
    assert "Fiche en attente" not in response.content.decode()


def test_private_contact_is_never_listed(client, make_initiative):
    make_initiative(
        submitter_name="Prénom Secret", submitter_email="secret@example.org"
    )
    body = client.get(LIST).content.decode()
    assert "Prénom Secret" not in body
    assert "secret@example.org" not in body


def test_text_search_ignores_accents_and_case(client, make_initiative):
    make_initiative(name="Café réparation de l'Élorn")
    make_initiative(name="Jardin partagé", summary="Légumes ÉCOLOGIQUES")
    make_initiative(name="Autre chose")
    assert names(client.get(LIST, {"q": "CAFE REPARATION"})) == [
        "Café réparation de l'Élorn"
    ]
    assert names(client.get(LIST, {"q": "ecologiques"})) == ["Jardin partagé"]
    assert names(client.get(LIST, {"q": "élorn café"})) == [
        "Café réparation de l'Élorn"
    ]


def test_search_text_follows_edits(client, make_initiative):
    initiative = make_initiative(name="Ancien nom")
    initiative.name = "Ressourcerie Émeraude"
    initiative.save(update_fields=["name"])
    assert names(client.get(LIST, {"q": "emeraude"})) == ["Ressourcerie Émeraude"]


def test_territory_filter_includes_everything_inside(client, geo, make_initiative):
    make_initiative(name="À Brest", commune=geo.brest)
    make_initiative(name="À Quimper", commune=geo.quimper)
    make_initiative(name="À Lyon", commune=geo.lyon)
    by_place = {
        geo.bretagne: ["À Brest", "À Quimper"],
        geo.finistere: ["À Brest", "À Quimper"],
        geo.metropole: ["À Brest"],
        geo.quimper: ["À Quimper"],
        geo.ara: ["À Lyon"],
    }
    for place, expected in by_place.items():
        assert names(client.get(LIST, {"territoire": place.slug})) == expected


def test_typed_place_becomes_the_territory_facet(client, geo, make_initiative):
    make_initiative(name="À Quimper", commune=geo.quimper)
    response = client.get(LIST, {"lieu": "29000", "q": "quimper"})
    assert response.status_code == 302
    assert f"territoire={geo.quimper.slug}" in response["Location"]
    assert "q=quimper" in response["Location"]
    response = client.get(LIST, {"lieu": "finistere"}, follow=True)
    assert response.context["territory"] == geo.finistere


def test_unknown_place_is_reported_next_to_the_field(client, geo, make_initiative):
    make_initiative()
    response = client.get(LIST, {"lieu": "Atlantide <script>"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Aucun territoire ne correspond à « Atlantide &lt;script&gt; »" in body
    assert 'value="Atlantide &lt;script&gt;"' in body
    # Nothing listed under the error: the whole inventory would read as filtered.
    assert response.context["paginator"].count == 0
    assert "initiative trouvée" not in body


def test_ambiguous_place_lists_the_candidates(client, geo):
    Territory.objects.create(
        kind="commune", code="56000", name="Brest", slug="brest-56000"
    )
    body = client.get(LIST, {"lieu": "Brest"}).content.decode()
    assert "Plusieurs territoires correspondent à « Brest »" in body


def test_place_field_offers_suggestions_when_js_runs(client, db):
    body = client.get(LIST).content.decode()
    assert "data-territory-search=" in body
    assert "js/territory-autocomplete.js" in body


def test_facets_combine_and_show_counts(client, make_initiative):
    garden, repair = (
        Category.objects.get(slug="jardin-partage"),
        Category.objects.get(slug="repair-cafe"),
    )
    libre, durable = (
        Family.objects.get(slug="libre"),
        Family.objects.get(slug="durable"),
    )
    level = ActionLevel.objects.get(slug="transition-collective")
    make_initiative(
        name="A",
        category=garden,
        families=[durable],
        economic_model="free",
        tags=["compost"],
    )
    make_initiative(
        name="B",
        category=garden,
        families=[durable, libre],
        action_levels=[level],
        economic_model="paid",
    )
    make_initiative(name="C", category=repair, families=[libre], economic_model="free")

    response = client.get(LIST, {"type": "jardin-partage"})
    assert names(response) == ["A", "B"]
    types = facet(response, "type")
    # Counts of the facet's own options ignore its own selection (disjunctive).
    assert (types["jardin-partage"].count, types["repair-cafe"].count) == (2, 1)
    assert types["jardin-partage"].selected
    families = facet(response, "famille")
    assert (families["durable"].count, families["libre"].count) == (2, 1)
    models = facet(response, "modele")
    assert (models["free"].count, models["paid"].count) == (1, 1)
    assert facet(response, "tag")["compost"].count == 1

    response = client.get(
        LIST, {"type": ["jardin-partage", "repair-cafe"], "modele": "free"}
    )
    assert names(response) == ["A", "C"]
    response = client.get(LIST, {"famille": "libre", "niveau": level.slug})
    assert names(response) == ["B"]
    response = client.get(LIST, {"tag": "compost"})
    assert names(response) == ["A"]


def test_kind_and_model_counts_each_ignore_only_their_own_selection(
    client, make_initiative
):
    """Both facets come from one grouping: each count must still apply the
    other facet's selection and ignore its own, and the total must be right."""
    garden = Category.objects.get(slug="jardin-partage")
    repair = Category.objects.get(slug="repair-cafe")
    make_initiative(name="A", category=garden, economic_model="free")
    make_initiative(name="B", category=garden, economic_model="paid")
    make_initiative(name="C", category=repair, economic_model="free")
    make_initiative(name="D", category=repair, economic_model="mixed")
    make_initiative(name="E", category=repair, economic_model="free")

    response = client.get(LIST, {"type": "repair-cafe", "modele": "free"})
    assert names(response) == ["C", "E"]
    assert response.context["paginator"].count == 2
    types = facet(response, "type")
    # Free ones per kind: ticking "jardin partagé" too would add A.
    assert (types["jardin-partage"].count, types["repair-cafe"].count) == (1, 2)
    models = facet(response, "modele")
    # Repair cafés per model: ticking "mixte" too would add D.
    assert (models["free"].count, models["paid"].count) == (2, 0)
    assert models["mixed"].count == 1


def test_m2m_facets_do_not_duplicate_rows(client, make_initiative):
    make_initiative(
        name="Deux familles", families=list(Family.objects.all()), tags=["a", "b"]
    )
    response = client.get(LIST, {"famille": ["libre", "durable"], "tag": ["a", "b"]})
    assert names(response) == ["Deux familles"]
    assert response.context["paginator"].count == 1


def test_sorting_and_pagination_keep_the_filters(client, make_initiative):
    for number in range(25):
        make_initiative(name=f"Fiche {number:02d}", economic_model="free")
    make_initiative(name="Payante", economic_model="paid")
    response = client.get(LIST, {"modele": "free", "tri": "-nom"})
    assert names(response)[0] == "Fiche 24"
    assert response.context["paginator"].count == 25
    body = response.content.decode()
    assert "modele=free&amp;tri=-nom&amp;page=2" in body
    page_two = client.get(LIST, {"modele": "free", "tri": "-nom", "page": 2})
    assert names(page_two) == [
        "Fiche 04",
        "Fiche 03",
        "Fiche 02",
        "Fiche 01",
        "Fiche 00",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"type": "nexiste-pas"},
        {"famille": "<script>alert(1)</script>"},
        {"modele": "gratuitissime"},
        {"territoire": "nulle-part"},
        {"tri": "mot_de_passe"},
        {"page": "abc"},
        {"page": "999"},
        {"q": "x" * 1000},
    ],
)
def test_invalid_parameters_are_reported_not_fatal(client, make_initiative, params):
    make_initiative(name="Toujours là")
    response = client.get(LIST, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    if "page" in params:
        assert "n'existe pas" in body
    else:
        assert "Certains filtres n'ont pas été compris" in body


def test_html_payloads_are_rendered_escaped(client, make_initiative):
    make_initiative(
        name="<script>alert('x')</script>", summary="<img src=x onerror=alert(1)>"
    )
    body = client.get(LIST).content.decode()
    assert "<script>alert('x')</script>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    body = client.get(LIST, {"q": "<b>script</b>"}).content.decode()
    assert 'value="&lt;b&gt;script&lt;/b&gt;"' in body


def test_unicode_heavy_search(client, make_initiative):
    make_initiative(name="Œuvre 日本語 ✨ Ærø")
    assert names(client.get(LIST, {"q": "oeuvre"})) == ["Œuvre 日本語 ✨ Ærø"]
    response = client.get(LIST, {"q": "日本語 ✨"})
    assert response.status_code == 200


def test_list_links_to_the_map_with_the_same_filters(client, make_initiative):
    make_initiative()
    body = client.get(LIST, {"q": "jardin", "modele": "free"}).content.decode()
    assert 'href="/carte/?q=jardin&amp;modele=free"' in body
    assert 'href="/initiatives/export.csv?q=jardin&amp;modele=free"' in body


def test_post_is_not_allowed(client):
    assert client.post(LIST).status_code == 405


@pytest.mark.parametrize("size", [10, 500])
def test_list_query_count_does_not_grow(
    client, django_assert_num_queries, make_initiative, geo, size
):
    """Guards the N+1 on category and commune of each row, and facet counting
    per option: the page (its keys, then its rows) and every facet are a fixed
    number of queries, the total comes from the facets, and fewer queries once
    the facet counts are cached."""
    families = list(Family.objects.all())
    for number in range(size):
        make_initiative(
            name=f"Fiche {number}",
            commune=geo.quimper if number % 2 else geo.brest,
            families=families[: number % 3],
            tags=[f"tag{number % 7}"],
        )
    params = {"famille": "libre", "territoire": geo.finistere.slug, "tag": "tag1"}
    with django_assert_num_queries(20):
        response = client.get(LIST, params)
    assert response.status_code == 200
    with django_assert_num_queries(6):
        cached = client.get(LIST, params)
    assert names(cached) == names(response)


def test_cached_facet_counts_follow_every_change(client, make_initiative):
    first = make_initiative(economic_model="free")
    assert facet(client.get(LIST), "modele")["free"].count == 1
    make_initiative(economic_model="free")
    assert facet(client.get(LIST), "modele")["free"].count == 2
    first.economic_model = "paid"
    first.save()
    counts = facet(client.get(LIST), "modele")
    assert (counts["free"].count, counts["paid"].count) == (1, 1)
    first.delete()
    assert facet(client.get(LIST), "modele")["paid"].count == 0


def test_sort_options_are_labelled_in_french(client, db):
    body = client.get(LIST).content.decode()
    for label in (
        "Nom (A → Z)",
        "Nom (Z → A)",
        "Publication : les plus récentes",
        "Publication : les plus anciennes",
        "Commune (A → Z)",
        "Commune (Z → A)",
    ):
        assert f">{label}</option>" in body


def test_territory_facet_drills_down_one_level(client, geo, make_initiative):
    make_initiative(commune=geo.brest)
    make_initiative(commune=geo.brest)
    make_initiative(commune=geo.quimper)
    make_initiative(commune=geo.lyon)

    def drill(**params):
        found = next(
            f
            for f in client.get(LIST, params).context["facets"]
            if f.key == "territoire"
        )
        return str(found.label), {o.label: o.count for o in found.options}

    assert drill() == ("Par région", {"Bretagne": 3, "Auvergne-Rhône-Alpes": 1})
    assert drill(territoire=geo.bretagne.slug) == ("Par département", {"Finistère": 3})
    assert drill(territoire=geo.finistere.slug) == (
        "Par commune",
        {"Brest": 2, "Quimper": 1},
    )
    assert drill(territoire=geo.metropole.slug) == ("Par commune", {"Brest": 2})
    assert drill(territoire=geo.brest.slug)[1] == {}
    body = client.get(LIST, {"territoire": geo.bretagne.slug, "tri": "nom"}).content
    assert f"territoire={geo.finistere.slug}".encode() in body


def test_search_includes_the_commune_name(client, geo, make_initiative):
    make_initiative(name="Jardin partagé", commune=geo.quimper)
    make_initiative(name="Jardin partagé du port", commune=geo.brest)
    assert names(client.get(LIST, {"q": "jardin quimper"})) == ["Jardin partagé"]
    moved = Initiative.objects.get(commune=geo.brest)
    moved.commune = geo.quimper
    moved.save(update_fields=["commune"])
    assert len(names(client.get(LIST, {"q": "jardin quimper"}))) == 2


def test_chosen_territory_stays_shown_when_another_filter_is_invalid(
    client, geo, make_initiative
):
    make_initiative(commune=geo.quimper)
    response = client.get(LIST, {"territoire": geo.quimper.slug, "modele": "faux"})
    assert response.context["territory"] == geo.quimper
    assert "Retirer ce territoire" in response.content.decode()
    assert "Autre territoire" in response.content.decode()


def test_every_page_lists_each_initiative_once_in_order(client, make_initiative):
    """Pages read their keys first (observatoire.pagination): together they
    are the whole ordered list, and the total matches."""
    for number in range(45):
        make_initiative(name=f"Fiche {number % 9}")
    expected = list(
        Initiative.objects.published()
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )
    shown = []
    for page_number in (1, 2, 3):
        response = client.get(LIST, {"page": page_number})
        assert response.context["paginator"].count == 45
        shown += names(response)
    assert shown == expected
