"""Issue 10, item 19: the site speaks French only, so a browser asking for
English must not get English dates and numbers amid French text."""

import datetime

import pytest
from django.core.cache import cache

from ateliers import parsing, services

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()


def test_numbers_are_french_for_an_english_browser(client, geo):
    geo.finistere.population = 3_449_370
    geo.finistere.save()
    response = client.get(geo.finistere.get_absolute_url(), **ENGLISH)
    content = response.content.decode()
    # Django's French thousands separator is the non-breaking space.
    assert "3\xa0449\xa0370" in content
    assert "3,449,370" not in content
    assert response["Content-Language"] == "fr"
    # Screen readers pronounce the page by this attribute: it said "en".
    assert '<html lang="fr">' in content


def test_dates_are_french_for_an_english_browser(client):
    workshop = services.workshop_create_from_parsed(
        parsed=parsing.parse("Atelier d'été\n\nEnjeux\n- Un enjeu\n"),
        starts_on=datetime.date(2016, 7, 12),
    )
    workshop.publish()
    content = client.get("/ateliers/", **ENGLISH).content.decode()
    assert "juillet 2016" in content
    assert "July 2016" not in content
