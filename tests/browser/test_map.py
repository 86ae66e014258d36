"""The map in real Chromium: clustering, lazy popups, filters from the query
string, and the list standing in for the map without JavaScript."""

import pytest
from django.utils.text import slugify
from playwright.sync_api import expect

from initiatives.models import Category, Initiative
from observatoire.models import Territory
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(db):
    # Transactional tests flush the seeded vocabularies: make what we need.
    category, _ = Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé", "colour": "#2e6b30"}
    )
    region = Territory.objects.create(
        kind="region", code="53", name="Bretagne", slug="bretagne-53"
    )
    rhone = Territory.objects.create(
        kind="departement", code="69", name="Rhône", slug="rhone-69"
    )

    def commune(code, name, parent, lat, lon):
        return Territory.objects.create(
            kind="commune",
            code=code,
            name=name,
            slug=slugify(f"{name}-{code}"),
            parent=parent,
            latitude=lat,
            longitude=lon,
        )

    brest = commune("29019", "Brest", region, 48.39, -4.49)
    lyon = commune("69123", "Lyon", rhone, 45.76, 4.83)
    for number in range(30):
        Initiative.objects.create(
            name=f"Jardin brestois {number}",
            summary="Un jardin partagé.",
            category=category,
            commune=brest,
            status=Initiative.Status.PUBLISHED,
            latitude=48.39 + number * 0.001,
            longitude=-4.49 + number * 0.001,
        )
    lonely = Initiative.objects.create(
        name="Repair café lyonnais",
        summary="On répare ensemble.",
        category=category,
        commune=lyon,
        status=Initiative.Status.PUBLISHED,
        latitude=45.76,
        longitude=4.83,
    )
    return {"rhone": rhone, "lonely": lonely}


def wait_for_markers(page) -> int:
    page.wait_for_selector("#map-block[data-markers]", timeout=10_000)
    return int(page.get_attribute("#map-block", "data-markers"))


def test_map_clusters_markers_and_popup_links_to_the_detail(browser_page, places):
    browser_page.goto("/carte/")
    assert wait_for_markers(browser_page) == 31
    assert browser_page.is_visible("#map")
    # The 30 close Brest markers are shown as one cluster, even without tiles.
    cluster = browser_page.locator(".marker-cluster")
    cluster.first.wait_for()
    assert "30" in cluster.first.inner_text()
    legend = browser_page.locator("#map-legend li")
    assert legend.count() == 1 and "Jardin partagé" in legend.inner_text()

    browser_page.locator("path.leaflet-interactive").first.click()
    link = browser_page.locator(".leaflet-popup-content a")
    link.wait_for()
    assert link.inner_text() == "Repair café lyonnais"
    assert link.get_attribute("href") == places["lonely"].get_absolute_url()


def test_filters_in_the_query_string_apply_to_map_and_list(browser_page, places):
    browser_page.goto(f"/carte/?territoire={places['rhone'].slug}")
    assert wait_for_markers(browser_page) == 1
    items = browser_page.locator(".initiative-list li")
    assert items.count() == 1
    assert "Repair café lyonnais" in items.inner_text()
    # Wait for the list page itself, not only for its address.
    with browser_page.expect_navigation():
        browser_page.click("text=Liste")
    assert f"territoire={places['rhone'].slug}" in browser_page.url
    expect(browser_page.locator(".initiative-list li")).to_have_count(1)


def test_without_javascript_the_map_page_is_the_list(chromium, live_server, places):
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/carte/")
        assert not page.is_visible("#map-block")
        assert page.locator(".initiative-list li").count() == 20
        assert page.is_visible("text=31 initiatives trouvées")
        with page.expect_navigation():
            page.click("text=Page suivante")
        expect(page.locator(".initiative-list li")).to_have_count(11)
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", ["/initiatives/", "/carte/", "/carte/embed/", "/donnees-ouvertes/"]
)
def test_browsing_pages_have_no_wcag_violation(browser_page, axe, places, path):
    browser_page.goto(path)
    if path.startswith("/carte/"):
        wait_for_markers(browser_page)
    assert_accessible(axe, browser_page)
    assert browser_page.locator("h1").count() == 1


def test_thousands_of_markers_load_in_chunks(browser_page, places):
    from initiatives.generator import initiatives_generate_demo

    initiatives_generate_demo(count=4000, seed=7)
    browser_page.goto("/carte/")
    assert wait_for_markers(browser_page) == 4031
    status = browser_page.inner_text("#map-status").replace("\u202f", " ")
    assert "4 031 initiatives placées sur la carte" in status
    assert browser_page.locator(".marker-cluster").count() >= 1


def test_embedded_map_shows_the_filtered_markers(browser_page, places):
    browser_page.goto(f"/carte/embed/?territoire={places['rhone'].slug}")
    assert wait_for_markers(browser_page) == 1
    assert not browser_page.is_visible("#embed-list")
    assert browser_page.locator("h1").count() == 1


@pytest.mark.parametrize("path", ["/initiatives/", "/carte/", "/donnees-ouvertes/"])
def test_browsing_pages_fit_a_phone(browser_page, places, path):
    browser_page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto(path)
    if path == "/carte/":
        wait_for_markers(browser_page)
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 360
