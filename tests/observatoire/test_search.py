"""The site-wide search (observatoire.search, /recherche/): French-aware on
both databases, only what a visitor may see, highlighted but never unescaped,
and in step with every write path."""

import html
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from ateliers.models import Item, Workshop
from initiatives.models import Category, Initiative
from observatoire import search
from observatoire.models import SearchDocument

SEARCH = reverse("search")
LIST = reverse("initiatives:list")

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="stemming and websearch syntax exist on PostgreSQL only",
)
sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="prefix matching is the SQLite backend's stand-in for stemming",
)


def found(query: str, kind: str = "initiatives") -> list[str]:
    """Titles (marks removed) of the matches of `kind`, best first."""
    return [
        html.unescape(str(hit.title).replace("<mark>", "").replace("</mark>", ""))
        for hit in search.hits(query, kind, limit=50)
    ]


def page(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


# French-aware matching ---------------------------------------------------------


def test_accents_and_case_are_ignored(make_initiative):
    make_initiative(name="Épicerie COOPÉRATIVE du Léon")
    make_initiative(name="Autre chose")
    assert found("epicerie cooperative") == ["Épicerie COOPÉRATIVE du Léon"]
    assert found("ÉPICERIE") == ["Épicerie COOPÉRATIVE du Léon"]
    assert found("léon") == ["Épicerie COOPÉRATIVE du Léon"]


def test_plurals_are_found(make_initiative):
    make_initiative(name="Jardin partagé des Capucins")
    assert found("jardins partagés") == ["Jardin partagé des Capucins"]


@postgresql_only
@pytest.mark.parametrize(
    ("query", "text"),
    [
        # What the French snowball stemmer really gives: both sides "cooper".
        ("coopératives", "Université de la coopération"),
        ("coopération", "Les coopératives du pays"),
        # Plurals, feminines: "ressourcer", "ecolog".
        ("ressourceries écologiques", "Ressourcerie écologique"),
        # "associ".
        ("associations", "Maison associative"),
    ],
)
def test_postgresql_finds_word_families(make_initiative, query, text):
    make_initiative(name=text)
    make_initiative(name="Repair café")
    assert found(query) == [text]


@postgresql_only
def test_postgresql_understands_quotes_and_exclusion(make_initiative):
    make_initiative(name="Café réparation")
    make_initiative(name="Réparation de vélos")
    assert found('"café réparation"') == ["Café réparation"]
    assert found("réparation -vélos") == ["Café réparation"]


@sqlite_only
def test_sqlite_matches_word_prefixes(make_initiative):
    make_initiative(name="Université de la coopération")
    assert found("coop") == ["Université de la coopération"]
    assert found("univ coop") == ["Université de la coopération"]
    assert found("cooperatives") == []  # no stemming: documented in the README


def test_title_matches_rank_above_body_matches(make_initiative):
    make_initiative(name="Atelier compost", summary="Réparer ensemble.")
    make_initiative(
        name="Maison des projets", summary="On y trouve aussi du compost, parfois."
    )
    make_initiative(name="Rien à voir", summary="Des livres.")
    assert found("compost") == ["Atelier compost", "Maison des projets"]


def test_matching_words_are_highlighted_and_the_text_escaped(client, make_initiative):
    make_initiative(
        name="<b>Jardin</b> des Capucins",
        summary="Un jardin <script>alert(1)</script> ouvert à tous.",
    )
    body = page(client, q="jardin")
    assert "&lt;b&gt;<mark>Jardin</mark>&lt;/b&gt; des Capucins" in body
    assert "<script>alert(1)</script>" not in body


def test_user_text_cannot_forge_highlights(client, make_initiative):
    make_initiative(name=f"Jardin {search.MARK_START}faux{search.MARK_END}")
    body = page(client, q="faux")
    assert "<mark>faux</mark>" in body  # ours, from the match
    assert body.count("<mark>") == body.count("</mark>")
    assert search.MARK_START not in body


# Every part, grouped -------------------------------------------------------------


def test_results_are_grouped_by_part_with_counts(
    client, geo, make_initiative, make_workshop
):
    make_initiative(name="Recyclerie solidaire", tags=["recyclage"])
    make_workshop("Atelier recyclage\n\nPoints de vigilance\n- Le recyclage coûte\n")
    Tag.objects.create(name="Jamais utilisé recyclage", slug="jamais")
    body = page(client, q="recyclage")
    for label in ("Initiatives", "Ateliers", "Éléments d&#x27;ateliers", "Mots-clés"):
        assert label in body
    assert 'href="/tags/recyclage/"' in body
    assert "Jamais utilisé" not in body  # a tag nothing public carries
    counts = search.counts("recyclage")
    assert counts["elements"] == 1
    assert counts["tags"] == 1


def test_territories_and_referential_entries_are_found(client, geo):
    from referentiel.services import referentiel_load

    referentiel_load()
    body = page(client, q="finistere")
    assert f'href="{geo.finistere.get_absolute_url()}"' in body
    assert search.counts("coopération").get("referentiel", 0) > 0


def test_a_part_is_paginated_and_linked_from_the_overview(client, make_initiative):
    for number in range(27):
        make_initiative(name=f"Compost partagé {number}")
    overview = page(client, q="compost")
    assert "Voir tout (27)" in overview
    assert "?q=compost&amp;partie=initiatives" in overview
    assert overview.count("<mark>Compost</mark> partagé") == 5
    first = page(client, q="compost", partie="initiatives")
    assert first.count("<mark>Compost</mark> partagé") == 20
    last = page(client, q="compost", partie="initiatives", page=2)
    assert last.count("<mark>Compost</mark> partagé") == 7
    assert "Page 2 sur 2" in last
    shown = {
        hit.object_id
        for number in (0, 20)
        for hit in search.hits("compost", "initiatives", limit=20, offset=number)
    }
    assert len(shown) == 27


def test_unknown_part_or_page_falls_back_cleanly(client, make_initiative):
    make_initiative(name="Compost")
    assert "Compost" in page(client, q="compost", partie="nimporte")
    assert "Compost" in page(client, q="compost", partie="initiatives", page="99")
    assert "Compost" in page(client, q="compost", partie="initiatives", page="x")


def test_every_page_has_the_search_box(client, db):
    body = client.get(reverse("home")).content.decode()
    assert 'role="search"' in body
    assert f'action="{SEARCH}"' in body
    assert '<label for="site-search-q"' in body


@pytest.mark.parametrize("size", [10, 500])
def test_search_page_query_count_does_not_grow(
    client, geo, django_assert_num_queries, size
):
    """Guards a query per hit (its object, its URL, its territory): the page is
    one query for the counts and one per part shown, whatever the matches."""
    category = Category.objects.first()
    Initiative.objects.bulk_create(
        Initiative(
            name=f"Jardin {number}",
            slug=f"jardin-{number}",
            summary="Un jardin partagé.",
            category=category,
            commune=geo.brest,
            status=Initiative.Status.PUBLISHED,
        )
        for number in range(size)
    )
    with django_assert_num_queries(2):  # the counts, the initiatives
        body = page(client, q="jardin")
    assert f"({size})" in body
    with django_assert_num_queries(2):
        page(client, q="jardin", partie="initiatives", page=2)


# Only what a visitor may see -----------------------------------------------------


def test_pending_and_rejected_initiatives_never_appear(client, make_initiative):
    make_initiative(name="Secret en attente", status=Initiative.Status.PENDING)
    make_initiative(name="Secret refusé", status=Initiative.Status.REJECTED)
    make_initiative(name="Secret archivé", status=Initiative.Status.ARCHIVED)
    body = page(client, q="secret")
    assert "Secret" not in body.split("<h1>")[1].split("</h1>")[1]
    assert search.counts("secret") == {}
    assert client.get(LIST, {"q": "secret"}).context["page_obj"].paginator.count == 0


def test_publishing_unpublishing_and_deleting_follow(make_initiative, moderator):
    initiative = make_initiative(name="Ressourcerie", status=Initiative.Status.PENDING)
    assert found("ressourcerie") == []
    initiative.approve(by=moderator)
    assert found("ressourcerie") == ["Ressourcerie"]
    initiative.name = "Ressourcerie du port"
    initiative.save()
    assert found("port") == ["Ressourcerie du port"]
    initiative.archive(by=moderator)
    assert found("ressourcerie") == []
    initiative.delete()
    assert not SearchDocument.objects.filter(kind="initiatives").exists()


def test_bulk_updates_follow(make_initiative):
    """Moderation and imports change statuses with QuerySet.update(), which
    sends no signal."""
    make_initiative(name="Vélo-école", status=Initiative.Status.PENDING)
    Initiative.objects.filter(name="Vélo-école").update(
        status=Initiative.Status.PUBLISHED
    )
    assert found("velo ecole") == ["Vélo-école"]
    Initiative.objects.filter(name="Vélo-école").update(
        status=Initiative.Status.REJECTED
    )
    assert found("velo ecole") == []


def test_draft_workshops_and_their_items_never_appear(make_workshop):
    workshop = make_workshop(
        "Atelier confidentiel\n\nPoints de vigilance\n- Un risque confidentiel\n",
        published=False,
    )
    assert search.counts("confidentiel") == {}
    workshop.publish()
    assert search.counts("confidentiel") == {"ateliers": 1, "elements": 1}
    workshop.unpublish()
    assert search.counts("confidentiel") == {}
    Workshop.objects.filter(pk=workshop.pk).update(status=Workshop.Status.PUBLISHED)
    assert search.counts("confidentiel") == {"ateliers": 1, "elements": 1}
    Item.objects.filter(section__workshop=workshop).delete()
    assert search.counts("confidentiel") == {"ateliers": 1}
    workshop.delete()
    assert search.counts("confidentiel") == {}


def test_a_tag_shows_once_something_public_carries_it(make_initiative, moderator):
    initiative = make_initiative(
        name="Proposition", status=Initiative.Status.PENDING, tags=["zéro déchet"]
    )
    assert found("dechet", "tags") == []
    initiative.approve(by=moderator)
    assert found("dechet", "tags") == ["zéro déchet"]
    initiative.tags.clear()
    assert found("dechet", "tags") == []


def test_cached_search_pages_are_replaced_after_a_write(settings, make_initiative):
    settings.PAGE_CACHE_SECONDS = 600
    visitor = Client()
    make_initiative(name="Grainothèque")
    assert "Grainothèque" in page(visitor, q="grainotheque")
    assert "Troc de graines" not in page(visitor, q="grainotheque")
    make_initiative(name="Troc de graines", summary="Une grainothèque mobile.")
    assert "Troc de graines" in page(visitor, q="grainotheque")


# Bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 1000,
        "jardin " * 150,
        "!!! ??? ... ;;;",
        '"',
        '"jardin',
        "'jardin'",
        "OR 1=1",
        "jardin' OR '1'='1",
        "jardin NEAR(a b) title:x *",
        "-",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "jardin\x00",
        "\x00",
        "\ue000jardin\ue001",
        "le la les",
    ],
)
def test_bad_input_gives_a_clean_french_page(client, make_initiative, query):
    make_initiative(name="Jardin partagé")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr"' in body
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    list_response = client.get(LIST, {"q": query})
    assert list_response.status_code == 200
    assert "<script>alert" not in list_response.content.decode()


