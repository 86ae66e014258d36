"""The search results page in real Chromium: WCAG checks, on a desktop and on
a 360 px phone, with highlighted matches in every kind of part."""

import pytest

from initiatives.models import Category, Initiative
from tests.ateliers.conftest import make_workshop  # noqa: F401 (a fixture)
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def results(geo, make_workshop):  # noqa: F811
    # Transactional tests flush the vocabularies the data migration made.
    category, _ = Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé"}
    )
    for number in range(7):
        initiative = Initiative.objects.create(
            name=f"Jardin partagé de Brest {number}",
            summary="Un jardin <em>ouvert</em> à tous, au cœur du quartier.",
            category=category,
            commune=geo.brest,
            status=Initiative.Status.PUBLISHED,
        )
        initiative.tags.add("jardinage")
    make_workshop(
        "Atelier jardins\n\nPoints de vigilance\n- L'eau des jardins\n",
        territory=geo.brest,
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_search_results_have_no_wcag_violation(browser_page, axe, results, width):
    browser_page.set_viewport_size({"width": width, "height": 900})
    browser_page.goto("/recherche/?q=jardins")
    assert browser_page.locator("mark").count() > 5
    assert browser_page.locator("h1").count() == 1
    assert_accessible(axe, browser_page)
    scroll_width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width


def test_one_part_paginated_has_no_wcag_violation(browser_page, axe, results):
    browser_page.goto("/recherche/?q=jardin&partie=initiatives")
    assert_accessible(axe, browser_page)


def test_the_header_box_searches_from_any_page(browser_page, results):
    browser_page.goto("/a-propos/")
    browser_page.get_by_role("searchbox", name="Rechercher sur le site").fill("jardin")
    browser_page.keyboard.press("Enter")
    browser_page.wait_for_url("**/recherche/?q=jardin")
    assert browser_page.locator("h1").inner_text() == "Recherche « jardin »"
