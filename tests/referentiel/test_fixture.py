"""The fixture holds the whole seed document, in order, with its source."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from referentiel.models import Entry, Part, Referential, Section
from referentiel.services import (
    FIXTURE_PATH,
    FixtureError,
    referential_markdown,
    referentiel_load,
)

# The seed as received, kept next to the fixture so this test runs anywhere.
SEED = FIXTURE_PATH.parent / "source-001.txt"
SHARED_SEED = (
    Path(settings.BASE_DIR).parent / "shared" / "seeds" / "001_bbf9284798ef1528.txt"
)
HEADING = "[modifier | modifier le wikicode]"
METADATA_LINES = 7  # title, then tags, theme, challenge, communities, chat, "Autres…"


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="graine partagée absente")
def test_the_kept_copy_of_the_seed_is_identical_to_the_shared_seed():
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def seed_lines() -> list[str]:
    return [line for line in SEED.read_text(encoding="utf-8").split("\n") if line]


def seed_sequence() -> list[str]:
    """Every heading, paragraph and bullet of the seed's body, in order."""
    sequence = []
    for line in seed_lines()[METADATA_LINES:]:
        if line.endswith(HEADING):
            sequence.append(line.removesuffix(HEADING))
        else:
            sequence.append(line.removeprefix("- "))
    return sequence


def fixture() -> dict:
    return json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))


def entry_text(entry: dict) -> str:
    if entry["description"]:
        return f"{entry['title']} : {entry['description']}"
    return entry["title"]


def fixture_sequence(data: dict) -> list[str]:
    meta = data["referential"]
    sequence = [meta["programme"], *meta["objectives"], "Introduction"]
    sequence += meta["introduction"]
    for part in data["parts"]:
        sequence += [part["title"], *part["intro"]]
        sequence += [entry_text(e) for e in part["entries"]]
        for section in part["sections"]:
            sequence += [section["title"], *section["intro"]]
            sequence += [entry_text(e) for e in section["entries"]]
            sequence += section["conclusion"]
        sequence += part["conclusion"]
    return sequence


def corrected_seed_sequence(data: dict) -> list[str]:
    corrections = {c["seed"]: c["entries"] for c in data["corrections"]}
    sequence = []
    for text in seed_sequence():
        sequence += corrections.get(text, [text])
    return sequence


def test_fixture_holds_every_heading_paragraph_and_bullet_of_the_seed_in_order():
    data = fixture()
    assert fixture_sequence(data) == corrected_seed_sequence(data)


def test_every_bullet_of_the_seed_appears_exactly_once():
    data = fixture()
    texts = fixture_sequence(data)
    corrections = {c["seed"]: c["entries"] for c in data["corrections"]}
    bullets = [line[2:] for line in seed_lines() if line.startswith("- ")]
    assert len(bullets) == 3 + 7 + 4 + 4 + 4 + 9 + 5 + 5 + 11 + 4 + 4 + 4
    for bullet in bullets:
        for text in corrections.get(bullet, [bullet]):
            assert texts.count(text) == 1, text


def test_every_correction_is_explained_and_applies_to_a_real_seed_line():
    lines = set(seed_sequence())
    for correction in fixture()["corrections"]:
        assert correction["seed"] in lines
        assert correction["why"]


def test_seed_metadata_and_source_are_recorded_in_the_fixture():
    data = fixture()
    meta = data["referential"]
    lines = seed_lines()
    assert meta["seed_title"] == lines[0]
    assert meta["tags"] == ["coopération", "création"]
    assert f"Thème : {meta['theme']}" == lines[2]
    assert meta["challenge"] in lines[3]
    assert meta["communities"] in lines[4]
    assert meta["chat_url"] in lines[5]
    assert data["source"]["licence"]
    assert "ADEME" in data["source"]["programme"]
    assert (FIXTURE_PATH.parent / "SOURCE.md").exists()


