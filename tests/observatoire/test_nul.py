"""NUL characters, which PostgreSQL cannot store or compare, are a 400 wherever
they arrive (issue 10, item 6). Run on both databases by the CI."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from initiatives.models import Initiative
from tests.initiatives.test_submission import URL as SUBMIT_URL
from tests.initiatives.test_submission import valid_data

GET_URLS = [
    "/ateliers/?tag=%00",
    "/ateliers/?territoire=%00",
    "/ateliers/?evenement=%00",
    "/ateliers/vigilance/?tag=%00",
    "/ateliers/opportunites/?territoire=%00",
    "/ateliers/enjeux/?evenement=%00",
    "/ateliers/a-enqueter/?tag=%00",
    "/initiatives/?tag=%00",
    "/initiatives/?territoire=%00",
    "/initiatives/?q=%00",
    "/carte/donnees.json?famille=%00",
    "/recherche/?q=%00",
    "/referentiel/autodiagnostic/%00/",
    "/referentiel/autodiagnostic/%00/modifier/",
    "/referentiel/autodiagnostic/%00/export.csv",
    "/referentiel/autodiagnostic/statistiques/?territoire=%00",
    "/tags/%00/",
    "/territoires/%00/",
]


@pytest.mark.parametrize("url", GET_URLS)
@pytest.mark.django_db
def test_nul_in_the_address_is_a_400(client_for, url):
    for role in ("citizen", "agent"):
        response = client_for(role).get(url)
        assert response.status_code == 400, (role, url)
        assert "Requête refusée" in response.content.decode()


def test_the_same_addresses_without_nul_are_served(client, geo):
    assert client.get("/ateliers/?tag=eau").status_code == 200
    assert client.get("/referentiel/autodiagnostic/inconnu/").status_code == 404


def urlencoded(client, url, data):
    return client.post(
        url,
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def test_nul_in_a_posted_form_is_a_400_and_nothing_is_saved(client, geo):
    response = urlencoded(client, SUBMIT_URL, valid_data(name="Jardin\x00"))
    assert response.status_code == 400
    assert "Requête refusée" in response.content.decode()
    assert not Initiative.objects.exists()


def test_nul_in_a_multipart_form_is_a_form_error(client, geo):
    """Multipart bodies reach the form, whose fields refuse NUL."""
    response = client.post(SUBMIT_URL, valid_data(name="Jardin\x00"))
    assert response.status_code == 400
    assert "Le caractère nul n’est pas autorisé." in response.content.decode()
    assert not Initiative.objects.exists()


def test_nul_in_a_login_form_is_a_400(client):
    response = urlencoded(client, reverse("login"), {"username": "a\x00"})
    assert response.status_code == 400
