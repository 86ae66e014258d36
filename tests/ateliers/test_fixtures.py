"""The four seed syntheses load faithfully: checked against the seed files."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ateliers import parsing, services
from ateliers.models import Item, Section, Workshop
from tests.ateliers.conftest import SEED_FILES, SEEDS_DIR
from tests.ateliers.test_parsing import assert_no_line_lost, lines

SHARED_SEEDS = Path("/work/shared/seeds")


def test_fixture_files_are_the_seed_documents_byte_for_byte():
    assert [p.name[:3] for p in SEED_FILES] == ["000", "002", "003", "004"]
    if not SHARED_SEEDS.exists():
        pytest.skip("original seed folder not available here")
    for path in SEED_FILES:
        assert path.read_bytes() == (SHARED_SEEDS / path.name).read_bytes()


def test_every_line_of_every_seed_is_in_the_database_in_order(seeds):
    manifest = {w.slug: w for w in seeds}
    assert len(manifest) == 4
    for path, workshop in zip(SEED_FILES, seeds, strict=True):
        text = path.read_text("utf-8")
        stored = services.workshop_as_dict(workshop)
        # Same sections, themes, items and nesting as the parser reads in the file…
        assert stored == parsing.parse(text).as_dict(), path.name
        # …and the parser's reading loses no line of the file.
        rebuilt = parsing.parse(parsing.to_markdown(stored))
        assert_no_line_lost(text, rebuilt)


def test_lines_land_in_the_right_section_theme_and_nesting(seeds):
    item = Item.objects.get(text="Gérer les conflits.")
    assert item.section.kind == "vigilance"
    assert item.theme.title == "Difficultés à coopérer"
    assert item.section.workshop.slug == "domino-axe-1-de-l-individu-au-collectif"

    nested = Item.objects.get(text="Quelles convergences\xa0?")
    assert nested.parent.text == "Description"
    assert nested.parent.parent.text.startswith("Jeudi 7/07")
    assert nested.section.kind == "programme"

    conclusion = Item.objects.get(text=">>> Production d'un contexte")
    assert conclusion.theme.title == "Déclenchement/détection d'innovations"
    assert conclusion.section.kind == "opportunites"

    porteurs = Section.objects.get(kind="porteurs")
    assert porteurs.people == ["Michel Briand", "Anne Berlemont"]
    preamble = Section.objects.get(kind="autre")
    assert preamble.text == "De Forum des Usages Coopératifs"


def test_summary_diagrams_are_referenced_by_name(seeds, client):
    axe1 = Workshop.objects.get(slug="domino-axe-1-de-l-individu-au-collectif")
    axe3 = Workshop.objects.get(
        slug="domino-axe-3-pratiques-collaboratives-et-solidarites"
    )
    assert axe1.summary_image_name == "retsitution_axe_1_V2.png"
    assert axe3.summary_image_name == "retsitution_axe_3_V2.png"
    response = client.get(axe1.get_absolute_url())
    assert "retsitution_axe_1_V2.png" in response.content.decode()


def test_seeds_carry_source_and_licence(seeds):
    forum = Workshop.objects.get(slug="territoire-cooperation-et-transitions-2016")
    assert forum.source_url.startswith("http://archives.forum-usages-cooperatifs.net/")
    assert forum.event.name == "Forum des Usages Coopératifs 2016"
    assert all(w.licence for w in seeds)
    assert (SEEDS_DIR / "SOURCE.md").exists()


def test_loading_twice_changes_nothing(seeds):
    counts = (Workshop.objects.count(), Item.objects.count())
    again = services.seeds_load()
    assert [created for _, created in again] == [False] * 4
    assert (Workshop.objects.count(), Item.objects.count()) == counts


def test_forum_session_is_placed_in_brest_when_territories_are_loaded(geo):
    services.seeds_load()
    forum = Workshop.objects.get(slug="territoire-cooperation-et-transitions-2016")
    assert forum.territory == geo.brest


def test_demo_module_summary(db):
    import io

    from ateliers import demo

    out = io.StringIO()
    assert demo.load(stdout=out) == "4 ateliers (4 créés)"
    assert demo.load(stdout=out) == "4 ateliers (0 créés)"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(lines)
def test_database_stores_any_parsed_structure_faithfully(db, parts):
    parsed = parsing.parse("\n".join(parts))
    workshop = services.workshop_create_from_parsed(parsed=parsed)
    stored = services.workshop_as_dict(workshop)
    expected = parsed.as_dict()
    if parsed.title:
        expected["title"] = parsed.title
    else:
        expected["title"] = "Atelier sans titre"
    assert stored == expected
    workshop.delete()
