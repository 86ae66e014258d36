"""Stored tallies (observatoire/tallies.py): France, régions and départements
add up stored areas, which must always say what a live count says — after
every write path, on every app server, whatever the cache holds."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from initiatives import services
from initiatives.models import Family, Initiative
from observatoire import tallies
from observatoire.models import Summary, Territory
from tests.observatoire.conftest import fresh


@pytest.fixture(autouse=True)
def _clear_cache(db):
    cache.clear()
    yield
    cache.clear()


def live_count(territory) -> tallies.Tally:
    """What a live count over every published initiative inside says."""
    scope = Q() if territory.is_everywhere else territory.inside("commune")
    return tallies.count(scope, by_area=False).get(tallies.NOWHERE, tallies.Tally())


def stored(territory) -> tallies.Tally:
    return tallies.of([territory])[0]


def assert_stored_is_live(*territories):
    for territory in territories:
        territory = fresh(territory)
        found = stored(territory)
        # Stored tallies also give their départements' counts.
        assert sum(found.parts.values()) == found.initiatives
        found.parts.clear()
        assert found == live_count(territory), territory.name


def test_stored_tallies_say_what_a_live_count_says(land):
    assert_stored_is_live(land.france, land.bretagne, land.finistere, land.rhone)
    bretagne = stored(fresh(land.bretagne))
    assert bretagne.initiatives == 4
    assert bretagne.links("families")[Family.objects.get(slug="libre").pk] == 2
    assert sum(bretagne.tags.values()) == 3  # compost twice, vélo once
    assert bretagne.parts == {land.finistere.pk: 4}


def test_clearing_the_cache_costs_no_recount(land):
    stored(fresh(land.france))
    cache.clear()
    france = fresh(land.france)
    with CaptureQueriesContext(connection) as queries:
        assert stored(france).initiatives == 6
    # The areas' tokens and France's total read, nothing counted.
    assert len(queries) == 2
    assert not any("initiatives_initiative" in q["sql"] for q in queries)


def test_a_recount_costs_the_same_queries_whatever_the_initiatives(
    land, make_initiative
):
    def recount_queries() -> int:
        tallies.mark_everywhere()
        with CaptureQueriesContext(connection) as queries:
            stored(fresh(land.france))
        return len(queries)

    stored(fresh(land.france))  # the rows exist, as after the first reader
    small = recount_queries()
    for n in range(40):
        make_initiative(
            commune=[land.brest, land.quimper, land.lyon][n % 3],
            families=list(Family.objects.all()[: n % 3]),
            tags=[f"mot {n % 7}"],
            creation_year=2000 + n % 20,
        )
    assert recount_queries() == small


def test_a_pending_submission_marks_nothing(land, make_initiative):
    stored(fresh(land.france))
    make_initiative(commune=land.brest, status=Initiative.Status.PENDING)
    assert not Summary.objects.filter(stale=True).exists()


def _publish(land, make_initiative, moderator):
    pending = make_initiative(commune=land.quimper, status=Initiative.Status.PENDING)
    services.initiative_approve(initiative=pending, by=moderator)


def _move(land, make_initiative, moderator):
    # A Lyon initiative edited to Quimper: Rhône loses it, Finistère gains it.
    initiative = Initiative.objects.get(pk=land.lyon_initiatives[0].pk)
    initiative.commune = land.quimper
    initiative.save()


def _unpublish_in_bulk(land, make_initiative, moderator):
    Initiative.objects.filter(commune=land.brest).update(
        status=Initiative.Status.ARCHIVED
    )


def _move_in_bulk(land, make_initiative, moderator):
    Initiative.objects.filter(commune=land.lyon).update(commune=land.quimper)


def _delete(land, make_initiative, moderator):
    Initiative.objects.get(pk=land.quimper_initiative.pk).delete()


def _add_family(land, make_initiative, moderator):
    initiative = Initiative.objects.get(pk=land.quimper_initiative.pk)
    initiative.families.add(Family.objects.get(slug="libre"))


def _family_from_its_side(land, make_initiative, moderator):
    Family.objects.get(slug="durable").initiative_set.add(*land.lyon_initiatives)


def _tag(land, make_initiative, moderator):
    Initiative.objects.get(pk=land.quimper_initiative.pk).tags.add("compost")


def _bulk_create(land, make_initiative, moderator):
    model = land.quimper_initiative
    Initiative.objects.bulk_create(
        [
            Initiative(
                name=f"Importée {n}",
                slug=f"importee-{n}",
                summary="Importée.",
                category=model.category,
                commune=land.quimper,
                status=Initiative.Status.PUBLISHED,
            )
            for n in range(3)
        ]
    )


def _refreshed_then_moved(land, make_initiative, moderator):
    # Read while pending, published elsewhere, refreshed, then moved: the
    # area it was published in must be marked too.
    initiative = make_initiative(commune=land.lyon, status=Initiative.Status.PENDING)
    Initiative.objects.filter(pk=initiative.pk).update(
        status=Initiative.Status.PUBLISHED
    )
    assert_stored_is_live(land.rhone)
    initiative.refresh_from_db()
    initiative.commune = land.quimper
    initiative.save()


def _reparent_commune(land, make_initiative, moderator):
    # Territories reloaded: Lyon now said to be in Finistère.
    lyon = Territory.objects.get(pk=land.lyon.pk)
    lyon.parent = land.finistere
    lyon.save()


def _merge(land, make_initiative, moderator):
    keep, drop = land.brest_initiatives[:2]
    services.initiatives_merge(keep=keep, drop=drop, by=moderator)


@pytest.mark.parametrize(
    "write",
    [
        _publish,
        _move,
        _unpublish_in_bulk,
        _move_in_bulk,
        _delete,
        _add_family,
        _family_from_its_side,
        _tag,
        _bulk_create,
        _refreshed_then_moved,
        _reparent_commune,
        _merge,
    ],
)
def test_every_write_path_shows_on_the_next_read(
    land, make_initiative, django_user_model, write
):
    moderator = django_user_model.objects.create_user("moderatrice")
    everywhere = [land.france, land.bretagne, land.finistere, land.ara, land.rhone]
    assert_stored_is_live(*everywhere)  # every area stored and fresh
    before = [live_count(fresh(t)) for t in everywhere]
    write(land, make_initiative, moderator)
    # The write changed some count (else the test would prove nothing)…
    assert [live_count(fresh(t)) for t in everywhere] != before
    # …and the stored tallies say it on the next read.
    assert_stored_is_live(*everywhere)


def test_a_recount_started_before_a_write_does_not_overwrite_its_mark(land):
    finistere = fresh(land.finistere)
    stored(finistere)
    tallies.mark([finistere.pk])
    area = (tallies.AREA, finistere.pk)
    read = Summary.objects.get(scope=tallies.AREA, key=finistere.pk)
    counted = tallies.count(tallies._area_scope([finistere.pk]), by_area=True)
    # A write marks the area while the recount runs…
    tallies.mark([finistere.pk])
    tallies._write_back({area: counted[finistere.pk]}, {area: read.token})
    # …so the old recount is not stored: the area stays to be recounted.
    assert Summary.objects.get(scope=tallies.AREA, key=finistere.pk).stale
    # A recount that read the current token is stored.
    read = Summary.objects.get(scope=tallies.AREA, key=finistere.pk)
    tallies._write_back({area: counted[finistere.pk]}, {area: read.token})
    assert not Summary.objects.get(scope=tallies.AREA, key=finistere.pk).stale


def test_loaddata_marks_everything(land, tmp_path):
    stored(fresh(land.france))
    initiative = Initiative.objects.get(pk=land.quimper_initiative.pk)
    fixture = tmp_path / "one.json"
    call_command(
        "dumpdata",
        "initiatives.initiative",
        f"--pks={initiative.pk}",
        output=str(fixture),
        verbosity=0,
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert Summary.objects.get(scope=tallies.AREA, key=tallies.EVERYWHERE).stale
    assert not Summary.objects.filter(scope=tallies.AREA, stale=False).exists()


@pytest.mark.parametrize("territory", [None, "bretagne", "finistere"])
def test_list_facets_from_stored_tallies_equal_live_counts(
    client, land, make_initiative, monkeypatch, territory
):
    """The list as first opened, or narrowed to a région or a département,
    takes its facet counts from the stored tallies: the same as counted."""
    from initiatives import filters

    make_initiative(commune=land.lyon, tags=["compost", "zéro déchet"])
    params = {"territoire": getattr(land, territory).slug} if territory else {}

    def shown():
        cache.clear()
        response = client.get("/initiatives/", params)
        return [
            (f.key, [(o.value, o.count, o.selected) for o in f.options])
            for f in response.context["facets"]
        ]

    shown()  # the first reader recounts what the writes marked
    with CaptureQueriesContext(connection) as queries:
        stored_facets = shown()
    # Nothing but the stored rows was read for the counts.
    assert not any(
        "initiatives_initiative_families" in q["sql"] for q in queries.captured_queries
    )
    monkeypatch.setattr(filters, "_stored_tally", lambda filterset: None)
    assert stored_facets == shown()
    assert any(count for _key, options in stored_facets for _v, count, _s in options)
