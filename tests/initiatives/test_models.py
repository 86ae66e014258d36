"""Model behaviour: seeded vocabularies, slugs, state changes, demo loader."""

import io

import pytest
from django.urls import reverse

from initiatives import demo
from initiatives.models import (
    ActionLevel,
    Category,
    ChangeProposal,
    Family,
    Initiative,
    ModerationEvent,
    ResourceType,
)


def test_vocabularies_are_seeded(db):
    assert list(Family.objects.values_list("name", flat=True)) == [
        "Libre",
        "Solidaire",
        "Durable",
        "Culturel",
    ]
    assert Family.objects.get(slug="libre").description.startswith("Logiciel libre")
    assert ActionLevel.objects.count() == 4
    assert ActionLevel.objects.first().name == "La transition individuelle"
    assert ActionLevel.objects.last().name == (
        "Les interactions avec les autres groupes et le politique"
    )
    assert list(ResourceType.objects.values_list("slug", flat=True)) == [
        "benevolat",
        "ressources-publiques",
        "ressources-privees",
    ]
    slugs = set(Category.objects.values_list("slug", flat=True))
    assert {"jardin-partage", "repair-cafe", "fab-lab", "tiers-lieu", "amap"} <= slugs
    assert all(c.icon and c.colour.startswith("#") for c in Category.objects.all())


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_category_colours_contrast_with_white_letters(db):
    for category in Category.objects.all():
        ratio = 1.05 / (_luminance(category.colour) + 0.05)
        assert ratio >= 4.5, category.name


def test_slugs_are_unique_and_stable(make_initiative):
    first = make_initiative(name="Café associatif")
    second = make_initiative(name="Café associatif")
    assert (first.slug, second.slug) == ("cafe-associatif", "cafe-associatif-2")
    first.name = "Autre nom"
    first.save()
    assert first.slug == "cafe-associatif"
    assert first.get_absolute_url() == reverse("initiatives:detail", args=[first.slug])


def test_approve_sets_published_at_once(make_initiative, moderator):
    initiative = make_initiative(status=Initiative.Status.PENDING)
    initiative.approve(by=moderator)
    published_at = initiative.published_at
    assert published_at is not None
    initiative.archive(by=moderator)
    initiative.approve(by=moderator)
    initiative.refresh_from_db()
    assert initiative.published_at == published_at
    assert list(initiative.events.values_list("action", flat=True)) == [
        "approved",
        "archived",
        "approved",
    ]


def test_reject_records_reason_and_actor(make_initiative, moderator):
    initiative = make_initiative(status=Initiative.Status.PENDING)
    event = initiative.reject(by=moderator, reason="Hors sujet")
    initiative.refresh_from_db()
    assert initiative.status == Initiative.Status.REJECTED
    assert (event.actor, event.reason, event.action) == (
        moderator,
        "Hors sujet",
        ModerationEvent.Action.REJECTED,
    )
    assert str(event) == "Refusée — " + initiative.name


def test_proposal_accept_ignores_fields_outside_the_allowed_list(
    make_initiative, moderator
):
    initiative = make_initiative(name="Avant")
    proposal = ChangeProposal.objects.create(
        initiative=initiative,
        changes={"name": "Après", "status": "rejected", "submitter_email": "x@y.z"},
        message="Nouveau nom",
    )
    proposal.accept(by=moderator)
    initiative.refresh_from_db()
    assert initiative.name == "Après"
    assert initiative.status == Initiative.Status.PUBLISHED
    assert initiative.submitter_email == ""
    assert "Avant" in str(proposal) or "Après" in str(proposal)


def test_demo_loader_is_idempotent(geo, moderator):
    out = io.StringIO()
    first = demo.load(stdout=out)
    assert "initiatives de démonstration ajoutées" in first
    count = Initiative.objects.count()
    assert count >= 4
    assert Initiative.objects.filter(is_demo=True).count() == count
    assert Initiative.objects.published().exists()
    assert Initiative.objects.pending().exists()
    demo.load(stdout=out)
    assert Initiative.objects.count() == count
    assert ChangeProposal.objects.count() == 1


@pytest.mark.parametrize("model", [Category, Family, ActionLevel, ResourceType])
def test_vocabulary_str(db, model):
    obj = model.objects.first()
    assert str(obj) == obj.name
