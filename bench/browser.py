"""The map page in headless Chromium (Debian's, driven by Playwright): time
from navigation to the first clusters drawn (the per-square counts the map
shows while its cluster group takes every marker), then to the complete
cluster group, each time in a fresh browser
context (no HTTP cache, as a first visit). Tile requests get an empty 404 at
once: the benchmark never leaves 127.0.0.1."""

import os
import shutil
import statistics
import time

RUNS = 3
TIMEOUT_MS = 30_000


def time_clusters(url: str) -> dict:
    chromium = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or "/usr/bin/chromium"
    )
    if not os.path.exists(chromium):
        return {"absent": "Chromium absent (paquet Debian chromium)"}
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    timings, complete, markers = [], [], 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            for _ in range(RUNS):
                context = browser.new_context(
                    locale="fr-FR", viewport={"width": 1280, "height": 900}
                )
                context.route(
                    lambda target: not target.startswith(url.split("/carte/")[0]),
                    lambda route: route.fulfill(status=404, body=""),
                )
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_selector(".marker-cluster", timeout=TIMEOUT_MS)
                timings.append((time.perf_counter() - started) * 1000)
                page.wait_for_selector("#map-block[data-markers]", timeout=TIMEOUT_MS)
                complete.append((time.perf_counter() - started) * 1000)
                markers = int(page.get_attribute("#map-block", "data-markers"))
                context.close()
        finally:
            browser.close()
    return {
        "ms": timings,
        "median_ms": statistics.median(timings),
        # Every marker in the cluster group (popups on each point).
        "complete_ms": statistics.median(complete),
        "markers": markers,
    }
