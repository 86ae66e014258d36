"""Submission form and detail page in real Chromium: the map picker fills the
coordinates, the detail map shows, both pages pass axe-core."""

import threading
from http.server import ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group

from initiatives import forms
from initiatives.models import Category, Initiative
from observatoire import roles
from tests.browser.conftest import assert_accessible
from tests.initiatives.test_geocoding import FakeAddressAPI

pytestmark = pytest.mark.browser


@pytest.fixture
def category(transactional_db):
    # transactional_db flushes the rows the data migration seeded.
    category, _ = Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé", "icon": "J"}
    )
    return category


def test_map_click_fills_coordinates_and_submission_succeeds(
    browser_page, geo, category, monkeypatch, axe
):
    monkeypatch.setattr(forms, "MIN_FILL_SECONDS", 0)
    page = browser_page
    page.goto("/initiatives/proposer/")
    assert_accessible(axe, page)
    page.locator("summary", has_text="Placer sur la carte").click()
    page.wait_for_selector("#point-picker-map.leaflet-container")
    assert page.input_value("#id_latitude") == ""
    page.click("#point-picker-map", position={"x": 200, "y": 150})
    latitude = page.input_value("#id_latitude")
    longitude = page.input_value("#id_longitude")
    assert latitude and longitude
    assert -90 <= float(latitude) <= 90
    page.fill("#id_name", "Jardin cliqué")
    page.fill("#id_summary", "Placé d'un clic sur la carte.")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_commune", "Brest (29)")
    page.fill("#id_submitter_email", "clic@example.org")
    page.check("#id_consent")
    page.click("button[type=submit]:has-text('Envoyer la proposition')")
    page.wait_for_selector("h1:has-text('Merci')")
    initiative = Initiative.objects.get()
    assert initiative.latitude == pytest.approx(float(latitude))
    assert initiative.longitude == pytest.approx(float(longitude))
    # Tiles are refused by the test's network guard; nothing else may fail.
    errors = [e for e in page.console_errors if "Failed to load resource" not in e]
    assert errors == []


def test_detail_page_shows_the_small_map(browser_page, geo, category, axe):
    initiative = Initiative.objects.create(
        name="Jardin visible",
        summary="Sur la carte.",
        category=category,
        commune=geo.brest,
        address="Place Guérin",
        latitude=48.39,
        longitude=-4.49,
        status=Initiative.Status.PUBLISHED,
    )
    page = browser_page
    page.goto(initiative.get_absolute_url())
    page.wait_for_selector("#detail-map.leaflet-container .leaflet-marker-icon")
    assert page.is_visible("text=Place Guérin")
    assert_accessible(axe, page)


def test_address_button_places_the_point(browser_page, geo, category, settings):
    FakeAddressAPI.behaviour = "ok"
    FakeAddressAPI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAddressAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.GEOCODER_URL = f"http://127.0.0.1:{server.server_port}/search/"
    settings.GEOCODER_TIMEOUT = 1
    try:
        page = browser_page
        page.goto("/initiatives/proposer/")
        page.fill("#id_commune", "Brest (29)")
        page.fill("#id_address", "Rue de Siam")
        page.click('button:has-text("Placer depuis l\'adresse")')
        page.wait_for_selector("text=Adresse trouvée : Rue de Siam 29200 Brest")
        # The point is placed: the folded map opens to show it.
        assert page.is_visible("#point-picker-map")
        assert page.input_value("#id_latitude") == "48.390400"
        assert page.input_value("#id_longitude") == "-4.486100"
    finally:
        server.shutdown()
        server.server_close()


def _log_in(page, live_server, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies(
        [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
    )


def test_moderation_pages_are_accessible(
    browser_page, live_server, geo, category, make_user, axe
):
    # transactional_db also flushed the groups the data migration created.
    Group.objects.get_or_create(name=roles.MODERATION)
    moderator = make_user("moderator")
    pending = Initiative.objects.create(
        name="À modérer",
        summary="En attente.",
        category=category,
        commune=geo.brest,
    )
    Initiative.objects.create(
        name="À modérer aussi",
        summary="Doublon probable.",
        category=category,
        commune=geo.brest,
        status=Initiative.Status.PUBLISHED,
    )
    page = browser_page
    _log_in(page, live_server, moderator)
    page.goto("/moderation/")
    assert page.is_visible("text=Doublons probables")
    assert_accessible(axe, page)
    page.click("text=À modérer >> nth=0")
    page.wait_for_selector("h1:has-text('Modérer une initiative')")
    assert_accessible(axe, page)
    page.fill("#id_reason", "Hors territoire")
    page.click("button:has-text('Refuser et prévenir la personne')")
    page.wait_for_selector("text=est refusée")
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.REJECTED


def test_form_errors_work_without_javascript(chromium, live_server, geo):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/initiatives/proposer/")
        assert not page.is_visible("#point-picker-map")
        page.click("button:has-text('Envoyer la proposition')")
        page.wait_for_selector(".error-summary")
        assert page.is_visible("text=Cochez cette case pour envoyer la proposition")
    finally:
        context.close()


def test_form_errors_are_accessible(browser_page, geo, axe):
    page = browser_page
    page.goto("/initiatives/proposer/")
    page.click("button:has-text('Envoyer la proposition')")
    page.wait_for_selector(".error-summary")
    assert_accessible(axe, page)
