"""Every page shape of the site, in one browser session: zero axe-core WCAG
violations, and zero errors from the Nu Html Checker (vnu) on the HTML each
page was served with, all files checked in a single vnu run (it is slow to
start). vnu comes from npm (`vnu-jar`, installed by `make test`) and runs on
Java; without them the HTML check is skipped with the reason, axe still runs.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from ateliers.services import seeds_load
from initiatives.models import Category, ChangeProposal, Family, Initiative
from observatoire import roles
from referentiel.models import Entry
from referentiel.services import assessment_save, referentiel_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VNU_JAR = (
    Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations", "incomplete"],
}
# axe cannot always decide these (a link over a map's translucent control):
# it marks them "incomplete", which the audit's run reported as violations.
STRICT_WHEN_INCOMPLETE = {"link-in-text-block"}


@pytest.fixture
def site(geo, make_user):
    """One of each kind of content, and one user per role."""
    for name in (roles.MODERATION, roles.ANIMATION, roles.AGENTS):
        Group.objects.get_or_create(name=name)
    # get_or_create: transactional tests flush what the data migrations seeded,
    # but only after the first one.
    category = Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé"}
    )[0]
    family = Family.objects.get_or_create(slug="durable", defaults={"name": "Durable"})[
        0
    ]
    published = Initiative.objects.create(
        name="Jardin des Capucins",
        summary="Un jardin partagé.",
        description="On y cultive **ensemble** des légumes.",
        category=category,
        commune=geo.brest,
        latitude=48.39,
        longitude=-4.49,
        status=Initiative.Status.PUBLISHED,
    )
    published.families.set([family])
    published.tags.set(["compost"])
    pending = Initiative.objects.create(
        name="Repair café",
        summary="À modérer.",
        category=category,
        commune=geo.quimper,
    )
    ChangeProposal.objects.create(initiative=published, message="Horaires changés")
    referential = referentiel_load().referential
    entries = list(Entry.objects.competencies().filter(part__referential=referential))
    assessment = assessment_save(
        referential=referential,
        levels={entry.pk: 2 for entry in entries},
        subject="person",
        territory=geo.brest,
    )
    workshop = seeds_load()[0][0]
    return {
        "initiative": published,
        "pending": pending,
        "assessment": assessment,
        "entry": entries[0],
        "workshop": workshop,
        "territory": geo.finistere,
        "commune": geo.brest,
        "moderator": make_user("moderator"),
        "facilitator": make_user("facilitator"),
        "agent": make_user("agent"),
    }


def page_shapes(site) -> list[tuple[str, str | None]]:
    """(path, role) for every kind of page; None is an anonymous visitor."""
    initiative, workshop = site["initiative"], site["workshop"]
    token = site["assessment"].token
    return [
        ("/", None),
        ("/a-propos/", None),
        ("/mentions-legales/", None),
        ("/accessibilite/", None),
        ("/compte/connexion/", None),
        ("/nulle-part/", None),  # 404
        ("/initiatives/", None),
        ("/initiatives/?famille=durable&tag=compost", None),
        (initiative.get_absolute_url(), None),
        (f"{initiative.get_absolute_url()}signaler/", None),
        ("/initiatives/proposer/", None),
        ("/initiatives/proposer/merci/", None),
        ("/carte/", None),
        ("/carte/embed/", None),
        ("/donnees-ouvertes/", None),
        ("/tags/compost/", None),
        (site["territory"].get_absolute_url(), None),
        (site["territory"].parent.get_absolute_url(), None),  # a région
        (site["commune"].get_absolute_url(), None),
        ("/territoires/", None),
        (
            f"/territoires/comparer/?t={site['territory'].slug}"
            f"&t={site['commune'].slug}",
            None,
        ),
        ("/recherche/?q=jardin", None),
        ("/recherche/?q=jardin&partie=initiatives", None),
        ("/referentiel/", None),
        ("/referentiel/texte-integral/", None),
        (site["entry"].get_absolute_url(), None),
        ("/referentiel/autodiagnostic/", None),
        (f"/referentiel/autodiagnostic/{token}/", None),
        (f"/referentiel/autodiagnostic/{token}/modifier/", None),
        ("/ateliers/", None),
        (workshop.get_absolute_url(), None),
        (f"{workshop.get_absolute_url()}imprimer/", None),
        ("/ateliers/points-de-vigilance/", None),
        ("/ateliers/opportunites/", None),
        ("/ateliers/enjeux/", None),
        ("/ateliers/a-enqueter/", None),
        ("/tableau-de-bord/", "agent"),
        ("/referentiel/autodiagnostic/statistiques/", "agent"),
        ("/moderation/", "moderator"),
        (f"/moderation/initiatives/{site['pending'].pk}/", "moderator"),
        (f"/moderation/initiatives/{initiative.pk}/historique/", "moderator"),
        (f"{site['entry'].get_absolute_url()}modifier/", "facilitator"),
        ("/ateliers/nouveau/", "facilitator"),
        ("/ateliers/importer/", "facilitator"),
        ("/ateliers/corbeille/", "facilitator"),
        (f"{workshop.get_absolute_url()}modifier/", "facilitator"),
    ]


def _context(chromium, live_server, user=None):
    context = chromium.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 1280, "height": 900},
    )
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.fulfill(status=404, body=""),
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie,
                    "url": live_server.url,
                }
            ]
        )
    return context


def run_vnu(files: list[Path]) -> list[str]:
    """Errors reported by the Nu Html Checker on `files`, in one run."""
    completed = subprocess.run(
        [
            "java",
            "-Xss16m",
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(completed.stderr or completed.stdout)["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        f" [{m.get('extract', '').strip()[:120]}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


def test_every_page_shape_is_accessible_and_valid_html(
    chromium, live_server, site, axe, tmp_path
):
    violations, saved = [], []
    contexts = {}
    try:
        for number, (path, role) in enumerate(page_shapes(site)):
            if role not in contexts:
                user = site[role] if role else None
                contexts[role] = _context(chromium, live_server, user)
                contexts[role].new_page()
            page = contexts[role].pages[0]
            response = page.goto(path)
            expected = 404 if path == "/nulle-part/" else 200
            assert response.status == expected, (path, role, response.status)
            if page.locator(".initiatives-map, .detail-map, .picker-map").count():
                # The map and its controls exist once its data has arrived.
                page.wait_for_load_state("networkidle")
            html_file = tmp_path / f"{number:02d}.html"
            html_file.write_text(response.text(), encoding="utf-8")
            saved.append((html_file, path))
            results = axe.run(page, options=AXE_OPTIONS).response
            found = results["violations"] + [
                rule
                for rule in results["incomplete"]
                if rule["id"] in STRICT_WHEN_INCOMPLETE
            ]
            for violation in found:
                targets = [node["target"] for node in violation["nodes"]][:3]
                violations.append(f"{path}: {violation['id']} {targets}")
    finally:
        for context in contexts.values():
            context.close()
    assert not violations, "\n".join(violations)

    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.skip(
            "Nu Html Checker absent (node_modules/vnu-jar : `make test` l'installe"
            " ; Java requis) : seul axe a été vérifié."
        )
    names = {str(file.name): path for file, path in saved}
    errors = run_vnu([file for file, _ in saved])
    readable = [f"{names.get(e.split(':')[0], '?')} ← {e}" for e in errors]
    assert not errors, "\n".join(readable)


def test_vnu_reports_invalid_html(tmp_path):
    """Guards the check above: a checker that reports nothing proves nothing."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.skip("Nu Html Checker absent")
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="fr"><head><title>x</title></head>'
        '<body><form action=""></form></body></html>',
        encoding="utf-8",
    )
    assert any("action" in error for error in run_vnu([page]))
