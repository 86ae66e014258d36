"""Public pages of the référentiel: overview, parts, domains, entries, exports."""

import pytest
from django.urls import reverse
from django.utils.text import slugify

from initiatives.models import Category, Initiative
from referentiel.models import Entry, Part, Section


@pytest.fixture
def make_initiative(geo):
    def make(name, tags, status=Initiative.Status.PUBLISHED):
        category = Category.objects.first() or Category.objects.create(
            name="Tiers-lieu", slug="tiers-lieu"
        )
        initiative = Initiative.objects.create(
            name=name,
            slug=slugify(name),
            summary="Une initiative.",
            category=category,
            commune=geo.brest,
            status=status,
        )
        initiative.tags.add(*tags)
        return initiative

    return make


def test_overview_shows_the_structure_at_a_glance(client, referential):
    response = client.get(reverse("referentiel:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for part in Part.objects.all():
        assert part.get_absolute_url() in html
    for section in Section.objects.all():
        assert section.get_absolute_url() in html
    assert "(11 fiches)" in html  # écosystème de coopération
    assert "63 fiches" in html
    assert "CC BY-SA 4.0" in html
    assert reverse("referentiel:assessment_start") in html


def test_overview_query_count_does_not_grow_with_sections(
    client, referential, django_assert_num_queries
):
    """Guards the N+1 on parts → sections → entry counts (one query per section)."""
    # referential, entry count, parts, sections (annotated), entry tags, seed tags
    with django_assert_num_queries(6):
        response = client.get(reverse("referentiel:overview"))
    assert response.status_code == 200


def test_overview_lists_entry_tags_with_their_counts(
    client, referential, make_initiative
):
    make_initiative("Repair café", ["gouvernance", "vélo"])
    html = client.get(reverse("referentiel:overview")).content.decode()
    tags = html[html.index('id="tags-title"') :]
    count = Entry.objects.filter(tags__name="gouvernance").count()
    assert f'gouvernance <span class="count">({count})</span>' in tags
    assert "vélo" not in tags


def test_overview_without_a_loaded_referential_is_a_404(client, db):
    assert client.get(reverse("referentiel:overview")).status_code == 404


def test_part_page_lists_its_sections_and_entries_in_order(client, referential):
    response = client.get(reverse("referentiel:part", args=["freins-et-leviers"]))
    html = response.content.decode()
    assert response.status_code == 200
    titles = ["Quels sont les freins individuels ?", "Et les freins collectifs ?"]
    assert html.index(titles[0]) < html.index(titles[1])
    assert html.index("Culture et individualisme") < html.index("Conservatisme")
    assert "On le voit les freins sont nombreux" in html  # conclusion paragraph


def test_part_page_query_count_is_constant(
    client, referential, django_assert_num_queries
):
    """Guards the N+1 on sections → entries of a part page."""
    # part, its direct entries, its sections, their entries
    with django_assert_num_queries(4):
        client.get(reverse("referentiel:part", args=["culture-de-la-cooperation"]))


def test_domain_page_lists_its_competencies(client, referential):
    response = client.get(
        reverse("referentiel:section", args=["competences", "regles-et-gouvernance"])
    )
    html = response.content.decode()
    assert "Introduire les règles de négociation</a>" in html
    assert "Gérer les conflits (de manière constructive)</a>" in html
    assert "négociationGérer" not in html
    assert reverse("referentiel:assessment_start") in html


def test_domain_under_the_wrong_part_is_a_404(client, referential):
    url = reverse("referentiel:section", args=["pourquoi-cooperer", "attitudes"])
    assert client.get(url).status_code == 404


def test_entry_page_shows_its_text_tags_and_neighbours(client, referential):
    entry = Entry.objects.get(slug="animer-le-collectif")
    response = client.get(entry.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Animer le collectif</h1>" in html
    assert "la coopération n’est pas spontanée" in html
    assert reverse("tag_detail", args=["gouvernance"]) in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "Modifier la fiche" not in html


def test_entry_page_shows_published_initiatives_sharing_its_tags(
    client, referential, make_initiative
):
    make_initiative("Repair café du port", ["gouvernance"])
    make_initiative("Jardin en attente", ["gouvernance"], Initiative.Status.PENDING)
    make_initiative("Sans rapport", ["vélo"])
    html = client.get(reverse("referentiel:entry", args=["animer-le-collectif"]))
    html = html.content.decode()
    assert "Dans les autres parties de l'observatoire" in html
    assert "Repair café du port" in html
    assert "Jardin en attente" not in html
    assert "Sans rapport" not in html


def test_entries_are_registered_so_other_parts_show_them(referential, make_initiative):
    from observatoire import registry

    initiative = make_initiative("Fab lab", ["gouvernance"])
    blocks = dict((e.key, objs) for e, objs in registry.related(initiative))
    entries = blocks["referentiel.entry"]
    assert Entry.objects.get(slug="animer-le-collectif") in entries or len(entries) == 6
    assert all("gouvernance" in e.tags.names() for e in entries)


def test_tag_page_lists_referential_entries(client, referential):
    response = client.get(reverse("tag_detail", args=["gouvernance"]))
    assert "Choisir les règles (charte)" in response.content.decode()


def test_unknown_entry_is_a_404(client, referential):
    assert (
        client.get(reverse("referentiel:entry", args=["inconnue"])).status_code == 404
    )


def test_full_text_page_holds_every_entry_once(client, referential):
    response = client.get(reverse("referentiel:full_text"))
    html = response.content.decode()
    assert html.count("<h1") == 1
    for entry in Entry.objects.all():
        assert html.count(f'id="fiche-{entry.slug}"') == 1
    assert "css/referentiel-print.css" in html


def test_full_text_query_count_is_constant(
    client, referential, django_assert_num_queries
):
    """Guards the N+1 on parts → sections → entries of the whole document."""
    with django_assert_num_queries(5):
        client.get(reverse("referentiel:full_text"))


def test_markdown_export_is_a_download_with_the_attribution(client, referential):
    response = client.get(reverse("referentiel:markdown"))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Le référentiel lié à la coopération, la co-création")
    assert "Licence : CC BY-SA 4.0" in text
    assert "Mots-clés : coopération, création" in text
    assert "Thème : Blockchain, Collectivité" in text
    assert "### Des attitudes pour participer à un groupe coopératif" in text
    assert "- **Animer le collectif** : la coopération n’est pas spontanée" in text


@pytest.mark.parametrize(
    "url",
    [
        "/referentiel/",
        "/referentiel/texte-integral/",
        "/referentiel/export.md",
        "/referentiel/partie/competences/",
        "/referentiel/partie/competences/attitudes/",
        "/referentiel/fiche/animer-le-collectif/",
    ],
)
def test_read_only_pages_refuse_post(client, referential, url):
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_markdown_export_renders_as_the_referential_structure(client, referential):
    import markdown

    html = markdown.markdown(
        client.get(reverse("referentiel:markdown")).content.decode()
    )
    assert html.count("<h1>") == 1
    assert html.count("<h2>") == 1 + Part.objects.count()  # introduction + parts
    assert html.count("<h3>") == Section.objects.count()
    assert html.count("<li>") == 3 + Entry.objects.count()  # objectives + entries
    assert "Licence : CC BY-SA 4.0<br />" in html


def test_initiative_page_shows_referential_entries_sharing_its_tags(
    client, referential, make_initiative
):
    initiative = make_initiative("Conseil de quartier", ["gouvernance"])
    html = client.get(initiative.get_absolute_url()).content.decode()
    related = html[html.index('id="related-title"') :]
    assert "Référentiel des compétences de coopération" in related
    assert "Choisir les règles (charte)" in related
