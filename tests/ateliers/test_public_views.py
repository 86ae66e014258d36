"""Public pages: list, workshop, gathered views, exports, related content."""

import pytest
from django.urls import reverse

from ateliers import parsing
from ateliers.models import Item, Workshop

GATHERED_URLS = ["vigilance", "opportunites", "enjeux", "a_enqueter"]


def test_list_shows_published_workshops_only(client, seeds, make_workshop):
    make_workshop("Brouillon secret\n\nEnjeux\n- caché\n", published=False)
    response = client.get(reverse("ateliers:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Axe 1 : De l’individu au collectif" in html
    assert "Brouillon secret" not in html
    assert reverse("ateliers:import") not in html  # facilitators' box


def test_facilitators_see_their_tools_and_drafts_on_the_list(client_for, make_workshop):
    make_workshop("Brouillon secret\n\nEnjeux\n- caché\n", published=False)
    html = client_for("facilitator").get(reverse("ateliers:list")).content.decode()
    assert reverse("ateliers:import") in html
    assert "Brouillon secret" in html


def test_draft_is_404_for_the_public_and_a_preview_for_facilitators(
    client_for, make_workshop
):
    draft = make_workshop("Brouillon secret\n\nEnjeux\n- caché\n", published=False)
    for role in ("anonymous", "citizen", "moderator", "agent"):
        client = client_for(role)
        assert client.get(draft.get_absolute_url()).status_code == 404, role
        url = reverse("ateliers:markdown", args=[draft.slug])
        assert client.get(url).status_code == 404
        client.logout()
    response = client_for("facilitator").get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Aperçu : cet atelier est un brouillon" in response.content.decode()


def test_workshop_page_shows_structure_people_and_links(client, seeds):
    workshop = Workshop.objects.get(slug="atelier-2-emergence-session-2")
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert "<h1>Atelier 2 - Emergence - Session 2</h1>" in html
    assert html.count("<h1") == 1
    assert "<li>Anne Berlemont</li>" in html
    assert "Idées à creuser" in html
    assert reverse("ateliers:markdown", args=[workshop.slug]) in html


def test_workshop_page_shows_related_initiatives_and_referential(
    client, make_workshop, make_initiative
):
    from referentiel.models import Entry
    from referentiel.services import referentiel_load

    referentiel_load()
    entry = Entry.objects.filter(tags__name="coopération").first()
    initiative = make_initiative(name="Repair café du port", tags=["coopération"])
    make_initiative(name="Jardin sans rapport", tags=["jardinage"])
    workshop = make_workshop(tags=["coopération"])
    other = make_workshop("Autre atelier\n\nEnjeux\n- voisin\n")
    Item.objects.get(section__workshop=other).tags.set(["coopération"])
    html = client.get(workshop.get_absolute_url()).content.decode()
    related = html.split('id="related-title"')[1]
    assert initiative.name in related
    assert "Jardin sans rapport" not in related
    assert entry.title.replace("'", "&#x27;") in related
    # Items of other workshops belong to this part, not to "the other parts".
    assert "voisin" not in related


def test_tag_page_and_territory_page_find_workshops(client, geo, make_workshop):
    workshop = make_workshop(tags=["solidarité"], territory=geo.brest)
    tag_html = client.get(reverse("tag_detail", args=["solidarite"])).content.decode()
    assert workshop.title in tag_html
    html = client.get(geo.finistere.get_absolute_url()).content.decode()
    assert workshop.title in html


def test_html_in_content_is_escaped_everywhere(client, make_workshop):
    workshop = make_workshop(
        "<script>alert('t')</script>\n\nEnjeux\n- <img src=x onerror=alert(1)>\n"
        "Points de vigilance\n1. <b>thème</b>\n"
    )
    for url in (
        workshop.get_absolute_url(),
        reverse("ateliers:print", args=[workshop.slug]),
        reverse("ateliers:list"),
        reverse("ateliers:enjeux"),
        reverse("ateliers:vigilance"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;thème&lt;/b&gt;" in html


@pytest.mark.parametrize("name", GATHERED_URLS)
def test_gathered_views_link_back_to_each_workshop(client, seeds, name):
    response = client.get(reverse(f"ateliers:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    for workshop in Workshop.objects.filter(
        sections__kind__in=["vigilance", "opportunites", "enjeux", "a_enqueter"]
    ).distinct():
        if workshop.sections.filter(
            kind__in={"a_enqueter": ["a_enqueter", "idees"]}.get(name, [name])
        ).exists():
            assert workshop.get_absolute_url() in html


def test_vigilance_view_lists_themes_and_points_of_both_domino_axes(client, seeds):
    html = client.get(reverse("ateliers:vigilance")).content.decode()
    assert "Conservatisme" in html
    assert "Gérer les conflits." in html
    assert "Ne pas mettre la solidarité comme objectif premier" in html
    assert "Faire communauté" not in html  # an opportunity, not a vigilance point


def test_research_agenda_gathers_questions_and_ideas(client, seeds):
    html = client.get(reverse("ateliers:a_enqueter")).content.decode()
    assert "Pourquoi coopérer ?" in html
    assert "Le modèle économique d&#x27;une pratique collaborative" in html
    assert "comment favoriser la participation des experts" in html


def test_gathered_filters_by_event_territory_and_tag(client, geo, seeds):
    url = reverse("ateliers:enjeux")
    html = client.get(url, {"evenement": "forum-des-usages-cooperatifs-2016"})
    assert "Former à la coopération" not in html.content.decode()
    html = client.get(url, {"evenement": "programme-domino"}).content.decode()
    assert "Former à la coopération" in html
    html = client.get(url, {"tag": "solidarite"}).content.decode()
    assert "Ne pas mettre la solidarité comme principe premier" in html
    assert "Former à la coopération" not in html
    axe1 = Workshop.objects.get(slug="domino-axe-1-de-l-individu-au-collectif")
    axe1.territory = geo.quimper
    axe1.save()
    html = client.get(url, {"territoire": geo.finistere.slug}).content.decode()
    assert "Former à la coopération" in html
    assert "Ne pas mettre la solidarité comme principe premier" not in html
    html = client.get(url, {"territoire": geo.lyon.slug}).content.decode()
    assert "Former à la coopération" not in html


def test_item_tags_filter_gathered_views(client, make_workshop):
    make_workshop("A\n\nEnjeux\n- premier enjeu\n")
    other = make_workshop("B\n\nEnjeux\n- second enjeu\n")
    Item.objects.get(section__workshop=other).tags.set(["eau"])
    html = client.get(reverse("ateliers:enjeux"), {"tag": "eau"}).content.decode()
    assert "second enjeu" in html
    assert "premier enjeu" not in html


def test_list_filters(client, seeds):
    url = reverse("ateliers:list")
    html = client.get(url, {"evenement": "programme-domino"}).content.decode()
    assert "Axe 3" in html and "Atelier 2 - Emergence" not in html
    html = client.get(url, {"tag": "communs"}).content.decode()
    assert "Session 2016" in html and "Axe 3" not in html


def test_list_query_count_does_not_grow_with_workshops(
    client, make_workshop, django_assert_num_queries
):
    """Guards the N+1 on each workshop's event, territory and tags."""
    for number in range(3):
        make_workshop(f"Atelier {number}\n\nEnjeux\n- x\n", tags=["a", "b"])
    with django_assert_num_queries(6):
        client.get(reverse("ateliers:list"))
    for number in range(3, 9):
        make_workshop(f"Atelier {number}\n\nEnjeux\n- x\n", tags=["a", "b"])
    with django_assert_num_queries(6):
        client.get(reverse("ateliers:list"))


def test_gathered_query_count_does_not_grow_with_items(
    client, make_workshop, django_assert_num_queries
):
    """Guards the N+1 on sections' workshops, themes, items, sub-items, item tags."""
    text = "Atelier {n}\n\nPoints de vigilance\n1. T\n  - a\n    - a1\n- b\n"
    for number in range(2):
        make_workshop(text.format(n=number))
    with django_assert_num_queries(8):
        client.get(reverse("ateliers:vigilance"))
    for number in range(2, 10):
        make_workshop(text.format(n=number))
    with django_assert_num_queries(8):
        client.get(reverse("ateliers:vigilance"))


def test_markdown_export_reimports_to_the_same_structure(client, seeds):
    from ateliers import services

    for workshop in seeds:
        response = client.get(reverse("ateliers:markdown", args=[workshop.slug]))
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        text = response.content.decode()
        assert parsing.parse(text).as_dict() == services.workshop_as_dict(workshop)


def test_printable_page(client, seeds):
    workshop = seeds[0]
    response = client.get(reverse("ateliers:print", args=[workshop.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "atelier-print" in html
    assert "Gérer les conflits." in html


@pytest.mark.parametrize(
    "name", ["list", "vigilance", "opportunites", "enjeux", "a_enqueter"]
)
def test_public_pages_reject_post(client, db, name):
    assert client.post(reverse(f"ateliers:{name}")).status_code == 405


def test_bad_filter_values_are_ignored(client, seeds):
    url = reverse("ateliers:vigilance")
    for params in (
        {"territoire": "nulle-part"},
        {"tag": "<script>"},
        {"evenement": "x" * 5000},
        {"page": "abc"},
    ):
        response = client.get(url, params)
        assert response.status_code in (200, 404)
        assert "<script>" not in response.content.decode().split("<main")[1]


def test_territory_filter_offers_the_places_containing_workshops(client, geo, seeds):
    html = client.get(reverse("ateliers:list")).content.decode()
    for territory in (geo.brest, geo.finistere, geo.bretagne, geo.metropole):
        assert f'<option value="{territory.slug}"' in html
    assert f'<option value="{geo.lyon.slug}"' not in html
    html = client.get(
        reverse("ateliers:list"), {"territoire": geo.bretagne.slug}
    ).content.decode()
    assert "Session 2016/Territoire coopération et transitions" in html
    assert "Axe 3" not in html


def test_each_gathered_point_links_to_its_place_in_the_workshop(client, seeds):
    item = Item.objects.get(text="Gérer les conflits.")
    html = client.get(reverse("ateliers:vigilance")).content.decode()
    assert f'href="{item.get_absolute_url()}"' in html
    assert f'href="{item.theme.get_absolute_url()}"' in html
    page = client.get(item.section.workshop.get_absolute_url()).content.decode()
    assert f'id="item-{item.pk}"' in page
    assert f'id="theme-{item.theme.pk}"' in page


def test_filter_tags_never_reveal_a_draft(client, make_workshop):
    make_workshop("Public\n\nEnjeux\n- x\n", tags=["visible"])
    draft = make_workshop(
        "Secret\n\nEnjeux\n- y\n", tags=["projet-secret"], published=False
    )
    Item.objects.get(section__workshop=draft).tags.set(["piste-secrete"])
    html = client.get(reverse("ateliers:enjeux")).content.decode()
    assert 'value="visible"' in html
    assert "secret" not in html


def test_tag_page_lists_tagged_items_and_sitemap_skips_item_fragments(
    client, make_workshop
):
    workshop = make_workshop("Atelier\n\nEnjeux\n- enjeu étiqueté\n- enjeu simple\n")
    tagged = Item.objects.get(text="enjeu étiqueté")
    tagged.tags.set(["eau"])
    html = client.get(reverse("tag_detail", args=["eau"])).content.decode()
    assert f'href="{tagged.get_absolute_url()}"' in html
    sitemap = client.get("/sitemap.xml").content.decode()
    assert workshop.get_absolute_url() in sitemap
    # Items are parts of the workshop page, which the sitemap already lists.
    assert "#item-" not in sitemap


def test_people_are_shown_once_with_the_facts_not_as_parts(client, make_workshop):
    workshop = make_workshop(
        "Atelier\n\nPorteurs : Ana et Bob\n"
        "Participants : 14 personnes (élus, associations, habitants)\n"
        "Enjeux\n- e\n"
    )
    html = client.get(workshop.get_absolute_url()).content.decode()
    assert html.count("<li>Ana</li>") == 1
    assert html.count("14 personnes (élus, associations, habitants)") == 1
    toc = html.split('class="atelier-toc')[1].split("</nav>")[0]
    assert "Porteurs" not in toc and "Participants" not in toc
    assert "Enjeux" in toc
    assert 'class="atelier-section kind-porteurs"' not in html
    facts = html.split('class="facts"')[1].split("</dl>")[0]
    assert "<dt>Porteurs</dt>" in facts
