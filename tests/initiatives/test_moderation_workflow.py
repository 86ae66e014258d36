"""Moderation workflows: status transitions, the second moderator, the queue at
volume (pages, filters, bulk decisions), change proposals of every public
field, the commune centre for records without a point, merging duplicates,
ready-made refusal reasons, the menu."""

import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.urls import reverse

from initiatives import services
from initiatives.forms import REJECTION_TEXTS
from initiatives.models import (
    Category,
    ChangeProposal,
    Family,
    Initiative,
    ModerationEvent,
    TransitionNotAllowed,
)
from observatoire import roles
from referentiel.models import Assessment, Referential

QUEUE = reverse("initiatives:moderation")
BULK = reverse("initiatives:bulk_decide")
Status = Initiative.Status


@pytest.fixture
def pending(make_initiative):
    return make_initiative(
        name="Jardin des Capucins",
        status=Status.PENDING,
        submitter_email="anne@example.org",
    )


# Transitions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (Status.REJECTED, "approve"),
        (Status.PUBLISHED, "approve"),
        (Status.PUBLISHED, "reject"),
        (Status.REJECTED, "archive"),
        (Status.ARCHIVED, "reject"),
    ],
)
def test_model_refuses_a_transition_the_table_does_not_allow(
    make_initiative, moderator, status, decision
):
    initiative = make_initiative(status=status)
    kwargs = {"reason": "x"} if decision == "reject" else {}
    with pytest.raises(TransitionNotAllowed, match="Impossible de passer la fiche"):
        getattr(initiative, decision)(by=moderator, **kwargs)
    initiative.refresh_from_db()
    assert initiative.status == status
    assert not initiative.events.exists()


def test_second_decision_names_who_decided_first_and_changes_nothing(
    client, make_user, pending
):
    first = make_user("moderator", username="marie", first_name="Marie")
    services.initiative_approve(initiative=pending, by=first)
    mail.outbox.clear()
    second = make_user("moderator", username="paul")
    client.force_login(second)
    # The second moderator opened the page before the first decided.
    response = client.post(
        reverse("initiatives:reject_initiative", args=[pending.pk]),
        {"reason": "Hors sujet"},
        follow=True,
    )
    html = response.content.decode()
    assert "déjà été traitée par Marie le" in html
    # The page itself now says who decided, and offers no decision.
    assert "Déjà traitée par Marie le" in html
    assert "Refuser et prévenir la personne" not in html
    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED
    assert pending.events.filter(action="rejected").count() == 0
    assert mail.outbox == []


def test_stale_service_call_raises_already_decided(make_user, pending):
    first = make_user("moderator", username="marie", first_name="Marie")
    stale = Initiative.objects.get(pk=pending.pk)
    services.initiative_reject(initiative=pending, by=first, reason="Doublon")
    with pytest.raises(services.AlreadyDecided, match="par Marie"):
        services.initiative_approve(initiative=stale, by=first)


