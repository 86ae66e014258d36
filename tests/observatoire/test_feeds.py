"""Atom feeds of newly published initiatives and workshops (observatoire.feeds):
site-wide, per territory (places inside included), per tag, advertised on the
matching pages."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Initiative

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "category": entry.find(f"{ATOM}category").get("term"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def titles(client, url) -> list[str]:
    return [entry["title"] for entry in entries(client, url)]


def published(days_ago: int):
    return timezone.now() - dt.timedelta(days=days_ago)


def test_site_feed_lists_published_initiatives_and_workshops_newest_first(
    client, make_initiative, make_workshop
):
    make_initiative(name="Ancienne", published_at=published(10))
    make_initiative(name="Récente", published_at=published(1))
    make_initiative(name="En attente", status=Initiative.Status.PENDING)
    make_initiative(name="Refusée", status=Initiative.Status.REJECTED)
    make_workshop("Atelier publié\n\nEnjeux\n- Un enjeu\n")
    make_workshop("Atelier brouillon\n\nEnjeux\n- Un enjeu\n", published=False)
    found = entries(client, reverse("feed"))
    assert [entry["title"] for entry in found] == [
        "Atelier publié",
        "Récente",
        "Ancienne",
    ]
    assert found[1]["link"] == "http://testserver/initiatives/recente/"
    assert found[1]["category"] == "Initiative"
    assert found[0]["category"] == "Atelier"


def test_feed_text_is_escaped(client, make_initiative):
    make_initiative(
        name="<script>alert(1)</script>",
        summary="<img src=x onerror=alert(1)> & co",
        published_at=published(1),
    )
    body = client.get(reverse("feed")).content.decode()
    assert "<script>" not in body
    assert "<img" not in body
    entry = entries(client, reverse("feed"))[0]
    assert entry["title"] == "<script>alert(1)</script>"  # text, not markup
    # The summary is HTML for readers: the user's text arrives escaped in it.
    assert entry["summary"] == "&lt;img src=x onerror=alert(1)&gt; &amp; co"


def test_territory_feed_includes_the_places_inside(
    client, geo, make_initiative, make_workshop
):
    make_initiative(name="À Brest", commune=geo.brest, published_at=published(3))
    make_initiative(name="À Quimper", commune=geo.quimper, published_at=published(2))
    make_initiative(name="À Lyon", commune=geo.lyon, published_at=published(1))
    make_initiative(
        name="Pas encore", commune=geo.brest, status=Initiative.Status.PENDING
    )
    make_workshop("Atelier brestois\n\nEnjeux\n- Un enjeu\n", territory=geo.brest)
    feed = reverse("territory_feed", args=[geo.bretagne.slug])
    assert titles(client, feed) == ["Atelier brestois", "À Quimper", "À Brest"]
    metropole = reverse("territory_feed", args=[geo.metropole.slug])
    assert titles(client, metropole) == ["Atelier brestois", "À Brest"]
    rhone = reverse("territory_feed", args=[geo.rhone.slug])
    assert titles(client, rhone) == ["À Lyon"]


def test_tag_feed_lists_what_carries_the_tag(client, make_initiative, make_workshop):
    make_initiative(name="Compost", tags=["zéro déchet"], published_at=published(2))
    make_initiative(name="Vélo", tags=["mobilité"], published_at=published(1))
    make_initiative(
        name="Caché", tags=["zéro déchet"], status=Initiative.Status.PENDING
    )
    make_workshop("Atelier déchets\n\nEnjeux\n- Un enjeu\n", tags=["zéro déchet"])
    feed = reverse("tag_feed", args=["zero-dechet"])
    assert titles(client, feed) == ["Atelier déchets", "Compost"]


@pytest.mark.parametrize("name", ["territory_feed", "tag_feed"])
def test_unknown_slug_is_a_404(client, db, name):
    assert client.get(reverse(name, args=["nulle-part"])).status_code == 404


def test_feeds_are_advertised_on_the_matching_pages(client, geo, make_initiative):
    make_initiative(name="Compost", tags=["zéro déchet"])
    alternate = 'rel="alternate" type="application/atom+xml" href="{}"'
    for page in ("home", "initiatives:list", "ateliers:list"):
        body = client.get(reverse(page)).content.decode()
        assert alternate.format(reverse("feed")) in body, page
    body = client.get(geo.finistere.get_absolute_url()).content.decode()
    assert (
        alternate.format(reverse("territory_feed", args=[geo.finistere.slug])) in body
    )
    body = client.get(reverse("tag_detail", args=["zero-dechet"])).content.decode()
    assert alternate.format(reverse("tag_feed", args=["zero-dechet"])) in body


@pytest.mark.parametrize("size", [3, 60])
def test_feed_query_count_does_not_grow(
    client, make_initiative, make_workshop, django_assert_num_queries, size
):
    """Guards a query per entry (the workshop's territory and event in its
    summary): one query per source."""
    for number in range(size):
        make_initiative(name=f"Fiche {number}", published_at=published(number))
    make_workshop("Atelier\n\nEnjeux\n- Un enjeu\n")
    with django_assert_num_queries(2):
        client.get(reverse("feed"))
