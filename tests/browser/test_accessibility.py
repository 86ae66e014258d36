"""axe-core (bundled by axe-playwright-python) on every kind of page, on a
desktop and on a 360 px phone."""

import pytest

from tests.browser.conftest import assert_accessible

PAGES = [
    "/",
    "/a-propos/",
    "/mentions-legales/",
    "/accessibilite/",
    "/compte/connexion/",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", PAGES)
def test_foundation_pages_have_no_wcag_violation(browser_page, axe, path):
    browser_page.goto(path)
    assert_accessible(axe, browser_page)
    assert browser_page.locator("h1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_phone_width_has_no_horizontal_scroll(browser_page):
    browser_page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto("/")
    scroll_width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360


@pytest.mark.django_db(transaction=True)
def test_skip_link_moves_focus_to_the_content(browser_page):
    browser_page.goto("/")
    browser_page.keyboard.press("Tab")
    focused = browser_page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("document.activeElement.id") == "contenu"