def test_proposal_decided_twice_names_who(client, make_user, make_initiative):
    proposal = ChangeProposal.objects.create(
        initiative=make_initiative(), changes={"address": "1 rue"}, message="m"
    )
    marie = make_user("moderator", username="marie", first_name="Marie")
    services.proposal_reject(proposal=proposal, by=marie, reason="non")
    with pytest.raises(services.AlreadyDecided, match="par Marie"):
        services.proposal_accept(proposal=proposal, by=marie)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_at_once_one_wins_one_is_told(
    make_user, make_initiative, monkeypatch
):
    """On PostgreSQL the row lock makes the second decision wait, then see the
    first; without the lock both would be recorded."""
    if connection.vendor != "postgresql":
        pytest.skip("Verrous de ligne : test sur PostgreSQL")
    change_status = Initiative._change_status

    def slow_change_status(self, status):
        # Widens the window between reading the status and writing the new
        # one, so that without a lock both threads would read "pending".
        time.sleep(0.3)
        change_status(self, status)

    monkeypatch.setattr(Initiative, "_change_status", slow_change_status)
    Group.objects.get_or_create(name=roles.MODERATION)
    # A transactional test: an earlier one in this process may have flushed
    # the vocabularies the data migration seeded.
    Category.objects.get_or_create(
        slug="jardin-partage", defaults={"name": "Jardin partagé"}
    )
    initiative = make_initiative(status=Status.PENDING, submitter_email="a@b.org")
    users = [make_user("moderator", username=f"mod-{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(user, approve):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            if approve:
                services.initiative_approve(initiative=initiative, by=user)
            else:
                services.initiative_reject(initiative=initiative, by=user, reason="x")
            outcomes.append("decided")
        except services.AlreadyDecided as error:
            outcomes.append(str(error))
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=decide, args=(users[0], True)),
        threading.Thread(target=decide, args=(users[1], False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes, key=len)[0] == "decided"
    assert outcomes.count("decided") == 1
    told = next(o for o in outcomes if o != "decided")
    assert "déjà été traitée par mod-" in told
    decisions = ModerationEvent.objects.filter(
        initiative=initiative, action__in=["approved", "rejected"]
    )
    assert decisions.count() == 1


def test_admin_shows_status_read_only(client_for, pending):
    client = client_for("superuser")
    url = reverse("admin:initiatives_initiative_change", args=[pending.pk])
    html = client.get(url).content.decode()
    assert 'name="status"' not in html
    assert "En attente de modération" in html


def test_admin_archive_goes_through_the_service(client_for, make_initiative):
    published = make_initiative()
    waiting = make_initiative(status=Status.PENDING)
    client = client_for("superuser")
    response = client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "archive_selected", "_selected_action": [published.pk, waiting.pk]},
        follow=True,
    )
    published.refresh_from_db()
    waiting.refresh_from_db()
    assert published.status == Status.ARCHIVED
    assert waiting.status == Status.PENDING
    assert "Seule une fiche publiée peut être archivée" in response.content.decode()


# Queue at volume -------------------------------------------------------------


def test_queue_pages_hide_no_record(client, moderator, make_initiative):
    names = [f"Proposition {n:03d}" for n in range(120)]
    for name in names:
        make_initiative(name=name, status=Status.PENDING, latitude=None, longitude=None)
    client.force_login(moderator)
    seen = ""
    for page in (1, 2, 3):
        html = client.get(QUEUE, {"page": page}).content.decode()
        assert "(120)" in html
        seen += html
    assert all(name in seen for name in names)
    assert "Page 3 sur 3" in seen


def test_queue_filters_by_territory_and_source(client, moderator, make_initiative, geo):
    make_initiative(name="Brestoise", status=Status.PENDING, source="Import A")
    make_initiative(
        name="Lyonnaise",
        status=Status.PENDING,
        commune=geo.lyon,
        source="Import B",
        latitude=45.76,
        longitude=4.83,
    )
    client.force_login(moderator)
    html = client.get(QUEUE, {"lieu": "Finistère"}).content.decode()
    assert "Brestoise" in html and "Lyonnaise" not in html
    html = client.get(QUEUE, {"source": "Import B"}).content.decode()
    assert "Lyonnaise" in html and "Brestoise" not in html
    assert '<option value="Import A">' in html


def test_queue_bad_territory_shows_error_not_everything(
    client, moderator, make_initiative
):
    make_initiative(name="Brestoise", status=Status.PENDING)
    client.force_login(moderator)
    html = client.get(QUEUE, {"lieu": "Atlantide<script>"}).content.decode()
    assert "Aucun territoire ne correspond" in html
    assert "Brestoise" not in html
    assert "<script>" not in html.split("<body")[1].split("</main>")[0]