def test_loaded_referential_has_the_structure_the_issue_describes(referential):
    def count(slug):
        return Entry.objects.filter(section__slug=slug).count()

    assert [p.kind for p in Part.objects.all()] == [
        "why",
        "brakes",
        "competencies",
        "culture",
        "references",
    ]
    assert count("motivations-individuelles") == 7
    assert count("apports-pour-l-organisation") == 4
    assert count("freins-individuels") == 4
    assert count("freins-collectifs") == 4
    assert count("leviers-pour-convaincre") == 9
    assert [s.slug for s in Section.objects.domains()] == [
        "attitudes",
        "competences-sociales",
        "ecosysteme-de-cooperation",
        "regles-et-gouvernance",
    ]
    assert [count(s.slug) for s in Section.objects.domains()] == [5, 5, 11, 5]
    assert Section.objects.filter(part__kind="culture").count() == 7
    titles = list(
        Entry.objects.filter(section__slug="regles-et-gouvernance").values_list(
            "title", flat=True
        )
    )
    assert titles[:2] == [
        "Introduire les règles de négociation",
        "Gérer les conflits (de manière constructive)",
    ]
    assert referential.licence and referential.source_publisher
    assert sorted(referential.tags.names()) == ["coopération", "création"]


def test_markdown_export_of_the_database_contains_every_seed_bullet_once_in_order(
    referential,
):
    markdown = referential_markdown(referential=referential)
    corrections = {c["seed"]: c["entries"] for c in fixture()["corrections"]}
    expected = []
    for line in seed_lines():
        if line.startswith("- "):
            for text in corrections.get(line[2:], [line[2:]]):
                title, _, description = text.partition(" : ")
                if description and title in Entry.objects.values_list(
                    "title", flat=True
                ):
                    expected.append(f"- **{title}** : {description}")
                else:
                    expected.append(f"- {text}")
    expected.append("- The truth about collaboration, Gunther Sonnenfeld")
    bullets = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert bullets == expected


def test_loading_twice_creates_nothing_more(referential):
    counts = (Part.objects.count(), Section.objects.count(), Entry.objects.count())
    result = referentiel_load()
    assert result.created == {}
    assert counts == (
        Part.objects.count(),
        Section.objects.count(),
        Entry.objects.count(),
    )
    assert Referential.objects.count() == 1


def test_reloading_keeps_facilitator_edits_unless_update_is_asked(referential):
    entry = Entry.objects.get(slug="animer-le-collectif")
    entry.title = "Animer le collectif, revu"
    entry.save()
    entry.tags.set(["animation"])
    referentiel_load()
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif, revu"
    referentiel_load(update=True)
    entry.refresh_from_db()
    assert entry.title == "Animer le collectif"
    assert set(entry.tags.names()) == {"gouvernance", "animation", "communication"}


def test_remedies_point_at_levers_and_culture_sections(referential):
    for domain in Section.objects.domains():
        assert domain.remedy_note
        assert domain.remedy_levers.exists()
        assert all(
            e.section.slug == "leviers-pour-convaincre"
            for e in domain.remedy_levers.all()
        )
        assert all(s.part.kind == "culture" for s in domain.remedy_sections.all())


def test_load_command_reports_its_result(db, capsys):
    call_command("load_referentiel")
    out = capsys.readouterr().out
    assert "63 fiches" in out


@pytest.mark.parametrize(
    "content, message",
    [
        ("{pas du json", "JSON"),
        ('{"source": {}}', "« referential » manque"),
        (
            '{"source": {}, "referential": {"slug": "x"}, "parts": [], "remedies": {}}',
            "la clé",
        ),
    ],
)
def test_load_command_refuses_a_broken_file_with_a_clear_message(
    db, tmp_path, content, message
):
    path = tmp_path / "referentiel.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_referentiel", path=path)
    assert not Referential.objects.exists()


def test_load_command_names_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("load_referentiel", path=tmp_path / "absent.json")


def test_loader_rejects_a_remedy_naming_an_unknown_lever(db, tmp_path):
    data = fixture()
    data["remedies"]["domains"][0]["levers"].append("levier-inexistant")
    path = tmp_path / "referentiel.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FixtureError, match="attitudes"):
        referentiel_load(path=path)
    assert not Entry.objects.exists()


def test_demo_loader_is_idempotent(db):
    from io import StringIO

    from referentiel import demo

    first = demo.load(stdout=StringIO())
    second = demo.load(stdout=StringIO())
    assert first == second == "63 fiches du référentiel"
