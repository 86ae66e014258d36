"""Whole public pages served from the shared cache (observatoire.pagecache):
every write path shows on the visitor's next request, and nothing personal or
carrying a CSRF token is ever served to someone else."""

import gzip
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from ateliers import parsing, services
from ateliers.models import Item
from initiatives import forms
from initiatives.models import Initiative
from observatoire.models import Territory
from referentiel.models import Assessment, Entry
from referentiel.services import referentiel_load
from tests.initiatives.test_submission import valid_data

LIST = reverse("initiatives:list")
MAP_DATA = reverse("initiatives:map_data")


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def visitor(db):
    """An anonymous visitor, with no cookie at all."""
    return Client()


def page(client, url=LIST, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_anonymous_visit_is_one_cache_read(
    visitor, make_initiative, django_assert_num_queries
):
    make_initiative(name="Repair café du port")
    first = page(visitor)
    with django_assert_num_queries(1):
        assert page(visitor) == first
    assert "Repair café du port" in first


def test_pages_are_sent_compressed_to_browsers_that_accept_it(visitor, make_initiative):
    make_initiative(name="Repair café du port")
    plain = visitor.get(LIST)
    assert "Content-Encoding" not in plain
    for _ in range(2):  # built, then from the cache
        sent = visitor.get(LIST, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert sent["Content-Encoding"] == "gzip"
        assert gzip.decompress(sent.content) == plain.content
        assert "Accept-Encoding" in sent["Vary"]
    assert "Content-Encoding" not in visitor.get(LIST)


def test_one_stored_page_serves_every_encoding(
    visitor, make_initiative, django_assert_num_queries
):
    """Stored once, compressed: a client without gzip gets it decompressed
    from the same entry, in one cache read."""
    make_initiative(name="Repair café du port")
    sent = visitor.get(LIST, HTTP_ACCEPT_ENCODING="gzip")
    assert sent["Content-Encoding"] == "gzip"
    with django_assert_num_queries(1):
        plain = visitor.get(LIST)
    assert "Content-Encoding" not in plain
    assert plain.content == gzip.decompress(sent.content)
    assert plain["Content-Length"] == str(len(plain.content))
    assert plain["ETag"] == sent["ETag"]
    assert "Repair café du port" in plain.content.decode()


def test_revisits_get_not_modified(visitor, make_initiative):
    make_initiative()
    etag = visitor.get(LIST)["ETag"]
    assert visitor.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_initiative(name="Nouvelle")
    again = visitor.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert "Nouvelle" in again.content.decode()


def test_languages_get_their_own_page(visitor, make_initiative):
    make_initiative()
    french = page(visitor, HTTP_ACCEPT_LANGUAGE="fr")
    # French is the only language served (issue 10, item 19): an English
    # browser gets the French page.
    english = visitor.get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "fr"
    assert page(visitor, HTTP_ACCEPT_LANGUAGE="fr") == french


# Every write path shows on the next request ------------------------------------


def test_public_submission_then_moderation_publishes_on_the_next_request(
    visitor, make_user, geo
):
    assert "Jardin des Capucins" not in page(visitor)
    page(visitor, MAP_DATA)
    home_before = page(visitor, "/")
    citizen = Client()
    response = citizen.post(reverse("initiatives:submit"), valid_data())
    assert response.status_code == 302
    assert "Jardin des Capucins" not in page(visitor)  # pending: not public
    pending = Initiative.objects.get(name="Jardin des Capucins")
    moderator = Client()
    moderator.force_login(make_user("moderator"))
    response = moderator.post(
        reverse("initiatives:moderate_initiative", args=[pending.pk]),
        {
            "name": pending.name,
            "summary": pending.summary,
            "category": pending.category_id,
            "commune": "Brest",
            "latitude": "48.39",
            "longitude": "-4.49",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert "Jardin des Capucins" in page(visitor)
    assert visitor.get(MAP_DATA).json()["ids"] == [pending.pk]
    assert page(visitor, "/") != home_before


def test_import_shows_on_the_next_request(visitor, geo, tmp_path):
    page(visitor)
    source = tmp_path / "import.csv"
    source.write_text(
        "nom;type_de_pratique;code_insee;resume\n"
        "Atelier vélo importé;Repair café;29019;Réparer ensemble.\n",
        encoding="utf-8",
    )
    call_command(
        "import_initiatives", str(source), "--status", "published", stdout=io.StringIO()
    )
    assert "Atelier vélo importé" in page(visitor)


def test_admin_action_shows_on_the_next_request(visitor, make_initiative, make_user):
    initiative = make_initiative(name="Bientôt archivée")
    assert "Bientôt archivée" in page(visitor)
    admin = Client()
    admin.force_login(make_user("superuser"))
    admin.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "archive_selected", "_selected_action": [initiative.pk]},
    )
    assert "Bientôt archivée" not in page(visitor)


def test_vocabulary_renamed_in_the_admin_shows_on_the_next_request(
    visitor, make_initiative, make_user
):
    category = make_initiative().category
    page(visitor)
    admin = Client()
    admin.force_login(make_user("superuser"))
    response = admin.post(
        reverse("admin:initiatives_category_change", args=[category.pk]),
        {
            "name": "Pratique renommée",
            "slug": category.slug,
            "description": "",
            "colour": "#123456",
            "icon": "",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert "Pratique renommée" in page(visitor)


def test_queryset_update_shows_on_the_next_request(visitor, make_initiative):
    initiative = make_initiative(name="Ancien nom")
    page(visitor)
    page(visitor, initiative.get_absolute_url())
    Initiative.objects.filter(pk=initiative.pk).update(name="Nouveau nom")
    assert "Nouveau nom" in page(visitor)
    assert "Nouveau nom" in page(visitor, initiative.get_absolute_url())


def test_facilitator_edit_shows_on_the_next_request(visitor, make_user, geo):
    workshop = services.workshop_create_from_parsed(
        parsed=parsing.parse("Atelier test\n\nEnjeux\n- Un enjeu\n- Un autre\n")
    )
    workshop.publish()
    item = Item.objects.get(text="Un enjeu")
    assert "Un enjeu" in page(visitor, workshop.get_absolute_url())
    facilitator = Client()
    facilitator.force_login(make_user("facilitator"))
    facilitator.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {f"item-{item.pk}-text": "Un enjeu corrigé"},
    )
    assert "Un enjeu corrigé" in page(visitor, workshop.get_absolute_url())
    # Moving items is a bulk QuerySet.update in the service.
    Item.objects.filter(pk=item.pk).update(text="Déplacé en bloc")
    assert "Déplacé en bloc" in page(visitor, workshop.get_absolute_url())


def test_referential_edit_shows_on_the_next_request(visitor, make_user):
    referentiel_load()
    entry = Entry.objects.get(slug="animer-le-collectif")
    assert "Règles écrites ensemble" not in page(visitor, entry.get_absolute_url())
    facilitator = Client()
    facilitator.force_login(make_user("facilitator"))
    facilitator.post(
        reverse("referentiel:entry_edit", args=[entry.slug]),
        {"title": entry.title, "description": "Règles écrites ensemble.", "tags": ""},
    )
    assert "Règles écrites ensemble" in page(visitor, entry.get_absolute_url())


def test_territory_and_tag_changes_show_on_the_next_request(visitor, make_initiative):
    initiative = make_initiative(tags=["compost"])
    url = initiative.get_absolute_url()
    page(visitor, url)
    Territory.objects.filter(pk=initiative.commune_id).update(name="Brest-Métropole")
    assert "Brest-Métropole" in page(visitor, url)
    tag = Tag.objects.get(slug="compost")
    tag.name = "Compostage"
    tag.save()
    assert "Compostage" in page(visitor, url)


def test_self_assessments_do_not_retire_public_pages(
    visitor, make_initiative, django_assert_num_queries
):
    """Every visitor may take one: they must not empty the page cache."""
    referential = referentiel_load().referential
    make_initiative()
    page(visitor)
    Assessment.objects.create(referential=referential, subject="person")
    with django_assert_num_queries(1):
        page(visitor)


# Nothing personal, no CSRF token, is ever shared ------------------------------


def test_pages_with_a_csrf_token_are_never_stored(visitor, geo):
    url = reverse("initiatives:submit")
    for _ in range(2):
        response = visitor.get(url)
        assert "csrfmiddlewaretoken" in response.content.decode()
        # Built for this request: it renews the visitor's own CSRF cookie.
        assert "csrftoken" in response.cookies
    other = Client()
    other.get(url)
    assert other.cookies["csrftoken"].value != visitor.cookies["csrftoken"].value


def test_logged_in_pages_are_never_shared(visitor, make_initiative, make_user):
    make_initiative()
    moderator = Client()
    moderator.force_login(make_user("moderator", username="camille-moderation"))
    assert "camille-moderation" in page(moderator)
    assert "camille-moderation" not in page(visitor)
    # The visitor's page is now cached; the moderator still gets their own.
    assert "camille-moderation" in page(moderator)
    assert "csrfmiddlewaretoken" not in page(visitor)


def test_a_message_is_shown_to_its_visitor_only(visitor, make_initiative):
    initiative = make_initiative()
    url = initiative.get_absolute_url()
    page(visitor, url)
    proposer = Client()
    response = proposer.post(
        reverse("initiatives:propose_change", args=[initiative.slug]),
        {
            "name": initiative.name,
            "summary": initiative.summary,
            "address": "14 rue de Siam",
            "message": "Ils ont déménagé.",
            "contact_email": "",
            "contact_url": "",
            "started": forms.make_started_token(time.time() - 60),
        },
        follow=True,
    )
    assert "votre proposition est transmise" in response.content.decode()
    assert "votre proposition est transmise" not in page(visitor, url)
    assert "votre proposition est transmise" not in page(Client(), url)


def test_a_session_cookie_always_bypasses_the_cache(
    visitor, make_initiative, django_assert_max_num_queries
):
    make_initiative()
    page(visitor)
    User = get_user_model()
    assert not User.objects.exists()
    visitor.cookies["sessionid"] = "stale-or-forged"
    with django_assert_max_num_queries(30) as captured:
        page(visitor)
    assert len(captured) > 1  # built again, not read from the cache
