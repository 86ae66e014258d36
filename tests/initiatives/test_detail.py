"""Detail page and the public "signaler une erreur / proposer une modification"."""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from ateliers.models import Workshop
from initiatives import forms
from initiatives.models import (
    ChangeProposal,
    Family,
    Initiative,
    ModerationEvent,
    ResourceType,
)
from observatoire import registry


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()


@pytest.fixture
def initiative(make_initiative):
    return make_initiative(
        name="Repair café de Siam",
        summary="On répare ensemble le premier samedi du mois.",
        description="## Horaires\n\nLe **samedi**.\n\n<script>alert(1)</script>"
        '\n\n[site](javascript:alert(2)) <a href="#" onclick="x()">lien</a>',
        address="12 rue de Siam",
        organisation="Association Siam",
        public_contact="bonjour@siam.example",
        submitter_name="Anne Secret",
        submitter_email="anne.secret@example.org",
        economic_model=Initiative.EconomicModel.PAY_WHAT_YOU_CAN,
        families=list(Family.objects.filter(slug="durable")),
        resources=list(ResourceType.objects.filter(slug="benevolat")),
        tags=["réemploi"],
    )


def test_detail_shows_public_fields(client, initiative):
    response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for text in (
        "Repair café de Siam",
        "On répare ensemble",
        "12 rue de Siam",
        "Brest",
        "Association Siam",
        "bonjour@siam.example",
        "Prix libre",
        "Durable",
        "Bénévolat",
        "Coordonnées : 48.39, -4.49",
        'href="/tags/reemploi/"',
        "Licence Ouverte 2.0",
    ):
        assert text in html, text
    assert '<script id="detail-map-config" type="application/json">' in html


def test_markdown_description_is_sanitised(client, initiative):
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "<strong>samedi</strong>" in html
    assert "<h3>Horaires</h3>" in html
    assert "alert(1)" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_private_contact_never_shown_to_public_or_citizens(client_for, initiative):
    for role in ("anonymous", "citizen", "facilitator"):
        html = client_for(role).get(initiative.get_absolute_url()).content.decode()
        assert "anne.secret@example.org" not in html, role
        assert "Anne Secret" not in html, role


@pytest.mark.parametrize("role", ["agent", "moderator", "superuser"])
def test_staff_see_the_private_contact(client_for, initiative, role):
    html = client_for(role).get(initiative.get_absolute_url()).content.decode()
    assert "anne.secret@example.org" in html


def test_page_without_coordinates_has_text_only(client, make_initiative):
    initiative = make_initiative(latitude=None, longitude=None, address="Place X")
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Place X" in html
    assert "detail-map-config" not in html
    assert "leaflet.js" not in html


@pytest.mark.parametrize(
    "status",
    [Initiative.Status.PENDING, Initiative.Status.REJECTED, Initiative.Status.ARCHIVED],
)
def test_non_published_is_404_for_public_and_staff(client_for, make_initiative, status):
    initiative = make_initiative(status=status)
    for role in ("anonymous", "citizen", "agent", "facilitator"):
        response = client_for(role).get(initiative.get_absolute_url())
        assert response.status_code == 404, role


def test_moderator_sees_pending_with_a_banner(client_for, make_initiative):
    initiative = make_initiative(status=Initiative.Status.PENDING)
    response = client_for("moderator").get(initiative.get_absolute_url())
    assert response.status_code == 200
    assert "Fiche non publique : En attente de modération." in response.content.decode()


def test_unknown_slug_is_404(client, geo):
    assert client.get(reverse("initiatives:detail", args=["nope"])).status_code == 404


def test_nearby_lists_nearest_published_first(client, make_initiative, geo):
    here = make_initiative(name="Ici", latitude=48.39, longitude=-4.49)
    make_initiative(name="Très proche", latitude=48.391, longitude=-4.49)
    make_initiative(name="Un peu plus loin", latitude=48.42, longitude=-4.49)
    make_initiative(
        name="En attente", latitude=48.3901, longitude=-4.49, status="pending"
    )
    make_initiative(name="À Lyon", commune=geo.lyon, latitude=45.76, longitude=4.83)
    html = client.get(here.get_absolute_url()).content.decode()
    assert html.index("Très proche") < html.index("Un peu plus loin")
    assert "En attente" not in html
    assert "À Lyon" not in html


def test_nearby_falls_back_to_the_same_commune(client, make_initiative, geo):
    here = make_initiative(name="Ici", latitude=None, longitude=None)
    make_initiative(name="Voisine", latitude=None, longitude=None)
    make_initiative(name="Lyonnaise", commune=geo.lyon, latitude=None, longitude=None)
    html = client.get(here.get_absolute_url()).content.decode()
    assert "Voisine" in html
    assert "Lyonnaise" not in html


