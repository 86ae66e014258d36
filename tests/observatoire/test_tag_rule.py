"""One rule for every tag typed anywhere (observatoire/tags.py): at most 90
characters, a slug that can address the tag's page. Tags made before the rule
are repaired by a migration and never break a page."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from taggit.models import Tag

from ateliers.models import Item, Workshop
from initiatives.models import Initiative
from referentiel.models import Entry, Referential
from tests.initiatives.test_submission import URL as SUBMIT_URL
from tests.initiatives.test_submission import valid_data

TOO_LONG = "a" * 91
# Taggit's column: PostgreSQL refuses more (SQLite would store it).
OVER_COLUMN = "b" * 101
BAD_TAGS = [
    ("!!!", "ni lettre ni chiffre latin"),
    ("日本語", "ni lettre ni chiffre latin"),
    (TOO_LONG, "90 caractères au plus"),
    (OVER_COLUMN, "90 caractères au plus"),
]


@pytest.mark.parametrize(("tag", "message"), BAD_TAGS)
def test_public_submission_refuses_the_tag(client, geo, tag, message):
    response = client.post(SUBMIT_URL, valid_data(tags=f"compost, {tag}"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Initiative.objects.exists()


@pytest.mark.parametrize(("tag", "message"), BAD_TAGS)
def test_workshop_forms_refuse_the_tag(client_for, make_workshop, tag, message):
    client = client_for("facilitator")
    response = client.post(
        reverse("ateliers:create"), {"title": "Atelier", "tags": f"eau, {tag}"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Workshop.objects.filter(title="Atelier").exists()

    workshop = make_workshop("Atelier\n\nEnjeux\n- e1\n", published=False)
    item = Item.objects.get(text="e1")
    client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {f"item-{item.pk}-text": "e1 bis", f"item-{item.pk}-tags": tag},
    )
    item.refresh_from_db()
    assert item.text == "e1"
    assert not item.tags.exists()


@pytest.mark.parametrize(("tag", "message"), BAD_TAGS)
def test_referential_entry_edit_refuses_the_tag(client_for, referential, tag, message):
    entry = Entry.objects.get(slug="animer-le-collectif")
    response = client_for("facilitator").post(
        reverse("referentiel:entry_edit", args=[entry.slug]),
        {"title": "Nouveau titre", "tags": tag},
    )
    assert message in response.content.decode()
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"


@pytest.mark.parametrize(
    "model", [Initiative, Workshop, Item, Entry, Referential], ids=lambda m: m.__name__
)
def test_the_admin_forms_obey_the_rule_too(rf, model):
    model_admin = admin.site._registry[model]
    field = model_admin.formfield_for_dbfield(
        model._meta.get_field("tags"), rf.get("/")
    )
    with pytest.raises(ValidationError, match="ni lettre ni chiffre latin"):
        field.clean("ok, !!!")


def test_accents_and_ligatures_still_make_a_slug(client, geo):
    response = client.post(SUBMIT_URL, valid_data(tags="Éducation populaire, vélo"))
    assert response.status_code == 302
    slugs = set(Tag.objects.values_list("slug", flat=True))
    assert slugs == {"education-populaire", "velo"}


@pytest.fixture
def bad_tags(db):
    """Tags stored before the rule: an empty slug and a non-ASCII one."""
    return [
        Tag.objects.create(name="!!!", slug=""),
        Tag.objects.create(name="日本", slug="日本"),
    ]


def test_pages_listing_a_tag_stored_before_the_rule_still_render(
    client, client_for, bad_tags, make_initiative, make_workshop
):
    initiative = make_initiative(name="Jardin")
    initiative.tags.add(*bad_tags)
    workshop = make_workshop()
    workshop.tags.add(*bad_tags)
    for url in (initiative.get_absolute_url(), workshop.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "!!!" in response.content.decode(), url
    printed = client.get(reverse("ateliers:print", args=[workshop.slug]))
    assert printed.status_code == 200
    pending = make_initiative(name="En attente", status=Initiative.Status.PENDING)
    pending.tags.add(*bad_tags)
    preview = client_for("moderator").get(
        reverse("initiatives:moderate_initiative", args=[pending.pk])
    )
    assert preview.status_code == 200
    assert "!!!" in preview.content.decode()


def test_migration_repairs_slugs_that_cannot_be_addresses(bad_tags):
    Tag.objects.create(name="mot clé", slug="mot-cle")
    migration = importlib.import_module("observatoire.migrations.0008_repair_tag_slugs")
    migration.repair(apps, None)
    slugs = dict(Tag.objects.values_list("name", "slug"))
    assert slugs == {"!!!": "mot-cle-2", "日本": "mot-cle-3", "mot clé": "mot-cle"}
    for slug in slugs.values():
        reverse("tag_detail", args=[slug])
