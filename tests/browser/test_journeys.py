"""Each role's path as a person walks it in Chromium, on a phone (360 px) and
on a laptop: what they see, not only the status codes."""

import re

import pytest
from django.contrib.auth import get_user_model

from referentiel.services import referentiel_load
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_on_a_phone_the_main_action_and_the_map_come_first(browser_page, geo):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/")
    propose = page.get_by_role("link", name="Proposer une initiative").first
    assert propose.bounding_box()["y"] + propose.bounding_box()["height"] <= 740
    page.goto("/carte/")
    # The filters fold to one line: the map starts on the first screen.
    assert not page.locator("details.filters-fold").evaluate("d => d.open")
    assert page.locator("#map-block").bounding_box()["y"] < 740
    page.locator("details.filters-fold > summary").click()
    assert page.locator("#id_q").is_visible()
    assert_accessible(axe_for(page), page)


def axe_for(page):
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_on_a_laptop_the_filters_stay_open(browser_page, geo):
    browser_page.goto("/initiatives/")
    assert browser_page.locator("#id_q").is_visible()


def test_the_public_form_is_short_on_a_phone_with_large_targets(browser_page, geo):
    from initiatives.models import Family

    # transactional_db flushes the rows the data migration seeded.
    Family.objects.get_or_create(slug="durable", defaults={"name": "Durable"})
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/initiatives/proposer/")
    assert page.title() == "Proposer une initiative — " + page.title().split(" — ")[1]
    assert not page.locator("#id_latitude").is_visible()
    assert not page.locator("input[name=families]").first.is_visible()
    page.locator("summary", has_text="Comment elle fonctionne").click()
    label = page.locator("input[name=families]").first.locator("xpath=..")
    assert label.bounding_box()["height"] >= 44
    page.get_by_text("Placer sur la carte (facultatif)").click()
    assert page.locator("#id_latitude").is_visible()
    # With JavaScript the map is there, and its hint with it.
    assert page.get_by_text("Cliquez sur la carte pour placer").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert_accessible(axe_for(page), page)


def test_without_javascript_the_coordinates_are_typed_and_no_map_is_promised(
    chromium, live_server, geo
):
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/initiatives/proposer/")
    page.get_by_text("Placer sur la carte (facultatif)").click()
    assert page.locator("#id_latitude").is_visible()
    assert not page.get_by_text("Cliquez sur la carte pour placer").is_visible()
    context.close()


def test_a_picked_suggestion_names_the_region_not_a_homonym(browser_page, geo):
    from observatoire.models import Territory

    Territory.objects.create(
        kind="commune",
        code="90017",
        name="Bretagne",
        slug="bretagne-90017",
        parent=Territory.objects.create(
            kind="departement", code="90", name="Territoire de Belfort", slug="tdb-90"
        ),
        population=200,
    )
    page = browser_page
    page.goto("/initiatives/")
    field = page.locator("#id_lieu")
    field.press_sequentially("Bretag", delay=30)
    page.wait_for_function(
        "() => document.querySelectorAll('datalist option').length >= 2"
    )
    field.fill("Bretagne")  # what choosing the datalist option does
    field.press("Enter")
    page.wait_for_url(re.compile(r"territoire=bretagne-53"))
    assert "Bretagne" in page.locator(".current-territory").inner_text()


def test_without_javascript_an_ambiguous_name_offers_the_candidates(
    chromium, live_server, geo
):
    from observatoire.models import Territory

    Territory.objects.create(
        kind="departement", code="53", name="Mayenne", slug="mayenne-53"
    )
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/initiatives/")
    page.locator("#id_lieu").fill("53")
    page.locator("#id_lieu").press("Enter")
    page.get_by_label(re.compile("Mayenne")).check()
    page.get_by_role(
        "button", name=re.compile("Filtrer|Appliquer|Afficher")
    ).first.click()
    page.wait_for_url(re.compile(r"territoire=mayenne-53"))
    context.close()


@pytest.mark.parametrize(
    ("group", "landing"),
    [("Modération", "/moderation/"), ("Agents", "/tableau-de-bord/")],
)
def test_each_role_lands_on_its_work_after_logging_in(browser_page, db, group, landing):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("personne", password="m0t-de-passe!")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    page = browser_page
    page.goto("/compte/connexion/")
    assert page.title().startswith("Connexion — ")
    page.get_by_label("Nom d’utilisateur").or_(
        page.get_by_label("Nom d'utilisateur")
    ).fill("personne")
    page.get_by_label("Mot de passe").fill("m0t-de-passe!")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("connecter", re.I)).click()
    assert landing in page.url


def test_the_radar_reads_on_a_phone_and_the_link_copies(browser_page, db):
    from referentiel.models import Entry
    from referentiel.services import assessment_save

    referential = referentiel_load().referential
    assessment = assessment_save(
        referential=referential,
        levels={entry.pk: 3 for entry in Entry.objects.competencies()},
        subject="person",
        label="",
        territory=None,
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(assessment.get_absolute_url())
    heights = page.locator(".ref-radar-label").evaluate_all(
        "labels => labels.map(l => l.getBoundingClientRect().height)"
    )
    assert min(heights) >= 12  # about 5 px before
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert re.fullmatch(r"[A-Za-z0-9]{32}", assessment.token)
    page.get_by_role("button", name="Copier le lien").click()
    assert page.get_by_text("Lien copié.").is_visible()
    assert_accessible(axe_for(page), page)