def test_registry_knows_initiatives(initiative, make_initiative):
    entry = next(e for e in registry.registered() if e.model is Initiative)
    assert entry.territory_field == "commune"
    make_initiative(status="pending", tags=["réemploi"])
    assert list(entry.public().filter(tags__name="réemploi")) == [initiative]


def test_detail_shows_other_parts_sharing_a_tag(client, make_initiative):
    initiative = make_initiative(tags=["compost"])
    workshop = Workshop.objects.create(
        title="Coopérer <vraiment>",
        slug="cooperer",
        status=Workshop.Status.PUBLISHED,
    )
    workshop.tags.add("compost")
    draft = Workshop.objects.create(title="Brouillon secret", slug="brouillon")
    draft.tags.add("compost")
    html = client.get(initiative.get_absolute_url()).content.decode()
    assert "Dans les autres parties de l'observatoire" in html
    assert "Coopérer &lt;vraiment&gt;" in html
    assert workshop.get_absolute_url() in html
    assert "Brouillon secret" not in html


def test_detail_query_count_does_not_grow_with_nearby(client, make_initiative):
    """Guards the N+1 on the nearby list's category and commune."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    here = make_initiative(tags=["a"])

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(here.get_absolute_url()).status_code == 200
        return len(context.captured_queries)

    make_initiative(name="Proche 0", latitude=48.391)
    queries()  # the first view also fills the shared cache
    few = queries()
    for number in range(1, 8):
        make_initiative(name=f"Proche {number}", latitude=48.39 + number / 1000)
    assert queries() == few


# Change proposals ----------------------------------------------------------------


def proposal_data(initiative, **overrides):
    data = {
        "name": initiative.name,
        "summary": initiative.summary,
        "description": initiative.description,
        "address": "14 rue de Siam",
        "website": "",
        "organisation": initiative.organisation,
        "public_contact": initiative.public_contact,
        "message": "Ils ont déménagé au 14.",
        "contact_email": "paul@example.org",
        "contact_url": "",
        "started": forms.make_started_token(time.time() - 60),
    }
    data.update(overrides)
    return data


def test_proposal_is_queued_and_record_unchanged(client, initiative, moderator):
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, proposal_data(initiative), follow=True)
    assert "La fiche reste inchangée" in response.content.decode()
    proposal = ChangeProposal.objects.get()
    assert proposal.changes == {"address": "14 rue de Siam"}
    assert proposal.status == ChangeProposal.Status.PENDING
    initiative.refresh_from_db()
    assert initiative.address == "12 rue de Siam"
    assert initiative.events.get().action == ModerationEvent.Action.PROPOSAL_RECEIVED
    assert mail.outbox[-1].to == ["moderator@example.org"]


def test_proposal_only_for_published(client, make_initiative):
    pending = make_initiative(status="pending")
    url = reverse("initiatives:propose_change", args=[pending.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


def test_proposal_bad_input(client, initiative):
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    response = client.post(url, proposal_data(initiative, message="", name=""))
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    response = client.post(url, proposal_data(initiative, message="x" * 3001))
    assert "au plus 3000 caractères" in response.content.decode()
    response = client.post(url, proposal_data(initiative, contact_email="nope"))
    assert "adresse de courriel valide" in response.content.decode()
    response = client.post(url, proposal_data(initiative, contact_url="spam"))
    assert "font les robots" in response.content.decode()
    assert not ChangeProposal.objects.exists()


def test_proposal_html_is_escaped_in_the_moderation_page(client, initiative, moderator):
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    payload = "<img src=x onerror=alert(1)>"
    client.post(url, proposal_data(initiative, message=payload, address=payload))
    proposal = ChangeProposal.objects.get()
    client.force_login(moderator)
    for page in (
        reverse("initiatives:moderation"),
        reverse("initiatives:moderate_proposal", args=[proposal.pk]),
    ):
        html = client.get(page).content.decode()
        assert payload not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_proposal_unicode_heavy(client, initiative):
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    text = "Ŵëïřđ ✨ 東京 — « guillemets » 🚲"
    client.post(url, proposal_data(initiative, message=text, organisation=text))
    assert ChangeProposal.objects.get().changes == {
        "address": "14 rue de Siam",
        "organisation": text,
    }


def test_proposal_rejects_other_methods(client, initiative):
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    assert client.put(url).status_code == 405


def test_browser_line_endings_are_not_a_change(client, make_initiative):
    initiative = make_initiative(description="Ligne 1\nLigne 2")
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    data = proposal_data(initiative, description="Ligne 1\r\nLigne 2")
    client.post(url, data)
    assert ChangeProposal.objects.get().changes == {"address": "14 rue de Siam"}
