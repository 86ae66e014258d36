"""Moderation: queue, duplicates, decisions, history, spam, archive."""

import pytest
from django.core import mail
from django.urls import reverse

from initiatives import services
from initiatives.models import Category, ChangeProposal, Initiative, ModerationEvent

QUEUE = reverse("initiatives:moderation")


@pytest.fixture
def pending(make_initiative):
    return make_initiative(
        name="Jardin des Capucins",
        status=Initiative.Status.PENDING,
        submitter_email="anne@example.org",
    )


def edit_data(initiative, **overrides):
    data = {
        "name": initiative.name,
        "summary": initiative.summary,
        "description": initiative.description,
        "category": initiative.category_id,
        "commune": "Brest",
        "address": initiative.address,
        "latitude": initiative.latitude or "",
        "longitude": initiative.longitude or "",
        "website": "",
        "organisation": "",
        "public_contact": "",
        "economic_model": "",
        "governance": "",
        "tags": "",
    }
    data.update(overrides)
    return data


# Permissions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("citizen", 403), ("facilitator", 403), ("agent", 403), ("moderator", 200)],
)
def test_queue_is_for_moderators_only(client_for, geo, role, status):
    assert client_for(role).get(QUEUE).status_code == status


def test_anonymous_is_sent_to_login(client, geo, pending):
    for url in (
        QUEUE,
        reverse("initiatives:moderate_initiative", args=[pending.pk]),
        reverse("initiatives:history", args=[pending.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["citizen", "agent", "facilitator"])
def test_non_moderators_cannot_decide(client_for, pending, role):
    client = client_for(role)
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    assert client.post(url, edit_data(pending)).status_code == 403
    reject = reverse("initiatives:reject_initiative", args=[pending.pk])
    assert client.post(reject, {"reason": "non"}).status_code == 403
    spam = reverse("initiatives:reject_spam")
    assert client.post(spam, {"selected": [pending.pk]}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PENDING


@pytest.mark.parametrize(
    "name", ["reject_initiative", "archive_initiative", "reject_proposal"]
)
def test_post_only_views_reject_get(client, moderator, pending, name):
    client.force_login(moderator)
    assert (
        client.get(reverse(f"initiatives:{name}", args=[pending.pk])).status_code == 405
    )


def test_spam_view_rejects_get(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("initiatives:reject_spam")).status_code == 405


# Queue -----------------------------------------------------------------------


def test_queue_lists_pending_oldest_first_with_proposals(
    client, moderator, make_initiative, geo
):
    newer = make_initiative(name="Nouvelle", status=Initiative.Status.PENDING)
    older = make_initiative(name="Ancienne", status=Initiative.Status.PENDING)
    Initiative.objects.filter(pk=older.pk).update(
        created_at=newer.created_at.replace(year=2020)
    )
    elsewhere = {"commune": geo.lyon, "latitude": None, "longitude": None}
    make_initiative(name="Fiche en ligne", **elsewhere)
    published = make_initiative(name="Fiche publiée", **elsewhere)
    ChangeProposal.objects.create(initiative=published, message="Horaires changés")
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    assert html.index("Ancienne") < html.index("Nouvelle")
    assert "Fiche en ligne" not in html
    assert "Horaires changés" in html


def test_queue_shows_likely_duplicates(client, moderator, make_initiative, geo):
    existing = make_initiative(
        name="Repair Café de Brest", latitude=None, longitude=None
    )
    submitted = make_initiative(
        name="repair cafe  de BREST",
        status=Initiative.Status.PENDING,
        latitude=None,
        longitude=None,
    )
    near = make_initiative(
        name="Tout autre nom", latitude=48.3900, longitude=-4.4900, commune=geo.quimper
    )
    bike = make_initiative(
        name="Atelier vélo",
        status=Initiative.Status.PENDING,
        latitude=48.3920,
        longitude=-4.4880,
    )
    far = make_initiative(name="Loin", latitude=48.5, longitude=-4.0, commune=geo.lyon)
    other_kind = make_initiative(
        name="Autre pratique",
        latitude=48.3921,
        longitude=-4.4881,
        commune=geo.quimper,
        category=Category.objects.get(slug="amap"),
    )
    client.force_login(moderator)
    html = client.get(QUEUE).content.decode()
    # Each likely duplicate links to the side-by-side comparison.
    assert reverse("initiatives:compare", args=[submitted.pk, existing.pk]) in html
    assert reverse("initiatives:compare", args=[bike.pk, near.pk]) in html
    for pending_pk in (submitted.pk, bike.pk):
        for other in (far, other_kind):
            assert (
                reverse("initiatives:compare", args=[pending_pk, other.pk]) not in html
            )


def test_duplicates_ignore_other_communes_and_rejected(make_initiative, geo):
    item = make_initiative(
        name="Jardin partagé",
        status=Initiative.Status.PENDING,
        latitude=None,
        longitude=None,
    )
    make_initiative(
        name="Jardin partagé", commune=geo.lyon, latitude=None, longitude=None
    )
    make_initiative(
        name="Jardin partagé",
        status=Initiative.Status.REJECTED,
        latitude=None,
        longitude=None,
    )
    assert services.likely_duplicates([item]) == {item.pk: []}


def _fill_queue(make_initiative, count):
    for number in range(count):
        make_initiative(
            name=f"Proposition {number}",
            status=Initiative.Status.PENDING,
            latitude=48.0 + number / 1000,
            longitude=-4.0,
        )
        if number % 5 == 0:
            published = make_initiative(name=f"Publiée {number}")
            ChangeProposal.objects.create(initiative=published, message="Erreur")


@pytest.mark.parametrize("count", [10, 500])
def test_queue_query_count_is_constant(
    client, moderator, make_initiative, django_assert_num_queries, count
):
    """Guards the N+1 on each item's category, commune, proposal's initiative and
    on the duplicate search (one candidate query for the whole page)."""
    _fill_queue(make_initiative, count)
    client.force_login(moderator)
    # session, user, groups, sources for the filter, 2 pages, 2 counts,
    # duplicate candidates
    with django_assert_num_queries(9):
        response = client.get(QUEUE)
    assert response.status_code == 200


# Decisions -------------------------------------------------------------------


def test_approve_publishes_records_and_emails(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    response = client.post(url, edit_data(pending))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PUBLISHED
    assert pending.published_at is not None
    event = pending.events.get(action=ModerationEvent.Action.APPROVED)
    assert event.actor == moderator
    assert event.changes == {}
    assert mail.outbox[-1].to == ["anne@example.org"]
    assert "est publiée" in mail.outbox[-1].subject
    assert client.logout() is None
    assert client.get(pending.get_absolute_url()).status_code == 200


def test_edit_then_approve_records_what_changed(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    client.post(url, edit_data(pending, name="Jardin partagé des Capucins", tags="sol"))
    pending.refresh_from_db()
    assert pending.name == "Jardin partagé des Capucins"
    assert pending.tags.names()[0] == "sol"
    event = pending.events.get(action=ModerationEvent.Action.APPROVED)
    assert event.changes["name"] == [
        "Jardin des Capucins",
        "Jardin partagé des Capucins",
    ]
    assert event.changes["tags"] == ["", "sol"]
    history = client.get(reverse("initiatives:history", args=[pending.pk]))
    assert "Jardin partagé des Capucins" in history.content.decode()


def test_invalid_edit_saves_nothing(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    response = client.post(url, edit_data(pending, name="", latitude="999"))
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PENDING
    assert pending.name == "Jardin des Capucins"
    assert not pending.events.filter(action="approved").exists()


def test_reject_needs_a_reason_and_emails_it(client, moderator, pending):
    client.force_login(moderator)
    url = reverse("initiatives:reject_initiative", args=[pending.pk])
    client.post(url, {"reason": ""})
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PENDING
    reason = "Hors du territoire <b>couvert</b>"
    client.post(url, {"reason": reason})
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.REJECTED
    event = pending.events.get(action=ModerationEvent.Action.REJECTED)
    assert (event.actor, event.reason) == (moderator, reason)
    assert reason in mail.outbox[-1].body
    history = client.get(reverse("initiatives:history", args=[pending.pk])).content
    assert b"Hors du territoire &lt;b&gt;couvert&lt;/b&gt;" in history
    client.logout()
    assert client.get(pending.get_absolute_url()).status_code == 404


def test_decided_record_cannot_be_decided_again(client, moderator, pending):
    client.force_login(moderator)
    client.post(
        reverse("initiatives:reject_initiative", args=[pending.pk]), {"reason": "x"}
    )
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    client.post(url, edit_data(pending))
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.REJECTED


def test_bulk_spam_rejects_selected_without_email(client, moderator, make_initiative):
    spam = [
        make_initiative(
            name=f"Casino {n}",
            status=Initiative.Status.PENDING,
            submitter_email="bot@example.org",
        )
        for n in range(3)
    ]
    keep = make_initiative(name="Vraie", status=Initiative.Status.PENDING)
    published = make_initiative(name="Publiée")
    client.force_login(moderator)
    response = client.post(
        reverse("initiatives:reject_spam"),
        {"selected": [s.pk for s in spam]},
        follow=True,
    )
    assert "3 propositions refusées comme indésirables" in response.content.decode()
    assert Initiative.objects.filter(status="rejected").count() == 3
    assert ModerationEvent.objects.filter(action="spam").count() == 3
    keep.refresh_from_db()
    published.refresh_from_db()
    assert keep.status == published.status or keep.status == "pending"
    assert published.status == Initiative.Status.PUBLISHED
    assert mail.outbox == []


@pytest.mark.parametrize("selected", [[], ["abc"], ["999999"]])
def test_bulk_spam_bad_input_changes_nothing(client, moderator, pending, selected):
    client.force_login(moderator)
    response = client.post(reverse("initiatives:reject_spam"), {"selected": selected})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PENDING


def test_bulk_spam_cannot_touch_published(client, moderator, make_initiative):
    published = make_initiative()
    client.force_login(moderator)
    client.post(reverse("initiatives:reject_spam"), {"selected": [published.pk]})
    published.refresh_from_db()
    assert published.status == Initiative.Status.PUBLISHED


def test_archive_hides_from_public_and_keeps_history(
    client, moderator, make_initiative
):
    initiative = make_initiative()
    client.force_login(moderator)
    client.post(
        reverse("initiatives:archive_initiative", args=[initiative.pk]),
        {"reason": "Fermé définitivement"},
    )
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.ARCHIVED
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    assert initiative.events.get().reason == "Fermé définitivement"
    client.logout()
    assert client.get(initiative.get_absolute_url()).status_code == 404


def test_pending_cannot_be_archived(client, moderator, pending):
    client.force_login(moderator)
    client.post(reverse("initiatives:archive_initiative", args=[pending.pk]), {})
    pending.refresh_from_db()
    assert pending.status == Initiative.Status.PENDING


def test_history_lists_every_decision(client, moderator, pending):
    pending.approve(by=moderator)
    pending.archive(by=moderator, reason="Doublon")
    client.force_login(moderator)
    html = client.get(
        reverse("initiatives:history", args=[pending.pk])
    ).content.decode()
    table = html[html.index("<tbody>") :]
    assert table.index("Publiée") < table.index("Archivée")
    assert "Doublon" in html
    assert moderator.username in html


# Change proposals --------------------------------------------------------------


@pytest.fixture
def proposal(make_initiative):
    initiative = make_initiative(name="Repair café", address="1 rue A")
    return ChangeProposal.objects.create(
        initiative=initiative,
        changes={"address": "2 rue B", "name": "Repair café du port"},
        message="Ils ont déménagé.",
        contact_email="paul@example.org",
    )


def test_accepting_a_proposal_applies_the_edited_values(client, moderator, proposal):
    client.force_login(moderator)
    url = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    assert "2 rue B" in client.get(url).content.decode()
    client.post(url, {"address": "2 rue B, Brest", "name": "Repair café du port"})
    initiative = proposal.initiative
    initiative.refresh_from_db()
    proposal.refresh_from_db()
    assert initiative.address == "2 rue B, Brest"
    assert initiative.name == "Repair café du port"
    assert proposal.status == ChangeProposal.Status.ACCEPTED
    assert proposal.decided_by == moderator
    event = initiative.events.get(action=ModerationEvent.Action.PROPOSAL_ACCEPTED)
    assert event.changes["address"] == ["1 rue A", "2 rue B, Brest"]
    assert mail.outbox[-1].to == ["paul@example.org"]


def test_rejecting_a_proposal_leaves_the_record(client, moderator, proposal):
    client.force_login(moderator)
    client.post(
        reverse("initiatives:reject_proposal", args=[proposal.pk]),
        {"reason": "Information non vérifiable"},
    )
    proposal.refresh_from_db()
    proposal.initiative.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.REJECTED
    assert proposal.initiative.address == "1 rue A"
    assert "Information non vérifiable" in mail.outbox[-1].body


def test_proposal_accept_with_invalid_values_saves_nothing(client, moderator, proposal):
    client.force_login(moderator)
    url = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    response = client.post(url, {"address": "x" * 301, "name": ""})
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.PENDING
    proposal.initiative.refresh_from_db()
    assert proposal.initiative.address == "1 rue A"


@pytest.mark.parametrize("role", ["citizen", "agent"])
def test_proposal_pages_are_for_moderators(client_for, proposal, role):
    client = client_for(role)
    url = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"address": "pirate"}).status_code == 403
    proposal.initiative.refresh_from_db()
    assert proposal.initiative.address == "1 rue A"


def test_edit_page_prefills_tags_and_keeps_them(client, moderator, make_initiative):
    initiative = make_initiative(status="pending", tags=["vélo", "réemploi"])
    client.force_login(moderator)
    url = reverse("initiatives:moderate_initiative", args=[initiative.pk])
    response = client.get(url)
    assert response.status_code == 200
    field = response.context["form"]["tags"].value()
    client.post(url, edit_data(initiative, tags=field))
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.PUBLISHED
    assert sorted(initiative.tags.names()) == ["réemploi", "vélo"]
    assert "tags" not in initiative.events.get(action="approved").changes


@pytest.mark.parametrize("count", [2, 40])
def test_history_query_count_is_constant(
    client, make_user, make_initiative, django_assert_num_queries, count
):
    """Guards the N+1 on each event's actor and proposal."""
    initiative = make_initiative()
    for number in range(count):
        actor = make_user("moderator", username=f"mod-{number}")
        ModerationEvent.objects.create(
            initiative=initiative,
            action=ModerationEvent.Action.PROPOSAL_REJECTED,
            actor=actor,
            reason=f"raison {number}",
        )
    viewer = make_user("moderator", username="viewer")
    client.force_login(viewer)
    # session, user, groups, initiative, events with actors and proposals
    with django_assert_num_queries(5):
        response = client.get(reverse("initiatives:history", args=[initiative.pk]))
    assert f"raison {count - 1}" in response.content.decode()
