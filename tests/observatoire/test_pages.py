import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command
from django.urls import reverse
from taggit.models import Tag

from observatoire import roles

ROLES = ["anonymous", "citizen", "moderator", "facilitator", "agent", "superuser"]
PAGES = ["home", "about", "legal", "accessibility", "login"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_french_for_every_role(client_for, role, page):
    response = client_for(role).get(reverse(page))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1
    assert 'href="#contenu"' in html  # skip link


@pytest.mark.django_db
def test_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_GROUPS)


@pytest.mark.django_db
def test_role_checks(make_user):
    moderator, facilitator, agent = (
        make_user(r) for r in ("moderator", "facilitator", "agent")
    )
    citizen = make_user("citizen")
    assert roles.is_moderator(moderator) and not roles.is_moderator(facilitator)
    assert roles.is_facilitator(facilitator) and not roles.is_facilitator(agent)
    assert roles.is_agent(agent) and roles.is_agent(moderator)
    assert not any(
        f(citizen) for f in (roles.is_moderator, roles.is_facilitator, roles.is_agent)
    )


@pytest.mark.django_db
def test_login_page_logs_in_and_logout_requires_post(client, make_user):
    make_user("agent", username="agent-test")
    response = client.post(
        reverse("login"), {"username": "agent-test", "password": "motdepasse-de-test"}
    )
    assert response.status_code == 302
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.django_db
def test_login_with_wrong_password_says_so_in_french(client):
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 200
    assert (
        "Saisissez un nom d’utilisateur et un mot de passe valides"
        in response.content.decode()
    )


@pytest.mark.django_db
def test_unknown_page_gives_the_french_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


# /healthz: tests/observatoire/test_outage.py (the database made unreachable).


@pytest.mark.django_db
def test_robots_and_sitemap(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert "<loc>http://testserver/a-propos/</loc>" in sitemap.content.decode()


@pytest.mark.django_db
def test_tag_page_for_unknown_tag_is_404_and_known_tag_renders(client):
    assert client.get("/tags/inconnu/").status_code == 404
    Tag.objects.create(name="Jardins partagés", slug="jardins-partages")
    response = client.get("/tags/jardins-partages/")
    assert response.status_code == 200
    assert "Jardins partagés" in response.content.decode()


@pytest.mark.django_db
def test_territory_page(client, geo):
    response = client.get(geo.brest.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Brest" in html and "Finistère" in html and "Brest Métropole" in html


@pytest.mark.django_db
def test_within_includes_everything_inside(geo):
    assert set(geo.bretagne.within()) == {
        geo.bretagne,
        geo.finistere,
        geo.brest,
        geo.quimper,
    }
    assert set(geo.finistere.within()) == {geo.finistere, geo.brest, geo.quimper}
    assert set(geo.metropole.within()) == {geo.metropole, geo.brest}
    assert set(geo.brest.within()) == {geo.brest}


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy


@pytest.mark.django_db
def test_sitemap_lists_pages_but_not_page_fragments(client, geo):
    from ateliers.models import Item, Section, Workshop

    workshop = Workshop.objects.create(
        title="Atelier public", slug="atelier-public", status=Workshop.Status.PUBLISHED
    )
    section = Section.objects.create(
        workshop=workshop, kind=Section.Kind.ENJEUX, heading="Enjeux", position=1
    )
    item = Item.objects.create(section=section, text="Un enjeu", position=1)
    item.tags.add("coopération")
    xml = client.get("/sitemap.xml").content.decode()
    assert workshop.get_absolute_url() in xml
    assert "#" not in xml


@pytest.mark.django_db
def test_robots_keeps_crawlers_off_private_and_costly_urls(client):
    robots = client.get("/robots.txt").content.decode()
    for path in (
        "/admin/",
        "/moderation/",
        "/initiatives/export.",
        "/carte/donnees.json",
    ):
        assert f"Disallow: {path}" in robots


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "current"), [("/carte/", "Carte"), ("/initiatives/", "Initiatives")]
)
def test_navigation_marks_the_current_part(client, path, current):
    html = client.get(path).content.decode()
    assert f'aria-current="page">{current}</a>' in html
    assert html.count('aria-current="page"') >= 1


@pytest.mark.django_db
def test_oversized_post_gets_a_french_explanation(client, settings, make_user):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(make_user("facilitator"))
    response = client.post(reverse("login"), {"text": "x" * 5000})
    assert response.status_code == 400
    assert "trop volumineux" in response.content.decode()


@pytest.mark.django_db
def test_error_pages_are_in_french(rf):
    from observatoire import views

    request = rf.get("/")
    request.user = AnonymousUser()
    assert "Accès refusé" in views.error_403(request).content.decode()
    server_error = views.error_500(request)
    assert server_error.status_code == 500
    assert "Erreur du serveur" in server_error.content.decode()
