"""The server-drawn choropleth in real Chromium: readable on a 360 px phone,
each shape a working link, no axe violation."""

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.urls("tests.browser.choropleth_urls")]


def test_maps_fit_a_phone_and_their_shapes_are_links(browser_page, axe, db):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/cartes/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    maps = page.locator("svg.choro-svg")
    assert maps.count() == 2
    for index in range(2):
        box = maps.nth(index).bounding_box()
        assert 250 <= box["width"] <= 360
    # The legend is text at the page's size, not shrunk with the drawing.
    size = page.locator(".choro-legend li").first.evaluate(
        "li => parseFloat(getComputedStyle(li).fontSize)"
    )
    assert size >= 14
    assert_accessible(axe, page)

    page.get_by_role("link", name="Finistère : ").first.click()
    page.wait_for_url("**/cartes/?choisi=29")

    page.goto("/cartes/")
    page.get_by_role("link", name="Brest : ").first.click()
    page.wait_for_url("**/cartes/?choisi=29019")
