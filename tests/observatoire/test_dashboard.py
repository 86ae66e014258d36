import pytest
from django.urls import reverse

from initiatives.models import Category, Initiative


@pytest.fixture
def initiatives(geo):
    category = Category.objects.order_by("position").first()

    def make(name, commune, status=Initiative.Status.PUBLISHED):
        return Initiative.objects.create(
            name=name,
            summary="Résumé",
            category=category,
            commune=commune,
            status=status,
        )

    make("Jardin de Brest", geo.brest)
    make("Repair café de Quimper", geo.quimper)
    make("Atelier de Lyon", geo.lyon)
    make("Proposition en attente", geo.brest, Initiative.Status.PENDING)


def figures(response):
    """Indicator label -> value, as the page shows them."""
    return {
        indicator.label: indicator.value
        for _title, values in response.context["blocks"]
        for indicator in values
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("agent", 200),
        ("moderator", 200),
        ("facilitator", 200),
        ("superuser", 200),
    ],
)
def test_dashboard_is_for_the_team_only(client_for, role, status):
    response = client_for(role).get(reverse("dashboard"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_dashboard_counts_the_whole_platform_then_one_territory(
    client_for, geo, initiatives
):
    client = client_for("agent")
    everything = figures(client.get(reverse("dashboard")))
    assert everything["initiatives publiées"] == 3
    assert everything["proposition en attente"] == 1

    finistere = client.get(reverse("dashboard"), {"territory": "Finistère (29)"})
    assert finistere.context["territory"] == geo.finistere
    assert figures(finistere)["initiatives publiées"] == 2
    assert "Finistère (29)" in finistere.content.decode()


@pytest.mark.django_db
def test_unknown_territory_is_explained_and_shows_no_figure(client_for, initiatives):
    response = client_for("agent").get(
        reverse("dashboard"), {"territory": "<script>Atlantide</script>"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Aucun territoire ne correspond" in html
    assert "<script>Atlantide" not in html
    # The platform's figures would read as the territory's.
    assert figures(response) == {}


@pytest.mark.django_db
def test_moderation_links_only_for_moderators(client_for, initiatives):
    queue = reverse("initiatives:moderation")
    assert queue not in client_for("agent").get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_moderators_get_the_queue_link(client_for, initiatives):
    html = client_for("moderator").get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("initiatives:moderation")}"' in html


@pytest.mark.django_db
def test_home_shows_public_figures_only(client, initiatives):
    html = client.get(reverse("home")).content.decode()
    assert "<strong>3</strong> initiatives" in html


@pytest.fixture
def workshops(geo):
    from ateliers.models import Item, Section, Workshop

    def make(title, territory, status, vigilance):
        workshop = Workshop.objects.create(
            title=title,
            slug=title.lower().replace(" ", "-"),
            territory=territory,
            status=status,
        )
        section = Section.objects.create(
            workshop=workshop,
            kind=Section.Kind.VIGILANCE,
            heading="Vigilance",
            position=1,
        )
        for number in range(vigilance):
            Item.objects.create(
                section=section, text=f"Point {number}", position=number
            )
        return workshop

    make("Atelier Brest", geo.brest, Workshop.Status.PUBLISHED, 3)
    make("Atelier Lyon", geo.lyon, Workshop.Status.PUBLISHED, 2)
    make("Brouillon Quimper", geo.quimper, Workshop.Status.DRAFT, 5)


@pytest.mark.django_db
def test_workshop_figures_count_published_content_only(client_for, geo, workshops):
    agent = client_for("agent")
    everything = figures(agent.get(reverse("dashboard")))
    assert everything["ateliers publiés"] == 2
    assert everything["points de vigilance"] == 5
    assert "ateliers en brouillon" not in everything
    bretagne = figures(agent.get(reverse("dashboard"), {"territory": "Bretagne"}))
    assert bretagne["atelier publié"] == 1
    assert bretagne["points de vigilance"] == 3


@pytest.mark.django_db
def test_facilitators_see_their_drafts_count(client_for, workshops):
    assert (
        figures(client_for("facilitator").get(reverse("dashboard")))[
            "atelier en brouillon"
        ]
        == 1
    )


def count_queries(client, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("dashboard"), params).status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_content(
    client_for, geo, initiatives, workshops
):
    """Guards against one query per category, initiative or workshop item."""
    client = client_for("moderator")
    before = count_queries(client, territory="Bretagne")
    category = Category.objects.order_by("-position").first()
    for number in range(20):
        Initiative.objects.create(
            name=f"Autre {number}",
            summary="Résumé",
            category=category,
            commune=geo.quimper,
            status=Initiative.Status.PUBLISHED,
        )
    assert count_queries(client, territory="Bretagne") == before
