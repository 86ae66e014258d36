"""The référentiel in real Chromium: accessibility of its pages, the
self-assessment filled in like a visitor would, the chart and printing."""

import pytest

from referentiel.models import Assessment
from referentiel.services import referentiel_load
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(db):
    return referentiel_load().referential


@pytest.mark.parametrize(
    "path",
    [
        "/referentiel/",
        "/referentiel/texte-integral/",
        "/referentiel/partie/competences/",
        "/referentiel/partie/competences/attitudes/",
        "/referentiel/fiche/animer-le-collectif/",
        "/referentiel/autodiagnostic/",
    ],
)
def test_referential_pages_have_no_wcag_violation(browser_page, axe, loaded, path):
    browser_page.goto(path)
    assert browser_page.locator("h1").count() == 1
    assert_accessible(axe, browser_page)


def fill_assessment(page, level_label_by_domain):
    for domain, label in level_label_by_domain.items():
        section = page.locator(f"section[aria-labelledby='domaine-{domain}']")
        groups = section.locator("fieldset")
        for index in range(groups.count()):
            groups.nth(index).get_by_label(label, exact=True).check()


def test_visitor_fills_in_the_assessment_and_gets_an_accessible_chart(
    browser_page, axe, loaded
):
    page = browser_page
    page.goto("/referentiel/autodiagnostic/")
    page.get_by_label("Pour un groupe ou une initiative").check()
    page.get_by_label("Intitulé (facultatif)").fill("Collectif du quartier")
    fill_assessment(
        page,
        {
            "attitudes": "Maîtrisé et transmis",
            "competences-sociales": "Pratiqué",
            "ecosysteme-de-cooperation": "En découverte",
            "regles-et-gouvernance": "Pas encore",
        },
    )
    page.get_by_role("button", name="Voir mon résultat").click()
    page.wait_for_url("**/autodiagnostic/*/")
    assessment = Assessment.objects.get()
    assert page.url.endswith(assessment.get_absolute_url())
    chart = page.get_by_role("img", name="Profil de coopération par domaine")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    assert page.locator(".ref-radar-profile").count() == 1
    assert (
        "Règles et gouvernance" in page.locator("#remedies-title + p + h3").inner_text()
    )
    # JavaScript reveals the print button; without it the browser menu prints.
    assert page.get_by_role("button", name="Imprimer").is_visible()
    assert_accessible(axe, page)
    assert not page.console_errors


def test_incomplete_assessment_shows_the_errors_and_keeps_answers(browser_page, loaded):
    page = browser_page
    page.goto("/referentiel/autodiagnostic/")
    fill_assessment(page, {"attitudes": "Pratiqué"})
    page.get_by_role("button", name="Voir mon résultat").click()
    summary = page.locator(".error-summary")
    assert "21 compétences" in summary.inner_text()
    first = page.locator("section[aria-labelledby='domaine-attitudes'] fieldset").first
    assert first.get_by_label("Pratiqué", exact=True).is_checked()
    assert not Assessment.objects.exists()


def test_printed_result_hides_navigation_and_tools(browser_page, loaded):
    page = browser_page
    page.goto("/referentiel/autodiagnostic/")
    fill_assessment(
        page,
        {
            d: "Pratiqué"
            for d in (
                "attitudes",
                "competences-sociales",
                "ecosysteme-de-cooperation",
                "regles-et-gouvernance",
            )
        },
    )
    page.get_by_role("button", name="Voir mon résultat").click()
    page.wait_for_url("**/autodiagnostic/*/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".ref-private").is_visible()
    assert page.get_by_role(
        "img", name="Profil de coopération par domaine"
    ).is_visible()


def test_assessment_form_fits_a_phone(browser_page, loaded):
    browser_page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto("/referentiel/autodiagnostic/")
    assert browser_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_assessment_works_without_javascript(chromium, live_server, loaded):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/referentiel/autodiagnostic/")
        fill_assessment(
            page,
            {
                d: "En découverte"
                for d in (
                    "attitudes",
                    "competences-sociales",
                    "ecosysteme-de-cooperation",
                    "regles-et-gouvernance",
                )
            },
        )
        page.get_by_role("button", name="Voir mon résultat").click()
        page.wait_for_url("**/autodiagnostic/*/")
        assert page.get_by_role(
            "img", name="Profil de coopération par domaine"
        ).is_visible()
        # The print button needs JavaScript: without it, it stays hidden.
        assert not page.get_by_role("button", name="Imprimer").is_visible()
    finally:
        context.close()


def log_in(page, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_facilitator_reorders_and_edits_entries(
    browser_page, axe, live_server, loaded, make_user
):
    from django.contrib.auth.models import Group

    from observatoire.roles import ANIMATION
    from referentiel.models import Entry

    # Transactional tests flush the tables, groups from migrations included.
    Group.objects.get_or_create(name=ANIMATION)
    page = browser_page
    log_in(page, live_server, make_user("facilitator"))
    page.goto("/referentiel/partie/competences/attitudes/")
    second = Entry.objects.filter(section__slug="attitudes")[1]
    with page.expect_navigation():
        page.get_by_role("button", name=f"Monter « {second.title} »").click()
    assert Entry.objects.filter(section__slug="attitudes").first() == second
    first_link = page.locator(".ref-entries .ref-entry-title").first
    assert first_link.inner_text() == second.title
    assert_accessible(axe, page)

    page.get_by_role("link", name=f"Modifier « {second.title} »").click()
    page.get_by_label("Titre").fill("")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(axe, page)
    page.get_by_label("Titre").fill("Fonctionner en réciprocité")
    page.get_by_label("Mots-clés").fill("réciprocité, confiance")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.locator("h1").inner_text() == "Fonctionner en réciprocité"
    assert page.get_by_role("link", name="réciprocité", exact=True).is_visible()


def test_agent_aggregates_page_is_accessible(
    browser_page, axe, live_server, loaded, make_user, geo
):
    from django.contrib.auth.models import Group

    from observatoire.roles import AGENTS
    from referentiel.models import Entry
    from referentiel.services import assessment_save

    Group.objects.get_or_create(name=AGENTS)
    levels = {entry.pk: 3 for entry in Entry.objects.competencies()}
    for _ in range(3):
        assessment_save(
            referential=loaded, levels=levels, subject="group", territory=geo.brest
        )
    page = browser_page
    log_in(page, live_server, make_user("agent"))
    page.goto("/referentiel/autodiagnostic/statistiques/")
    row = page.get_by_role("row", name="Brest (29)")
    assert "3,0" in row.inner_text()
    assert_accessible(axe, page)
