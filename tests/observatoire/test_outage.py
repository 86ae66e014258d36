"""The database goes away: French 503 pages, the public form shown again as
typed, /healthz saying so, the 500 page still rendering, and recovery without
a restart. The database is made unreachable for real (tests/dbdown.py)."""

import time

import pytest
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connections
from django.test import override_settings
from django.urls import path, reverse

from initiatives import forms
from initiatives.models import Category, Family, Initiative
from tests.dbdown import closed_port, database_unavailable
from tests.images import image_bytes, upload

SUBMIT = reverse("initiatives:submit")
UNAVAILABLE = "Le service est momentanément indisponible, réessayez"


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def typed_form(**overrides):
    data = {
        "name": "Jardin <b>des</b> Capucins",
        "summary": "Un jardin partagé ouvert à tous.\nDeuxième ligne.",
        "description": "On y cultive ensemble des légumes.",
        "category": Category.objects.get(slug="jardin-partage").pk,
        "families": [Family.objects.get(slug="durable").pk],
        "economic_model": "free",
        "governance": "associative",
        "commune": "Brest (29)",
        "address": "Rue de Siam",
        "tags": "compost, potager",
        "submitter_name": "Anne Le Goff",
        "submitter_email": "anne@example.org",
        "consent": "on",
        "contact_url": "",
        "started": forms.make_started_token(time.time() - 60),
    }
    data.update(overrides)
    return data


def test_submission_during_an_outage_gives_the_form_back(client, geo):
    data = typed_form()
    with database_unavailable():
        response = client.post(SUBMIT, data)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    html = response.content.decode()
    assert UNAVAILABLE in html
    assert "n'a pas été enregistré" in html
    # Everything typed is there, escaped, ready to send again.
    assert 'value="Jardin &lt;b&gt;des&lt;/b&gt; Capucins"' in html
    assert "Un jardin partagé ouvert à tous.\nDeuxième ligne.</textarea>" in html
    assert 'value="Brest (29)"' in html
    assert 'value="anne@example.org"' in html
    assert 'value="compost, potager"' in html
    assert f'name="category" value="{data["category"]}"' in html
    assert f'name="families" value="{data["families"][0]}"' in html
    assert 'name="consent" id="id_consent" checked' in html
    assert f'value="{data["started"]}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'action="{SUBMIT}"' in html
    # No image was sent: nothing to say about one.
    assert "image n'a pas pu être gardée" not in html
    assert not Initiative.objects.filter(name__contains="Capucins").exists()


def test_outage_says_plainly_that_the_image_must_be_chosen_again(client, geo):
    data = typed_form(image=upload(image_bytes()))
    with database_unavailable():
        response = client.post(SUBMIT, data)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Seule l'image n'a pas pu être gardée" in html
    assert 'type="file" name="image"' in html


def test_form_sent_again_after_recovery_is_stored_once(client, geo):
    data = typed_form(name="Jardin des Capucins")
    with database_unavailable():
        assert client.post(SUBMIT, data).status_code == 503
    response = client.post(SUBMIT, data)
    assert response.status_code == 302
    assert Initiative.objects.filter(name="Jardin des Capucins").count() == 1


@pytest.mark.parametrize(
    "url",
    ["/", "/initiatives/", "/carte/", "/carte/donnees.json", "/ateliers/"],
)
def test_read_pages_show_the_same_message_then_recover(client, geo, url):
    with database_unavailable():
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert UNAVAILABLE in response.content.decode()
    assert "Traceback" not in response.content.decode()
    # Back without a restart: the next request opens a fresh connection.
    assert client.get(url).status_code == 200


def test_outage_page_for_a_logged_in_user(client, geo, moderator):
    """The session and the user's groups live in the database: never read."""
    client.force_login(moderator)
    with database_unavailable():
        response = client.get(reverse("initiatives:moderation"))
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()


def test_login_form_is_not_echoed_back(client, geo):
    with database_unavailable():
        response = client.post(
            reverse("login"), {"username": "anne", "password": "secret-typed"}
        )
    assert response.status_code == 503
    assert "secret-typed" not in response.content.decode()


def test_healthz_reports_each_component(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_reports_the_database_down(client):
    with database_unavailable():
        response = client.get("/healthz")
    assert response.status_code == 503
    # The test cache is the database cache: down with it.
    assert response.json() == {
        "status": "error",
        "database": "unreachable",
        "cache": "unreachable",
    }
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_a_cache_down(client):
    unreachable_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    with override_settings(CACHES=unreachable_redis):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "unreachable"


def _crash(request):
    raise RuntimeError("bug")


urlpatterns = [path("crash/", _crash)]
handler500 = "observatoire.views.error_500"


@override_settings(ROOT_URLCONF=__name__)
def test_500_page_renders_with_the_database_gone(client, moderator):
    client.force_login(moderator)
    client.raise_request_exception = False
    with database_unavailable():
        response = client.get("/crash/")
    assert response.status_code == 500
    assert "Une erreur inattendue s'est produite" in response.content.decode()


@pytest.mark.skipif(
    connections["default"].vendor != "postgresql",
    reason="arrêt du serveur simulé sur PostgreSQL seulement",
)
def test_live_connection_lost_then_server_back(client, transactional_db):
    """The server drops every connection (a restart), then refuses new ones
    for a while, then comes back: no restart of the app at any point."""
    from django.db import connection

    assert client.get("/healthz").status_code == 200
    port = connection.settings_dict["PORT"]
    # What a PostgreSQL restart does to the app's open connection.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    except DatabaseError:
        pass  # the connection dies under our feet
    # Persistent connections are health-checked at the start of each request
    # (request_started, which the test client leaves out): the next request
    # reconnects instead of failing.
    close_old_connections()
    assert client.get("/initiatives/").status_code == 200
    # Refused while "down".
    connection.close()
    connection.settings_dict["PORT"] = str(closed_port())
    try:
        down = client.get("/initiatives/")
        health = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert down.status_code == 503
    assert health.status_code == 503
    # Back: the next requests are served, nothing restarted.
    assert client.get("/healthz").status_code == 200
    assert client.get("/initiatives/").status_code == 200


def test_outage_met_before_any_view_gives_the_same_page(client, geo, settings):
    """The page cache reads the (database) cache before the view: the error
    comes from a middleware and reaches handler500, which answers 503 too."""
    settings.PAGE_CACHE_SECONDS = 600
    client.raise_request_exception = False
    with database_unavailable():
        response = client.get("/initiatives/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert UNAVAILABLE in response.content.decode()
    assert client.get("/initiatives/").status_code == 200