def test_a_too_long_query_says_so_in_french(client):
    body = page(client, q="x" * 1000)
    assert "200 caractères" in body


def test_a_nul_byte_is_refused_in_french(client):
    response = client.get(SEARCH + "?q=jardin%00")
    assert response.status_code == 200
    assert "caractère nul n’est pas autorisé" in response.content.decode()


def test_an_empty_search_invites_a_word(client):
    assert "Saisissez au moins un mot" in page(client)
    assert "Saisissez au moins un mot" in page(client, q="?!")


def test_it_rejects_post(client):
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


# The initiatives list and the index ---------------------------------------------


def test_the_initiative_list_searches_the_index_not_a_scan(client, make_initiative):
    make_initiative(name="Fablab de la plage")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "fablab"})
    assert [i.name for i in response.context["page_obj"]] == ["Fablab de la plage"]
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "LIKE" not in sql.upper()
    assert "observatoire_searchdocument" in sql


# The rebuild command -------------------------------------------------------------


def test_rebuild_writes_every_public_document_again(make_initiative):
    make_initiative(name="Fablab")
    make_initiative(name="Caché", status=Initiative.Status.PENDING)
    SearchDocument.objects.all().delete()
    output = io.StringIO()
    call_command("rebuild_search_index", stdout=output)
    text = output.getvalue()
    assert "initiatives : 1" in text
    assert "Total :" in text
    assert found("fablab") == ["Fablab"]
    call_command("rebuild_search_index", stdout=output)  # safe to re-run
    assert SearchDocument.objects.filter(kind="initiatives").count() == 1


