"""A workshop at the item cap (issue 10 item 11): every page of it answers with
a number of queries that does not depend on its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ateliers import parsing
from ateliers.models import Item, Workshop


@pytest.fixture
def facilitator_client(client_for):
    return client_for("facilitator")


def at_cap_text(size: int) -> str:
    """Two parts of themes with items and sub-items: `size` objects in all."""
    lines = ["Atelier au maximum", "Enjeux"]
    count = 2  # the two parts
    theme = 0
    while count < size:
        theme += 1
        lines.append(f"{theme}. Thème {theme}")
        count += 1
        for n in range(min(8, size - count)):
            lines.append(f"  - enjeu {theme}.{n} assez long pour peser un peu")
            count += 1
    lines.append("Points de vigilance")
    return "\n".join(lines) + "\n"


def pages(workshop):
    return [
        workshop.get_absolute_url(),
        reverse("ateliers:print", args=[workshop.slug]),
        reverse("ateliers:markdown", args=[workshop.slug]),
        reverse("ateliers:edit", args=[workshop.slug]),
        reverse("ateliers:list"),
        reverse("ateliers:enjeux"),
        reverse("ateliers:vigilance"),
        reverse("ateliers:a_enqueter"),
        reverse("ateliers:opportunites"),
    ]


def test_pages_of_a_workshop_at_the_cap_keep_their_query_count(
    facilitator_client, make_workshop
):
    """Guards the N+1 on items, sub-items and tags on every page of a workshop,
    measured on a small workshop and on one at MAX_ITEMS."""
    small = make_workshop(at_cap_text(20))
    Workshop.objects.filter(pk=small.pk).update(slug="petit")
    small.refresh_from_db()
    big = make_workshop(at_cap_text(parsing.MAX_ITEMS))
    assert parsing.parse(at_cap_text(parsing.MAX_ITEMS)).item_count == (
        parsing.MAX_ITEMS
    )
    for item in Item.objects.filter(section__workshop=big)[:50]:
        item.tags.set(["eau"])
    for small_url, big_url in zip(pages(small), pages(big), strict=True):
        with CaptureQueriesContext(connection) as small_queries:
            assert facilitator_client.get(small_url).status_code == 200
        with CaptureQueriesContext(connection) as big_queries:
            response = facilitator_client.get(big_url)
        assert response.status_code == 200
        assert len(big_queries) <= len(small_queries) + 2, big_url


def test_adding_past_the_cap_is_refused_with_a_clear_message(
    facilitator_client, make_workshop
):
    workshop = make_workshop(at_cap_text(parsing.MAX_ITEMS))
    section = workshop.sections.first()
    response = facilitator_client.post(
        reverse(
            "ateliers:child_add", args=[workshop.slug, "section", section.pk, "item"]
        ),
        {f"new-item-section-{section.pk}-text": "un de trop"},
        follow=True,
    )
    assert "compte déjà 1000 parties, thèmes et éléments" in response.content.decode()
    assert not Item.objects.filter(text="un de trop").exists()
    response = facilitator_client.post(
        reverse("ateliers:section_add", args=[workshop.slug]),
        {"new-kind": "idees", "new-heading": "", "new-text": ""},
        follow=True,
    )
    assert "compte déjà 1000" in response.content.decode()
    assert workshop.sections.count() == 2


@pytest.mark.parametrize("size", [parsing.MAX_ITEMS])
def test_the_edit_page_at_the_cap_stays_light(facilitator_client, make_workshop, size):
    """The 18-choice type list and the move list are not repeated per object."""
    workshop = make_workshop(at_cap_text(size))
    html = facilitator_client.get(
        reverse("ateliers:edit", args=[workshop.slug])
    ).content.decode()
    assert html.count("<select") <= 2  # the event list of the information form
    assert html.count("<option") < 50
    assert len(html) < 3_000_000