def test_bulk_approve_writes_one_event_and_one_email_each(
    client, moderator, make_initiative
):
    chosen = [
        make_initiative(status=Status.PENDING, submitter_email=f"p{n}@example.org")
        for n in range(3)
    ]
    untouched = make_initiative(status=Status.PENDING)
    client.force_login(moderator)
    response = client.post(
        BULK, {"selected": [i.pk for i in chosen], "action": "approve"}, follow=True
    )
    assert "3 initiatives publiées." in response.content.decode()
    for initiative in chosen:
        initiative.refresh_from_db()
        assert initiative.status == Status.PUBLISHED
        assert initiative.events.filter(action="approved").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == [
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
    ]
    assert all("est publiée" in m.subject for m in mail.outbox)
    untouched.refresh_from_db()
    assert untouched.status == Status.PENDING


def test_bulk_reject_with_ready_made_reason(client, moderator, make_initiative):
    chosen = [
        make_initiative(status=Status.PENDING, submitter_email=f"p{n}@example.org")
        for n in range(2)
    ]
    client.force_login(moderator)
    client.post(
        BULK,
        {"selected": [i.pk for i in chosen], "action": "reject", "preset": "published"},
    )
    for initiative in chosen:
        initiative.refresh_from_db()
        assert initiative.status == Status.REJECTED
        event = initiative.events.get(action="rejected")
        assert event.reason == str(REJECTION_TEXTS["published"])
    assert len(mail.outbox) == 2
    assert "déjà publiée" in mail.outbox[0].body


@pytest.mark.parametrize(
    "data",
    [
        {"action": "reject"},
        {"action": "approve"},
        {"action": "nonsense"},
        {"action": "reject", "reason": "x" * 2001},
    ],
)
def test_bulk_bad_input_changes_nothing(client, moderator, pending, data):
    client.force_login(moderator)
    if data.get("action") != "approve":
        data = {**data, "selected": [pending.pk]}
    response = client.post(BULK, data, follow=True)
    assert response.status_code == 200
    assert "message-error" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert mail.outbox == []


def test_bulk_skips_records_decided_meanwhile(client, moderator, make_initiative):
    first = make_initiative(status=Status.PENDING)
    second = make_initiative(status=Status.PENDING)
    decided, skipped = services.initiatives_decide(
        pks=[first.pk, second.pk], by=moderator, approve=True
    )
    assert len(decided) == 2 and skipped == 0
    decided, skipped = services.initiatives_decide(
        pks=[first.pk], by=moderator, approve=False, reason="x"
    )
    assert decided == [] and skipped == 1
    first.refresh_from_db()
    assert first.status == Status.PUBLISHED


@pytest.mark.parametrize("role", ["anonymous", "citizen", "agent", "facilitator"])
def test_bulk_is_for_moderators(client_for, pending, role):
    response = client_for(role).post(
        BULK, {"selected": [pending.pk], "action": "approve"}
    )
    assert response.status_code in (302, 403)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_bulk_rejects_get(client, moderator):
    client.force_login(moderator)
    assert client.get(BULK).status_code == 405


# Refusal reasons and buttons -------------------------------------------------


def test_reject_page_offers_ready_made_reasons_and_distinct_button(
    client, moderator, pending
):
    client.force_login(moderator)
    html = client.get(
        reverse("initiatives:moderate_initiative", args=[pending.pk])
    ).content.decode()
    assert "Déjà publiée" in html
    assert 'class="button button-danger"' in html
    assert "rejection-texts" in html


def test_typed_reason_wins_over_the_ready_made_one(client, moderator, pending):
    client.force_login(moderator)
    client.post(
        reverse("initiatives:reject_initiative", args=[pending.pk]),
        {"preset": "published", "reason": "Déjà publiée sous « Jardin C. »"},
    )
    assert pending.events.get(action="rejected").reason == (
        "Déjà publiée sous « Jardin C. »"
    )


# Menu ------------------------------------------------------------------------


def test_moderation_pages_highlight_moderation_in_the_menu(client, moderator, pending):
    client.force_login(moderator)
    for url in (
        QUEUE,
        reverse("initiatives:moderate_initiative", args=[pending.pk]),
        reverse("initiatives:history", args=[pending.pk]),
    ):
        html = client.get(url).content.decode()
        assert f'<a href="{QUEUE}" aria-current="page">Modération</a>' in html
        assert f'href="{reverse("initiatives:list")}" aria-current' not in html


