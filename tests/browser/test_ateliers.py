"""Ateliers in real Chromium: the paste importer's live preview, the editor's
delete confirmation, the no-JS path, and WCAG checks of every page kind."""

import re

import pytest
from django.conf import settings
from django.test import Client

from ateliers.models import Item, Workshop
from ateliers.services import seeds_load
from tests.ateliers.conftest import seed_text
from tests.browser.conftest import CHROMIUM_ARGS, assert_accessible  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def facilitator(make_user):
    """Transactional tests flush the groups the data migration made: recreate."""
    from django.contrib.auth.models import Group

    from observatoire.roles import ANIMATION

    Group.objects.get_or_create(name=ANIMATION)
    return make_user("facilitator")


@pytest.fixture
def seeds(db):
    return [workshop for workshop, _ in seeds_load()]


def log_in(page, user, live_server):
    """Reuse a Django session: the login form is the foundation's, tested there."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/ateliers/",
        "/ateliers/points-de-vigilance/",
        "/ateliers/a-enqueter/",
        "/ateliers/territoire-cooperation-et-transitions-2016/",
        "/ateliers/domino-axe-1-de-l-individu-au-collectif/imprimer/",
    ],
)
def test_public_pages_have_no_wcag_violation(browser_page, axe, seeds, path):
    browser_page.goto(path)
    assert browser_page.locator("h1").count() == 1
    assert_accessible(axe, browser_page)
    assert browser_page.console_errors == []


def test_live_preview_shows_structure_while_typing(
    browser_page, axe, facilitator, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    page.goto("/ateliers/importer/")
    assert_accessible(axe, page)
    page.get_by_label("Texte de la synthèse").fill(seed_text("004"))
    preview = page.locator("#import-preview")
    preview.locator("text=Déclenchement/détection d'innovations").wait_for()
    assert preview.get_attribute("data-state") == "live"
    assert "Points de vigilance" in preview.inner_text()
    # Typed HTML stays text in the preview.
    page.get_by_label("Texte de la synthèse").fill("T\nEnjeux\n- <b>gras</b>\n")
    preview.locator("text=<b>gras</b>").wait_for()
    assert preview.locator("b").count() == 0
    assert not Workshop.objects.exists()  # previewing saves nothing
    page.get_by_role("button", name="Enregistrer en brouillon").click()
    page.wait_for_url("**/modifier/")
    assert Workshop.objects.get().status == Workshop.Status.DRAFT
    assert page.console_errors == []


def test_importer_works_without_javascript(chromium, live_server, facilitator, db):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, facilitator, live_server)
        page.goto("/ateliers/importer/")
        page.get_by_label("Texte de la synthèse").fill(seed_text("000"))
        # The preview is a round trip to the server: wait for its answer.
        with page.expect_navigation():
            page.get_by_role("button", name="Voir la structure reconnue").click()
        assert "Conservatisme" in page.locator("#import-preview").inner_text()
        page.get_by_role("button", name="Enregistrer en brouillon").click()
        page.wait_for_url("**/modifier/")
        assert Workshop.objects.count() == 1
    finally:
        context.close()


def test_editor_asks_before_deleting(
    browser_page, axe, facilitator, seeds, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    workshop = Workshop.objects.get(slug="atelier-2-emergence-session-2")
    item = Item.objects.get(section__workshop=workshop, text="CONCLUSION")
    page.goto(f"/ateliers/{workshop.slug}/modifier/?element={item.pk}#item-{item.pk}")
    assert_accessible(axe, page)
    row = page.locator(f"#item-{item.pk}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Supprimer").first.click()
    assert Item.objects.filter(pk=item.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Supprimer").first.click()
    page.wait_for_url(re.compile(r"/modifier/\?partie=\d+#structure$"))
    assert not Item.objects.filter(pk=item.pk).exists()
    assert page.console_errors == []


def test_too_long_paste_is_explained_before_sending(
    browser_page, facilitator, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    page.goto("/ateliers/importer/")
    page.get_by_label("Texte de la synthèse").fill("x" * 100_001)
    preview = page.locator("#import-preview")
    preview.locator("text=dépasse la limite de 100\u202f000 caractères").wait_for()
    page.get_by_role("button", name="Enregistrer en brouillon").click()
    assert page.url.endswith("/ateliers/importer/")
    assert not Workshop.objects.exists()


def test_compact_editor_folds_parts_and_opens_one_item_at_a_time(
    browser_page, axe, facilitator, seeds, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    workshop = Workshop.objects.get(slug="domino-axe-1-de-l-individu-au-collectif")
    page.goto(f"/ateliers/{workshop.slug}/modifier/")
    assert_accessible(axe, page)
    sections = page.locator("details.edit-section")
    assert sections.count() == workshop.sections.count()
    assert page.locator("details.edit-section[open]").count() == 0
    # The parts show their type as a label: one type list, for a new part.
    assert page.locator("select[name^='section-']").count() == 0
    assert page.locator("select[name$='-kind']").count() == 1
    first = sections.first
    first.locator("summary").click()
    assert first.get_attribute("open") is not None
    item = Item.objects.filter(section__workshop=workshop).order_by("pk").first()
    row = page.locator(f"#item-{item.pk}")
    row.get_by_role("link", name="Modifier").first.click()
    page.wait_for_url(f"**/modifier/?element={item.pk}#item-{item.pk}")
    row = page.locator(f"#item-{item.pk}")
    assert row.locator("input[type=text]").first.is_visible()
    assert_accessible(axe, page)
    row.locator(f"input[name='item-{item.pk}-text']").fill("Texte corrigé")
    # The editor comes back to the same address: wait for the new page itself.
    with page.expect_navigation(url=f"**/modifier/?element={item.pk}#item-{item.pk}"):
        row.get_by_role("button", name="Enregistrer").click()
    item.refresh_from_db()
    assert item.text == "Texte corrigé"
    # The type of a part changes on demand.
    section = item.section
    page.locator(f"#section-{section.pk}").get_by_role(
        "link", name=re.compile("Changer le type")
    ).click()
    select = page.locator(f"select[name='section-{section.pk}-kind']")
    select.select_option("enjeux")
    with page.expect_navigation():
        page.locator(f"#section-{section.pk}").get_by_role(
            "button", name="Enregistrer la partie"
        ).click()
    section.refresh_from_db()
    assert section.kind == "enjeux"
    assert page.console_errors == []


def test_live_preview_fills_date_and_place_from_the_first_line(
    browser_page, axe, facilitator, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    page.goto("/ateliers/importer/")
    page.get_by_label("Texte de la synthèse").fill(
        "Atelier 3 - Tiers-lieux et coopération - Rennes, 12 mars 2025\n"
        "Participants : 14 personnes (élus, associations, habitants)\n"
        "OPPORTUNITES\n**1. Des lieux**\n\t◦ ouverts\n"
    )
    preview = page.locator("#import-preview")
    preview.locator("text=12 mars 2025").first.wait_for()
    assert page.get_by_label("Date de l'atelier").input_value() == "2025-03-12"
    assert page.get_by_label("Territoire").input_value() == "Rennes"
    assert page.get_by_label(
        "Titre (si différent de la première ligne)"
    ).input_value() == ("Atelier 3 - Tiers-lieux et coopération")
    text = preview.inner_text()
    assert text.count("14 personnes (élus, associations, habitants)") == 1
    assert "Des lieux" in text and "ouverts" in text
    assert "Opportunités OPPORTUNITES" not in text
    assert_accessible(axe, page)
    assert page.console_errors == []


def test_facilitator_trashes_then_restores_a_workshop(
    browser_page, axe, facilitator, seeds, live_server
):
    page = browser_page
    log_in(page, facilitator, live_server)
    workshop = Workshop.objects.get(slug="atelier-2-emergence-session-2")
    page.goto(f"/ateliers/{workshop.slug}/modifier/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mettre à la corbeille").click()
    page.wait_for_url("**/ateliers/corbeille/")
    assert "est dans la corbeille" in page.locator("main").inner_text()
    assert_accessible(axe, page)
    assert not Workshop.objects.filter(pk=workshop.pk).exists()  # off every page
    page.get_by_role("button", name=re.compile("Restaurer")).click()
    page.wait_for_url(f"**/ateliers/{workshop.slug}/modifier/")
    history = page.locator("#historique")
    history.locator("summary").click()
    assert "Restauration" in history.inner_text()
    assert "Mise à la corbeille" in history.inner_text()
    assert_accessible(axe, page)
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.DRAFT and not workshop.is_in_trash
    assert page.console_errors == []
