"""Data versions (observatoire.versions): every write path to initiatives gives
new cache keys, and writes elsewhere do not."""

import pytest
from django.core.cache import cache
from taggit.models import Tag

from ateliers.models import Workshop
from initiatives.models import Category, Initiative
from observatoire import versions
from observatoire.models import Territory

SCOPES = (versions.INITIATIVES,)


def initiatives_key():
    return versions.key("test", "same parts", scopes=SCOPES)


@pytest.fixture
def initiative(make_initiative):
    return make_initiative(status=Initiative.Status.PENDING)


def test_key_is_stable_while_nothing_changes(initiative):
    assert initiatives_key() == initiatives_key()


def test_key_depends_on_the_parts(db):
    assert versions.key("test", 1, scopes=SCOPES) != versions.key(
        "test", 2, scopes=SCOPES
    )


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda i: i.save(), id="save"),
        pytest.param(
            lambda i: Initiative.objects.filter(pk=i.pk).update(
                status=Initiative.Status.PUBLISHED
            ),
            id="queryset-update",
        ),
        pytest.param(lambda i: i.delete(), id="delete"),
        pytest.param(lambda i: i.tags.add("jardin"), id="tag-added"),
        pytest.param(lambda i: i.families.clear() or i.families.add(1), id="m2m"),
        pytest.param(
            lambda i: Initiative.objects.bulk_create(
                [
                    Initiative(
                        name="Autre",
                        slug="autre",
                        summary="…",
                        category=i.category,
                        commune=i.commune,
                    )
                ]
            ),
            id="bulk-create",
        ),
        pytest.param(
            lambda i: Category.objects.filter(pk=i.category_id).first().save(),
            id="vocabulary-renamed",
        ),
    ],
)
def test_every_write_path_gives_a_new_key(initiative, write):
    before = initiatives_key()
    write(initiative)
    assert initiatives_key() != before


def test_an_update_that_matches_no_row_keeps_the_key(initiative):
    before = initiatives_key()
    Initiative.objects.filter(pk=-1).update(name="x")
    assert initiatives_key() == before


def test_other_parts_do_not_invalidate_initiatives(initiative, geo):
    before = initiatives_key()
    Workshop.objects.create(title="Atelier", slug="atelier", territory=geo.brest)
    assert initiatives_key() == before


def test_tagging_another_kind_of_content_keeps_the_initiatives_key(initiative, geo):
    workshop = Workshop.objects.create(title="Atelier", slug="atelier")
    before = initiatives_key()
    workshop.tags.add("jardin")
    assert initiatives_key() == before


def test_a_renamed_tag_changes_the_tags_scope(initiative):
    initiative.tags.add("jardin")
    before = versions.key("test", scopes=(versions.TAGS,))
    Tag.objects.filter(slug="jardin").first().save()
    assert versions.key("test", scopes=(versions.TAGS,)) != before


def test_a_lost_version_gives_a_new_key_never_an_old_one(initiative):
    before = initiatives_key()
    cache.clear()
    assert initiatives_key() != before


@pytest.mark.django_db(transaction=True)
def test_the_version_changes_again_once_the_transaction_commits(geo):
    """A request served between the write and the commit reads the old rows:
    whatever it caches must be keyed by a version the commit retires."""
    from django.db import transaction

    category = Category.objects.create(name="Essai", slug="essai")
    with transaction.atomic():
        Initiative.objects.create(
            name="Jardin",
            slug="jardin",
            summary="…",
            category=category,
            commune=geo.brest,
        )
        during = initiatives_key()
    assert initiatives_key() != during


@pytest.mark.parametrize(
    "scope, write",
    [
        pytest.param(
            versions.ATELIERS,
            lambda geo: Workshop.objects.filter(pk__gte=0).update(title="Renommé"),
            id="workshops-update",
        ),
        pytest.param(
            versions.TERRITORIES,
            lambda geo: Territory.objects.filter(pk=geo.brest.pk).update(name="B"),
            id="territories-update",
        ),
        pytest.param(
            versions.INITIATIVES,
            lambda geo: Category.objects.filter(pk__gte=0).update(colour="#000000"),
            id="vocabulary-update",
        ),
    ],
)
def test_bulk_writes_of_every_part_give_new_keys(geo, scope, write):
    Workshop.objects.create(title="Atelier", slug="atelier", territory=geo.brest)
    before = versions.key("test", scopes=(scope,))
    write(geo)
    assert versions.key("test", scopes=(scope,)) != before


def test_a_model_without_versioned_queryset_cannot_be_watched():
    from django.contrib.sessions.models import Session
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="VersionedQuerySet"):
        versions.watch(Session, versions.INITIATIVES)
