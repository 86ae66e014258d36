import io

import pytest
from django.core.management import CommandError, call_command

from initiatives.generator import DEMO_SOURCE, ensure_demo_initiatives
from initiatives.models import Initiative
from observatoire.models import Territory


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_demo_initiatives", *map(str, args), stdout=out)
    return out.getvalue()


def test_generates_published_demo_initiatives_near_real_communes(geo):
    out = generate(60, "--seed", 1)
    assert "60 initiatives de démonstration créées" in out
    assert "60/60 initiatives créées" in out
    initiatives = Initiative.objects.select_related("commune")
    assert initiatives.count() == 60
    communes = {initiative.commune for initiative in initiatives}
    assert communes <= {geo.brest, geo.quimper, geo.lyon}
    assert len(communes) >= 2
    for initiative in initiatives:
        assert initiative.is_demo
        assert initiative.source == DEMO_SOURCE
        assert initiative.status == Initiative.Status.PUBLISHED
        assert initiative.published_at is not None
        assert abs(initiative.latitude - initiative.commune.latitude) < 0.5
        assert abs(initiative.longitude - initiative.commune.longitude) < 0.5
        assert initiative.search_text == initiative.build_search_text()
        assert initiative.commune.name in initiative.name
    assert Initiative.objects.filter(families__isnull=False).distinct().count() == 60
    assert Initiative.objects.published().search(geo.quimper.name).exists()


def test_generated_initiatives_show_in_the_list_and_map(client, geo):
    generate(30)
    response = client.get("/initiatives/", {"territoire": geo.lyon.slug})
    lyon = Initiative.objects.filter(commune=geo.lyon).count()
    assert response.context["paginator"].count == lyon
    assert client.get("/carte/donnees.json").json()["count"] == 30


def test_running_twice_adds_more_without_slug_clashes(geo):
    generate(20, "--seed", 3)
    generate(20, "--seed", 3)
    assert Initiative.objects.count() == 40


def test_without_territories_says_what_to_load(db):
    assert not Territory.objects.exists()
    with pytest.raises(CommandError, match="load_territories"):
        generate(5)


@pytest.mark.parametrize("count", [0, -3])
def test_count_must_be_positive(geo, count):
    with pytest.raises(CommandError, match="positif"):
        generate(count)


def test_count_must_be_a_number(geo):
    with pytest.raises(CommandError):
        generate("beaucoup")


def test_communes_without_centroid_get_a_point_in_their_departement(geo):
    Territory.objects.communes().update(latitude=None, longitude=None)
    generate(40, "--seed", 5)
    for initiative in Initiative.objects.select_related("commune__parent"):
        if initiative.commune.parent.code == "29":
            assert 47 < initiative.latitude < 49.5
            assert -5.5 < initiative.longitude < -3
        else:
            assert 44.5 < initiative.latitude < 47
            assert 3.5 < initiative.longitude < 6


def test_ensure_demo_initiatives_tops_up_and_is_idempotent(geo):
    assert ensure_demo_initiatives(count=12) == 12
    assert ensure_demo_initiatives(count=12) == 0
    assert ensure_demo_initiatives(count=15) == 3
    assert Initiative.objects.filter(is_demo=True).count() == 15


def test_ensure_demo_initiatives_waits_for_territories(db):
    assert ensure_demo_initiatives(count=12) == 0


def test_refused_on_a_production_database_unless_forced(geo, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("ALLOW_DEMO_DATA", raising=False)
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        generate(5)
    assert not Initiative.objects.exists()
    generate(5, "--force")
    assert Initiative.objects.count() == 5
