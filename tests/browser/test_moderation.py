"""Moderation in real Chromium: placing a record's point on the moderation map,
ready-made refusal reasons, comparing and merging duplicates; axe-core on the
queue, moderation and compare pages."""

import pytest
from django.contrib.auth.models import Group

from initiatives.models import Category, Initiative
from observatoire import roles
from tests.browser.conftest import assert_accessible
from tests.browser.test_initiatives_record import _log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def moderator(transactional_db, make_user):
    # transactional_db flushed the groups and vocabularies the migrations seeded.
    Group.objects.get_or_create(name=roles.MODERATION)
    return make_user("moderator")


@pytest.fixture
def category(transactional_db):
    category, _ = Category.objects.get_or_create(
        slug="repair-cafe", defaults={"name": "Repair café", "icon": "R"}
    )
    return category


def test_moderator_places_the_point_on_the_map_then_publishes(
    browser_page, live_server, geo, category, moderator, axe
):
    initiative = Initiative.objects.create(
        name="Sans position",
        summary="Personne n'a placé le point.",
        category=category,
        commune=geo.brest,
    )
    page = browser_page
    _log_in(page, live_server, moderator)
    page.goto("/moderation/")
    assert page.is_visible("text=Sans position")
    assert page.get_attribute("nav.main-nav a[href='/moderation/']", "aria-current")
    assert_accessible(axe, page)
    page.click("a:has-text('Sans position')")
    page.wait_for_selector("h2:has-text('Pas de position sur la carte')")
    page.wait_for_selector("#point-picker-map.leaflet-container")
    assert page.input_value("#id_latitude") == ""
    page.click("#point-picker-map", position={"x": 200, "y": 150})
    latitude = float(page.input_value("#id_latitude"))
    longitude = float(page.input_value("#id_longitude"))
    # The map opened on the commune (Brest: 48.4, -4.5), at street scale.
    assert abs(latitude - 48.4) < 0.1 and abs(longitude + 4.5) < 0.1
    assert_accessible(axe, page)
    page.click("button:has-text('Publier')")
    page.wait_for_selector("text=est publiée")
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.latitude == pytest.approx(latitude)
    assert not initiative.position_approximate
    errors = [e for e in page.console_errors if "Failed to load resource" not in e]
    assert errors == []


def test_ready_made_reason_fills_the_text_which_stays_editable(
    browser_page, live_server, geo, category, moderator
):
    initiative = Initiative.objects.create(
        name="Déjà là",
        summary="Une fiche publiée existe.",
        category=category,
        commune=geo.brest,
        submitter_email="anne@example.org",
    )
    page = browser_page
    _log_in(page, live_server, moderator)
    page.goto(f"/moderation/initiatives/{initiative.pk}/")
    page.select_option("#id_preset", "published")
    text = page.input_value("#id_reason")
    assert text.startswith("Cette initiative est déjà publiée")
    page.fill("#id_reason", text + " Voir « Repair café de Brest ».")
    page.click("button:has-text('Refuser et prévenir la personne')")
    page.wait_for_selector("text=est refusée")
    event = initiative.events.get(action="rejected")
    assert event.reason.endswith("Voir « Repair café de Brest ».")


def test_compare_side_by_side_then_merge(
    browser_page, live_server, geo, category, moderator, axe
):
    kept = Initiative.objects.create(
        name="Repair Café de Brest",
        summary="Réparer ensemble.",
        category=category,
        commune=geo.brest,
        status=Initiative.Status.PUBLISHED,
    )
    dropped = Initiative.objects.create(
        name="repair cafe de brest",
        summary="Le samedi.",
        website="https://repair.example.org",
        category=category,
        commune=geo.brest,
    )
    dropped.tags.add("réparation")
    page = browser_page
    _log_in(page, live_server, moderator)
    page.goto("/moderation/")
    page.click(f"a[href='/moderation/initiatives/{dropped.pk}/comparer/{kept.pk}/']")
    page.wait_for_selector("h1:has-text('Doublons probables')")
    row = page.locator("tr.differs", has_text="Site web")
    assert "https://repair.example.org" in row.inner_text()
    assert_accessible(axe, page)
    # The published record is offered as the one to keep.
    assert page.is_checked(f"#keep-{kept.pk}")
    page.click("button:has-text('Fusionner')")
    page.wait_for_selector("text=est fusionnée dans")
    assert page.is_visible("td:has-text('Fusionnée')")
    dropped.refresh_from_db()
    kept.refresh_from_db()
    assert dropped.status == Initiative.Status.ARCHIVED
    assert kept.website == "https://repair.example.org"
    assert list(kept.tags.names()) == ["réparation"]


def test_proposal_pages_are_accessible(
    browser_page, live_server, geo, category, moderator, axe
):
    from initiatives import services

    initiative = Initiative.objects.create(
        name="Jardin à corriger",
        summary="Adresse changée.",
        category=category,
        commune=geo.brest,
        status=Initiative.Status.PUBLISHED,
    )
    page = browser_page
    page.goto(f"/initiatives/{initiative.slug}/signaler/")
    assert page.is_visible("#id_image")
    assert_accessible(axe, page)
    proposal = services.proposal_submit(
        initiative=initiative,
        changes={"commune": geo.quimper.pk, "latitude": 47.99, "longitude": -4.1},
        message="Déménagé",
        contact_email="",
    )
    _log_in(page, live_server, moderator)
    page.goto(f"/moderation/modifications/{proposal.pk}/")
    row = page.locator("tr", has_text="Commune")
    assert "Brest (29)" in row.inner_text()
    assert page.input_value("#id_commune") == "Quimper (29)"
    assert_accessible(axe, page)