def test_demo_moderator_name_is_not_the_menu_label(db):
    from observatoire.demo import DEMO_ACCOUNTS

    labels = {username: label for username, label, *_ in DEMO_ACCOUNTS}
    assert labels["moderation"] != "Modération"


# Commune centre ----------------------------------------------------------------


def test_published_without_point_gets_commune_centre(
    client, moderator, make_initiative, geo
):
    initiative = make_initiative(
        status=Status.PENDING, latitude=None, longitude=None, name="Sans point"
    )
    client.force_login(moderator)
    html = client.get(
        reverse("initiatives:moderate_initiative", args=[initiative.pk])
    ).content.decode()
    assert "Pas de position sur la carte" in html
    assert 'id="point-picker-config"' in html
    assert "48.4" in html  # the picker starts on the commune
    services.initiative_approve(initiative=initiative, by=moderator)
    initiative.refresh_from_db()
    assert (initiative.latitude, initiative.longitude) == (48.4, -4.5)
    assert initiative.position_approximate
    detail = client.get(initiative.get_absolute_url()).content.decode()
    assert "Position approximative" in detail
    data = client.get(reverse("initiatives:map_data")).json()
    assert initiative.pk in _map_ids(data)


def _map_ids(data):
    ids, total = [], 0
    for delta in data["ids"]:
        total += delta
        ids.append(total)
    return ids


def test_typed_coordinates_without_js_are_precise(client, moderator, make_initiative):
    from tests.initiatives.test_moderation import edit_data

    initiative = make_initiative(status=Status.PENDING, latitude=None, longitude=None)
    client.force_login(moderator)
    client.post(
        reverse("initiatives:moderate_initiative", args=[initiative.pk]),
        edit_data(initiative, latitude="48.3812", longitude="-4.4871"),
    )
    initiative.refresh_from_db()
    assert initiative.status == Status.PUBLISHED
    assert initiative.latitude == pytest.approx(48.3812)
    assert not initiative.position_approximate


def test_approximate_points_are_not_neighbour_duplicates(make_initiative, moderator):
    one = make_initiative(status=Status.PENDING, latitude=None, longitude=None)
    two = make_initiative(latitude=None, longitude=None, name="Tout autre nom")
    two.position_approximate = True
    Initiative.objects.filter(pk=two.pk).update(
        latitude=48.4, longitude=-4.5, position_approximate=True
    )
    one.approve(by=moderator)
    assert services.likely_duplicates([one])[one.pk] == []


# Change proposals -------------------------------------------------------------