def test_rebuild_if_empty_leaves_a_filled_index_alone(make_initiative):
    make_initiative(name="Fablab")
    output = io.StringIO()
    call_command("rebuild_search_index", "--si-vide", stdout=output)
    assert "rien à faire" in output.getvalue()


def test_rebuild_refuses_an_unknown_part():
    with pytest.raises(CommandError, match="Partie inconnue : fiches"):
        call_command("rebuild_search_index", "--partie", "fiches")


def test_territory_loads_and_reloads_follow(db, territory_file):
    from tests.observatoire.conftest import sample_records

    records = sample_records()
    call_command(
        "load_territories", file=str(territory_file(records)), stdout=io.StringIO()
    )
    assert found("plouzane", "territoires") == ["Plouzané"]
    for record in records:
        if record["code"] == "29212":
            record["name"] = "Plouzané-Technopôle"
    reloaded = territory_file(records, name="reloaded.jsonl.gz")
    call_command("load_territories", file=str(reloaded), stdout=io.StringIO())
    assert found("technopole", "territoires") == ["Plouzané-Technopôle"]


def test_renaming_a_kind_of_practice_follows(make_initiative):
    initiative = make_initiative(name="Local associatif")
    category = initiative.category
    category.name = "Tiers-lieu nourricier"
    category.save()
    assert found("nourricier") == ["Local associatif"]


def test_a_place_named_exactly_comes_first(geo):
    from observatoire.models import Territory

    Territory.objects.create(
        kind=Territory.Kind.COMMUNE, code="27110", name="Brestot", slug="brestot"
    )
    assert found("brest", "territoires")[:2] == ["Brest", "Brest Métropole"]


def test_crawlers_are_kept_off_search_pages(client):
    assert "Disallow: /recherche/" in client.get("/robots.txt").content.decode()


def test_bulk_moderation_and_merges_follow(make_initiative, moderator):
    from initiatives import services

    bourg = make_initiative(name="Amap du bourg", status=Initiative.Status.PENDING)
    halles = make_initiative(name="Amap des halles", status=Initiative.Status.PENDING)
    services.initiatives_decide(pks=[bourg.pk, halles.pk], by=moderator, approve=True)
    assert sorted(found("amap")) == ["Amap des halles", "Amap du bourg"]
    services.initiatives_merge(keep=bourg, drop=halles, by=moderator)
    assert found("amap") == ["Amap du bourg"]
