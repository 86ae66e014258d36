"""Paste-to-structure page and the import_atelier command."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ateliers import parsing
from ateliers.models import Event, Item, Workshop
from tests.ateliers.conftest import SEEDS_DIR, seed_text
from tests.ateliers.test_parsing import check_contract


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


def test_preview_shows_the_recognised_structure_without_saving(facilitator_client):
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": seed_text("002"), "action": "preview"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Éléments de discussion" in html  # kind label
    assert "Michel Briand ; Anne Berlemont" in html
    assert "CONCLUSION" in html
    assert not Workshop.objects.exists()


def test_save_creates_a_draft_with_the_structure(facilitator_client, facilitator):
    event = Event.objects.create(name="Forum", slug="forum")
    response = facilitator_client.post(
        reverse("ateliers:import"),
        {"text": seed_text("000"), "action": "save", "event": event.pk},
    )
    workshop = Workshop.objects.get()
    assert response["Location"] == reverse("ateliers:edit", args=[workshop.slug])
    assert workshop.status == Workshop.Status.DRAFT
    assert workshop.event == event and workshop.created_by == facilitator
    assert workshop.title.startswith("Axe 1")
    assert Item.objects.filter(section__workshop=workshop).count() == 50


def test_title_field_overrides_the_first_line(facilitator_client):
    facilitator_client.post(
        reverse("ateliers:import"),
        {"text": "Enjeux\n- x\n", "title": "Mon titre", "action": "save"},
    )
    assert Workshop.objects.get().title == "Mon titre"


def test_live_preview_fragment(facilitator_client):
    response = facilitator_client.post(
        reverse("ateliers:import_preview"), {"text": "T\n## Enjeux\n- <b>x</b>\n"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Ce champ est obligatoire"),
        ("   \n\r\n\t", "Le texte est vide"),
        ("x" * (parsing.MAX_CHARS + 1), "la limite est de 100000"),
        ("abc\x00def", "Le caractère nul n’est pas autorisé"),
    ],
)
def test_bad_pastes_get_a_clear_message(facilitator_client, text, message):
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Workshop.objects.exists()


def test_binary_like_unicode_and_long_lines_import_faithfully(facilitator_client):
    long_line = "é" * 10_000
    text = f"Titre ✨ 日本語\n\nEnjeux\n- {long_line}\n- \ufffd\ufffd\x07\x1b[31m\n"
    facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    workshop = Workshop.objects.get()
    assert workshop.title == "Titre ✨ 日本語"
    items = list(Item.objects.filter(section__workshop=workshop))
    assert items[0].text == long_line
    assert items[1].text == "\ufffd\ufffd[31m"  # control characters dropped


def test_import_page_limit_is_announced(facilitator_client):
    html = facilitator_client.get(reverse("ateliers:import")).content.decode()
    assert "100\u202f000 caractères au plus" in html


# Command


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_atelier", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("path", sorted(SEEDS_DIR.glob("*.txt")), ids=lambda p: p.name)
def test_json_output_is_exactly_the_contract(db, path):
    data = json.loads(run(str(path), "--json"))
    check_contract(data)
    assert data == parsing.parse(path.read_text("utf-8")).as_dict()
    assert not Workshop.objects.exists()


def test_json_people_for_the_forum_session(db):
    data = json.loads(run(str(next(SEEDS_DIR.glob("003_*.txt"))), "--json"))
    assert data["people"] == {
        "coordination": ["Michel Briand", "Laurent Marseault", "Jean-Michel Cornu"],
        "porteurs": [],
        "participants": [],
    }
    assert [s["kind"] for s in data["sections"]][:3] == [
        "autre",
        "coordination",
        "presentation",
    ]


def test_dry_run_saves_nothing(db):
    out = run(str(next(SEEDS_DIR.glob("000_*.txt"))), "--dry-run")
    assert "vigilance" in out and "rien n'a été enregistré" in out
    assert not Workshop.objects.exists()


def test_import_with_event_creates_a_draft(db, tmp_path):
    Event.objects.create(name="Programme DOMINO", slug="programme-domino")
    path = tmp_path / "notes.txt"
    path.write_bytes(seed_text("004").replace("\n", "\r\n").encode("utf-8-sig"))
    out = run(str(path), "--event", "programme-domino")
    workshop = Workshop.objects.get()
    assert workshop.event.slug == "programme-domino"
    assert workshop.status == Workshop.Status.DRAFT
    assert workshop.title in out


def test_command_errors_name_the_problem(db, tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire .*absent.txt"):
        run(str(tmp_path / "absent.txt"))
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(CommandError, match="pas un fichier texte"):
        run(str(binary))
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Opportunités\n- café\n".encode("latin-1"))
    with pytest.raises(CommandError, match="pas en UTF-8"):
        run(str(latin))
    empty = tmp_path / "vide.txt"
    empty.write_text("\n\n")
    with pytest.raises(CommandError, match="vide"):
        run(str(empty))
    huge = tmp_path / "huge.txt"
    huge.write_text("x" * (parsing.MAX_CHARS + 1))
    with pytest.raises(CommandError, match="limite"):
        run(str(huge))
    ok = tmp_path / "ok.txt"
    ok.write_text("T\nEnjeux\n- x\n")
    with pytest.raises(CommandError, match="« inconnu » n'existe pas"):
        run(str(ok), "--event", "inconnu")
    assert not Workshop.objects.exists()


def test_deeply_indented_paste_saves_and_renders(facilitator_client):
    text = "Profond\nEnjeux\n" + "".join(" " * n + f"- n{n}\n" for n in range(400))
    facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    workshop = Workshop.objects.get()
    for url in (
        workshop.get_absolute_url(),
        reverse("ateliers:edit", args=[workshop.slug]),
        reverse("ateliers:markdown", args=[workshop.slug]),
    ):
        response = facilitator_client.get(url)
        assert response.status_code == 200
        assert "n399" in response.content.decode()


def test_overlong_title_heading_and_image_list_are_kept_whole(facilitator_client):
    first_line = "Titre " + "très " * 200
    heading = "## " + "Partie " * 100
    images = " ".join(f"schema_{n}.png" for n in range(100))
    text = f"{first_line}\n{heading}\ntexte\nSchéma résumé\n{images}\n"
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    assert response.status_code == 302
    workshop = Workshop.objects.get()
    assert len(workshop.title) == 300 and workshop.title.endswith("…")
    sections = list(workshop.sections.all())
    assert sections[0].text == first_line.strip()
    assert sections[1].heading == ("Partie " * 100).strip()
    assert workshop.summary_image_name.startswith("schema_0.png, schema_1.png")
    assert len(workshop.summary_image_name) <= 255


# Issue 13: first line's place and date, people once, no repeated heading


def test_preview_fills_title_date_and_place_from_the_first_line(
    facilitator_client, geo
):
    text = "Atelier 3 - Tiers-lieux et coopération - Brest, 12 mars 2025\nEnjeux\n- x\n"
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "preview"}
    )
    form = response.context["form"]
    assert form["title"].value() == "Atelier 3 - Tiers-lieux et coopération"
    assert form["starts_on"].value() == "2025-03-12"
    assert form["territory"].value() == "Brest"
    html = response.content.decode()
    assert "12 mars 2025" in html


def test_save_uses_the_recognised_date_and_territory(facilitator_client, geo):
    text = "Atelier vélo - Brest le 12/03/2025\nEnjeux\n- x\n"
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    assert response.status_code == 302
    workshop = Workshop.objects.get()
    assert workshop.title == "Atelier vélo"
    assert workshop.starts_on.isoformat() == "2025-03-12"
    assert workshop.territory.name == "Brest"
    assert workshop.changes.get().by_name.startswith("facilitator")


def test_an_unknown_place_is_shown_for_correction_nothing_saved(
    facilitator_client, geo
):
    text = "Atelier vélo - Atlantide, 12 mars 2025\nEnjeux\n- x\n"
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    assert response.status_code == 200
    assert "Aucun territoire ne correspond à « Atlantide »" in response.content.decode()
    assert not Workshop.objects.exists()


def test_preview_lists_people_once_and_does_not_repeat_headings(facilitator_client):
    text = (
        "T\nPorteurs : Ana et Bob\n"
        "Participants : 14 personnes (élus, associations, habitants)\n"
        "Opportunités\n- x\nPoints d'attention\n- y\n"
    )
    html = facilitator_client.post(
        reverse("ateliers:import_preview"), {"text": text}
    ).content.decode()
    assert html.count("Ana ; Bob") == 1
    assert html.count("14 personnes (élus, associations, habitants)") == 1
    assert 'class="kind-porteurs"' not in html
    assert 'class="kind-participants"' not in html
    assert "<strong>Opportunités</strong>" not in html
    assert "<strong>Points d&#x27;attention</strong>" in html


def test_a_paste_over_the_item_cap_is_refused_with_a_clear_message(
    facilitator_client,
):
    text = "T\nEnjeux\n" + "- a\n" * (parsing.MAX_ITEMS + 1)
    response = facilitator_client.post(
        reverse("ateliers:import"), {"text": text, "action": "save"}
    )
    assert "plus de 1000 parties, thèmes et éléments" in response.content.decode()
    assert not Workshop.objects.exists()


# Issue 10 item 18: import_atelier is idempotent


def test_import_twice_keeps_one_workshop_and_says_so(db, tmp_path):
    path = tmp_path / "session.txt"
    path.write_text(seed_text("002"), "utf-8")
    run(str(path))
    workshop = Workshop.objects.get()
    workshop.publish()
    out = run(str(path))
    assert "contient déjà ce texte : rien à faire" in out
    assert list(Workshop.objects.values_list("slug", flat=True)) == [workshop.slug]
    assert workshop.slug == "atelier-2-emergence-session-2"


def test_import_of_a_changed_source_is_refused_then_updated_in_place(db, tmp_path):
    path = tmp_path / "session.txt"
    path.write_text(seed_text("002"), "utf-8")
    run(str(path))
    workshop = Workshop.objects.get()
    workshop.publish()
    path.write_text(seed_text("002") + "\nEnjeux\n- un enjeu ajouté\n", "utf-8")
    with pytest.raises(CommandError, match="Relancez avec --update"):
        run(str(path))
    assert not Item.objects.filter(text="un enjeu ajouté").exists()
    out = run(str(path), "--update")
    assert "mis à jour" in out
    updated = Workshop.objects.get()
    assert (updated.pk, updated.slug, updated.status) == (
        workshop.pk,
        workshop.slug,
        Workshop.Status.PUBLISHED,
    )
    assert Item.objects.filter(
        section__workshop=updated, text="un enjeu ajouté"
    ).exists()
    assert [c.action for c in updated.changes.all()] == ["imported", "imported"]
    # Run again: nothing to do, still one workshop.
    assert "rien à faire" in run(str(path), "--update")
    assert Workshop.objects.count() == 1


def test_import_command_fills_date_and_territory_from_the_first_line(db, geo, tmp_path):
    path = tmp_path / "brest.txt"
    path.write_text("Atelier vélo - Brest, 12 mars 2025\nEnjeux\n- x\n", "utf-8")
    run(str(path))
    workshop = Workshop.objects.get()
    assert workshop.title == "Atelier vélo"
    assert workshop.starts_on.isoformat() == "2025-03-12"
    assert workshop.territory.name == "Brest"
