"""Real headless Chromium (Debian's) driven by Playwright against live_server.

Browser tests are skipped, with the reason, when Chromium is not installed;
`make test` installs it first (see the Makefile's browser-deps).
"""

import os
import shutil

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by test set-up are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium absent : installez le paquet Debian chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh page (360 px wide phone unless resized) with live_server's URL.

    Requests leaving 127.0.0.1 (map tiles) are answered 404 at once: the site
    must work without the network.
    """
    context = chromium.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 1280, "height": 900},
    )
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.fulfill(status=404, body=""),
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            message.type == "error" and page.console_errors.append(message.text)
        ),
    )
    yield page
    context.close()


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def assert_accessible(axe, page):
    """No axe-core violation of WCAG 2.1 A/AA rules on the current page."""
    results = axe.run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations = results.response["violations"]
    assert not violations, results.generate_report()