def test_proposal_of_kind_commune_coordinates_and_families(
    client, moderator, make_initiative, geo
):
    initiative = make_initiative(name="Café vélo")
    other_kind = Category.objects.exclude(pk=initiative.category_id).first()
    family = Family.objects.first()
    proposal = services.proposal_submit(
        initiative=initiative,
        changes={
            "category": other_kind.pk,
            "commune": geo.quimper.pk,
            "latitude": 47.99,
            "longitude": -4.1,
            "families": [family.pk],
        },
        message="Déménagé à Quimper",
        contact_email="",
    )
    client.force_login(moderator)
    url = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    html = client.get(url).content.decode()
    # Before and after, readable: names rather than keys.
    assert initiative.category.name in html and other_kind.name in html
    assert "Brest" in html and "Quimper" in html
    data = {
        "category": other_kind.pk,
        "commune": "Quimper (29)",
        "latitude": "47.99",
        "longitude": "-4.1",
        "families": [family.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    initiative.refresh_from_db()
    assert initiative.category == other_kind
    assert initiative.commune == geo.quimper
    assert (initiative.latitude, initiative.longitude) == (47.99, -4.1)
    assert list(initiative.families.all()) == [family]
    event = initiative.events.get(action="proposal_accepted")
    assert event.changes["commune"] == ["Brest (29)", "Quimper (29)"]


def test_proposal_form_proposes_only_what_changed(client, make_initiative, geo):
    import time

    from initiatives import forms

    initiative = make_initiative(name="Café vélo", address="1 rue")
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    page = client.get(url).content.decode()
    assert 'name="every_field"' in page and 'name="image"' in page
    data = {
        "every_field": "1",
        "name": initiative.name,
        "summary": initiative.summary,
        "description": "",
        "category": initiative.category_id,
        "commune": "Quimper (29)",
        "address": "1 rue",
        "latitude": "48.39",
        "longitude": "-4.49",
        "website": "",
        "organisation": "",
        "public_contact": "",
        "economic_model": "",
        "governance": "",
        "tags": "",
        "message": "Elle est à Quimper.",
        "contact_email": "",
        "contact_url": "",
        "started": forms.make_started_token(time.time() - 60),
    }
    assert client.post(url, data).status_code == 302
    assert ChangeProposal.objects.get().changes == {"commune": geo.quimper.pk}


def test_proposal_with_image_is_shown_and_applied(client, moderator, make_initiative):
    import time

    from initiatives import forms
    from tests.images import image_bytes, upload

    initiative = make_initiative(name="Sans photo")
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    response = client.post(
        url,
        {
            "name": initiative.name,
            "summary": initiative.summary,
            "image": upload(image_bytes()),
            "message": "Voici une photo.",
            "started": forms.make_started_token(time.time() - 60),
        },
    )
    assert response.status_code == 302
    proposal = ChangeProposal.objects.get()
    assert proposal.image and proposal.thumbnail
    client.force_login(moderator)
    decide = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    html = client.get(decide).content.decode()
    assert proposal.thumbnail.url in html
    client.post(decide, {"use_image": "on"})
    initiative.refresh_from_db()
    assert initiative.image.name == proposal.image.name


def test_proposal_fake_image_is_refused(client, make_initiative):
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    from initiatives import forms

    initiative = make_initiative()
    url = reverse("initiatives:propose_change", args=[initiative.slug])
    response = client.post(
        url,
        {
            "name": initiative.name,
            "summary": initiative.summary,
            "image": SimpleUploadedFile("x.jpg", b"<script>", "image/jpeg"),
            "message": "Photo",
            "started": forms.make_started_token(time.time() - 60),
        },
    )
    assert response.status_code == 400
    assert not ChangeProposal.objects.exists()


# Compare and merge ---------------------------------------------------------------


@pytest.fixture
def pair(make_initiative, geo):
    kept = make_initiative(name="Repair Café de Brest", tags=["réparation"])
    dropped = make_initiative(
        name="repair cafe brest",
        status=Status.PENDING,
        website="https://repair.example.org",
        tags=["vélo"],
        submitter_email="anne@example.org",
    )
    ModerationEvent.objects.create(
        initiative=dropped, action=ModerationEvent.Action.SUBMITTED
    )
    return kept, dropped


def test_compare_page_shows_both_records_field_by_field(client, moderator, pair):
    kept, dropped = pair
    client.force_login(moderator)
    html = client.get(
        reverse("initiatives:compare", args=[dropped.pk, kept.pk])
    ).content.decode()
    assert "Repair Café de Brest" in html and "repair cafe brest" in html
    assert "https://repair.example.org" in html
    assert 'class="differs"' in html
    assert "Fusionner" in html


def test_merge_moves_tags_history_links_and_archives_the_other(client, moderator, pair):
    kept, dropped = pair
    referential = Referential.objects.first()
    assessment = None
    if referential is not None:
        assessment = Assessment.objects.create(
            referential=referential, token="t" * 20, initiative=dropped
        )
    client.force_login(moderator)
    response = client.post(
        reverse("initiatives:compare", args=[dropped.pk, kept.pk]), {"keep": kept.pk}
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert dropped.status == Status.ARCHIVED
    assert sorted(kept.tags.names()) == ["réparation", "vélo"]
    assert kept.website == "https://repair.example.org"  # empty field filled
    assert kept.events.filter(action="submitted").exists()  # history moved
    assert kept.events.filter(action="merged").exists()
    assert dropped.events.get(action="archived").reason.startswith("Fusionnée dans")
    if assessment is not None:
        assessment.refresh_from_db()
        assert assessment.initiative == kept
    assert mail.outbox[-1].to == ["anne@example.org"]


def test_merge_refuses_an_already_archived_record(client, moderator, pair):
    kept, dropped = pair
    services.initiatives_merge(keep=kept, drop=dropped, by=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("initiatives:compare", args=[dropped.pk, kept.pk]),
        {"keep": kept.pk},
        follow=True,
    )
    assert "déjà été traitée par" in response.content.decode()
    assert kept.events.filter(action="merged").count() == 1


@pytest.mark.parametrize("keep", ["", "0", "abc"])
def test_merge_needs_a_choice(client, moderator, pair, keep):
    kept, dropped = pair
    client.force_login(moderator)
    response = client.post(
        reverse("initiatives:compare", args=[dropped.pk, kept.pk]),
        {"keep": keep},
        follow=True,
    )
    assert "Choisissez la fiche à garder." in response.content.decode()
    dropped.refresh_from_db()
    assert dropped.status == Status.PENDING


@pytest.mark.parametrize("role", ["anonymous", "citizen", "agent"])
def test_compare_is_for_moderators(client_for, pair, role):
    kept, dropped = pair
    url = reverse("initiatives:compare", args=[dropped.pk, kept.pk])
    assert client_for(role).get(url).status_code in (302, 403)
    assert client_for(role).post(url, {"keep": kept.pk}).status_code in (302, 403)
    dropped.refresh_from_db()
    assert dropped.status == Status.PENDING


def test_compare_same_record_is_404(client, moderator, pair):
    kept, _ = pair
    client.force_login(moderator)
    url = reverse("initiatives:compare", args=[kept.pk, kept.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "Jardin partagé des Capucins",
        "Œuvre — Cœur d'Île-de-France",
        "ÉPICERIE  Sociale & Solidaire",
        "Ça marche ! Vélo-école n°3",
        "Straße Ægir ﬁlm",
        "",
    ],
)
def test_fast_name_folding_matches_fold(name):
    from initiatives.services import _fold_name
    from observatoire.text import fold

    assert _fold_name(name) == fold(name)


@pytest.mark.parametrize("count", [10, 500])
def test_filtered_queue_query_count_is_constant(
    client, moderator, make_initiative, django_assert_num_queries, count
):
    """Guards the N+1 on each item's category and commune and on the duplicate
    search under a territory and source filter, on a later page."""
    for number in range(count):
        make_initiative(
            name=f"Proposition {number}",
            status=Status.PENDING,
            source="Import GoGoCarto",
            latitude=48.0 + number / 1000,
            longitude=-4.0,
        )
    client.force_login(moderator)
    query = {"lieu": "Finistère", "source": "Import GoGoCarto", "page": 2}
    # session, user, groups, sources, territory lookup, 2 pages and 2 counts
    # (the territory a subquery of each), duplicate candidates; the page
    # number past the end (10 pending) falls back to the last page.
    with django_assert_num_queries(9):
        response = client.get(QUEUE, query)
    assert response.status_code == 200


def test_proposed_tags_with_commas_survive_the_decision_form(
    client, moderator, make_initiative
):
    initiative = make_initiative(tags=["vélo"])
    proposal = services.proposal_submit(
        initiative=initiative,
        changes={"tags": ["réparation, réemploi", "vélo"]},
        message="Mots-clés",
        contact_email="",
    )
    client.force_login(moderator)
    url = reverse("initiatives:moderate_proposal", args=[proposal.pk])
    html = client.get(url).content.decode()
    assert "&quot;réparation, réemploi&quot;" in html
    client.post(url, {"tags": '"réparation, réemploi", vélo'})
    assert sorted(initiative.tags.names()) == ["réparation, réemploi", "vélo"]
