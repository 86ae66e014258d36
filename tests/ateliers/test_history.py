"""Issue 10 item 14: who changed a workshop and when, and a trash to undo a
deletion for a while."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ateliers import services
from ateliers.models import Item, Workshop, WorkshopChange

NOT_FACILITATORS = ["anonymous", "citizen", "moderator", "agent"]


@pytest.fixture
def workshop(make_workshop):
    return make_workshop("Atelier suivi\n\nEnjeux\n- e1\n- e2\n")


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


def edit_url(workshop):
    return reverse("ateliers:edit", args=[workshop.slug])


def test_changes_are_recorded_with_who_and_what_and_shown_on_the_edit_page(
    facilitator_client, facilitator, workshop
):
    item = Item.objects.get(text="e1")
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {f"item-{item.pk}-text": "e1 corrigé", f"item-{item.pk}-tags": ""},
    )
    facilitator_client.post(
        reverse("ateliers:publish", args=[workshop.slug]), {"action": "unpublish"}
    )
    facilitator_client.post(edit_url(workshop), {"title": "Atelier suivi, titre revu"})
    changes = list(workshop.changes.all())
    assert [c.action for c in changes[:3]] == ["info", "unpublished", "content"]
    assert all(c.by == facilitator for c in changes[:3])
    assert "« e1 »" in changes[2].summary and "Texte" in changes[2].summary
    assert changes[0].summary == "Titre"
    html = facilitator_client.get(edit_url(workshop)).content.decode()
    assert "Historique des modifications" in html
    assert facilitator.username in html
    assert "Retour en brouillon" in html


def test_history_text_is_escaped(facilitator_client, workshop):
    item = Item.objects.get(text="e1")
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {f"item-{item.pk}-text": "<script>x</script>"},
    )
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {f"item-{item.pk}-text": "sain"},
    )
    html = facilitator_client.get(edit_url(workshop)).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_trash_hides_everywhere_then_restore_brings_back_a_draft(
    facilitator_client, client, workshop
):
    public = workshop.get_absolute_url()
    response = facilitator_client.post(reverse("ateliers:delete", args=[workshop.slug]))
    assert response["Location"] == reverse("ateliers:trash")
    workshop = Workshop.all_objects.get(pk=workshop.pk)
    assert workshop.is_in_trash and not workshop.is_published
    assert facilitator_client.get(public).status_code == 404
    assert facilitator_client.get(edit_url(workshop)).status_code == 404
    gathered = client.get(reverse("ateliers:enjeux")).content.decode()
    assert "Atelier suivi" not in gathered
    assert not Workshop.objects.filter(pk=workshop.pk).exists()
    trash = facilitator_client.get(reverse("ateliers:trash")).content.decode()
    assert "Atelier suivi" in trash and "30 jours" in trash
    facilitator_client.post(reverse("ateliers:restore", args=[workshop.pk]))
    workshop.refresh_from_db()
    assert not workshop.is_in_trash
    assert workshop.status == Workshop.Status.DRAFT
    assert Item.objects.filter(section__workshop=workshop).count() == 2
    assert [c.action for c in workshop.changes.all()[:2]] == ["restored", "trashed"]


def test_a_new_workshop_does_not_take_the_address_of_one_in_the_trash(
    make_workshop, workshop
):
    services.workshop_trash(workshop=workshop, by=None)
    other = make_workshop("Atelier suivi\n\nEnjeux\n- x\n")
    assert other.slug != workshop.slug


@pytest.mark.parametrize("role", NOT_FACILITATORS)
def test_only_facilitators_delete_see_the_trash_or_restore(client_for, workshop, role):
    client = client_for(role)
    expected = {302} if role == "anonymous" else {403}
    assert (
        client.post(reverse("ateliers:delete", args=[workshop.slug])).status_code
        in expected
    )
    assert client.get(reverse("ateliers:trash")).status_code in expected
    workshop.trash()
    assert (
        client.post(reverse("ateliers:restore", args=[workshop.pk])).status_code
        in expected
    )
    assert Workshop.all_objects.get(pk=workshop.pk).is_in_trash


def test_delete_and_restore_reject_get(facilitator_client, workshop):
    assert (
        facilitator_client.get(
            reverse("ateliers:delete", args=[workshop.slug])
        ).status_code
        == 405
    )
    assert (
        facilitator_client.get(
            reverse("ateliers:restore", args=[workshop.pk])
        ).status_code
        == 405
    )


def test_restoring_a_workshop_not_in_the_trash_is_404(facilitator_client, workshop):
    response = facilitator_client.post(reverse("ateliers:restore", args=[workshop.pk]))
    assert response.status_code == 404


def test_purge_deletes_only_what_stayed_longer_than_the_delay(make_workshop, settings):
    settings.ATELIERS_TRASH_DAYS = 30
    old = make_workshop("Vieux\n\nEnjeux\n- a\n")
    recent = make_workshop("Récent\n\nEnjeux\n- b\n")
    kept = make_workshop("Gardé\n\nEnjeux\n- c\n")
    old.trash()
    recent.trash()
    Workshop.all_objects.filter(pk=old.pk).update(
        deleted_at=timezone.now() - datetime.timedelta(days=31)
    )
    out = StringIO()
    call_command("purge_workshops", "--dry-run", stdout=out)
    assert "Vieux" in out.getvalue() and "rien n'a été effacé" in out.getvalue()
    assert Workshop.all_objects.filter(pk=old.pk).exists()
    out = StringIO()
    call_command("purge_workshops", stdout=out)
    assert "1 atelier(s) effacé(s)" in out.getvalue()
    assert set(Workshop.all_objects.values_list("title", flat=True)) == {
        "Récent",
        "Gardé",
    }
    assert not Item.objects.filter(text="a").exists()
    assert (
        kept.changes.exists()
        and not WorkshopChange.objects.filter(workshop_id=old.pk).exists()
    )
