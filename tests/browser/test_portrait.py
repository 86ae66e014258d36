"""Territory portrait and comparison in a real browser: axe finds no WCAG
violation, the portrait works with JavaScript off and fits a phone."""

import pytest

from initiatives.models import Category, Family, Initiative
from observatoire.models import Territory
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portrait_data(geo):
    # Transactional tests flush what migrations seeded: made again here.
    france = Territory.objects.create(
        kind="france",
        code="france",
        slug="france",
        name="France",
        population=68_000_000,
    )
    Territory.objects.filter(kind="region").update(parent=france)
    geo.finistere.population = 900_000
    geo.finistere.save()
    garden, _ = Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé"}
    )
    libre, _ = Family.objects.get_or_create(slug="libre", defaults={"name": "Libre"})
    for number, commune in enumerate([geo.brest, geo.brest, geo.quimper, geo.lyon]):
        initiative = Initiative.objects.create(
            name=f"Initiative {number}",
            summary="Une initiative.",
            category=garden,
            commune=commune,
            status=Initiative.Status.PUBLISHED,
            economic_model="free",
            creation_year=2010 + number,
        )
        initiative.families.set([libre])
        initiative.tags.add("compost")
    return geo


@pytest.mark.parametrize(
    "path",
    [
        "/territoires/finistere-29/",
        "/territoires/france/",
        "/territoires/comparer/?t=finistere-29&t=lyon-69123",
        "/territoires/comparer/?t=finistere-29",
    ],
)
def test_portrait_and_compare_have_no_wcag_violation(
    browser_page, axe, portrait_data, path
):
    browser_page.goto(path)
    assert_accessible(axe, browser_page)
    assert browser_page.locator("h1").count() == 1


def test_portrait_works_without_javascript(chromium, live_server, portrait_data):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/territoires/finistere-29/")
        assert page.locator("svg[role=img] title").count() >= 4
        # Sorting the communes is a link, not a script.
        page.get_by_role("link", name="Initiatives publiées").last.click()
        page.get_by_role("link", name="Initiatives publiées").last.click()
        rows = page.locator("#communes ~ div tbody th").all_inner_texts()
        assert rows == ["Brest", "Quimper"]
        # The chooser of the comparison is a plain form.
        page.goto("/territoires/comparer/")
        page.fill("#id_t1", "Finistère")
        page.fill("#id_t2", "Lyon (69)")
        page.get_by_role("button", name="Comparer").click()
        assert page.locator("h2#chiffres").is_visible()
        assert "Lyon" in page.locator("table").first.inner_text()
    finally:
        context.close()


def test_portrait_fits_a_phone(browser_page, portrait_data):
    browser_page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto("/territoires/finistere-29/")
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 360
