"""The paste-to-structure parser: seeds, heading variants, contract, bad input."""

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ateliers import parsing
from ateliers.models import Section
from tests.ateliers.conftest import SEED_FILES, seed_text


def kinds(parsed):
    return [s.kind for s in parsed.sections]


def test_domino_restitution_axe_1():
    parsed = parsing.parse(seed_text("000"))
    assert parsed.title == "Axe 1 : De l’individu au collectif, devenir contributeurs ?"
    assert kinds(parsed) == [
        "opportunites",
        "vigilance",
        "enjeux",
        "a_enqueter",
        "schema",
    ]
    vigilance = parsed.sections[1]
    assert [g.title for g in vigilance.groups] == [
        "Conservatisme",
        "Difficultés à coopérer",
        "Freins aux changements de comportements",
        "Non valorisation de la coopération",
        "Culture et individualisme",
    ]
    assert [i.text for i in vigilance.groups[1].items] == [
        "Gérer les conflits.",
        "Gérer les égaux",
        "Permettre à chacun de trouver sa place.",
    ]
    assert len(parsed.sections[2].items) == 5
    assert parsed.image_names == ["retsitution_axe_1_V2.png"]


def test_domino_restitution_axe_3_keeps_the_unbulleted_conclusion_in_its_theme():
    parsed = parsing.parse(seed_text("004"))
    theme = parsed.sections[0].groups[1]
    assert theme.title == "Déclenchement/détection d'innovations"
    assert theme.items[-1].text == ">>> Production d'un contexte"
    # A theme without bullets is still a vigilance point.
    assert parsed.sections[1].groups[0].items == []
    assert parsed.sections[1].groups[3].title == "Financement de l'animation :."


def test_notes_of_atelier_2_split_people():
    parsed = parsing.parse(seed_text("002"))
    assert parsed.title == "Atelier 2 - Emergence - Session 2"
    assert kinds(parsed) == [
        "questions",
        "synthese",
        "porteurs",
        "participants",
        "discussion",
        "idees",
    ]
    assert parsed.people["porteurs"] == ["Michel Briand", "Anne Berlemont"]
    assert parsed.people["participants"] == [
        "Charlotte STAELENS",
        "Aymeric SAUVAGE",
        "Aurore Bourge",
        "Amina Rouillé d'Orfeuill",
        "Sylvie Chokroun",
    ]
    assert parsed.sections[1].items[10].text == "CONCLUSION"


def test_forum_session_nested_schedule_and_inline_coordination():
    parsed = parsing.parse(seed_text("003"))
    assert parsed.title == "Session 2016/Territoire coopération et transitions"
    assert kinds(parsed) == [
        "autre",
        "coordination",
        "presentation",
        "programme",
        "synthese",
        "reponses",
        "questions",
        "reponses",
        "etonnement",
        "ressources",
    ]
    assert parsed.sections[0].text == "De Forum des Usages Coopératifs"
    assert parsed.people["coordination"] == [
        "Michel Briand",
        "Laurent Marseault",
        "Jean-Michel Cornu",
    ]
    wednesday = parsed.sections[3].items[0]
    assert wednesday.text.startswith("Mercredi 6/07")
    description = wednesday.children[0]
    assert description.text == "Description"
    assert [c.text for c in description.children] == [
        # Non-breaking spaces before ":" and "?" are kept, as typed.
        "Pourquoi\xa0: à quel problème çà répond\xa0?",
        "Ce qui nous motive",
        "Qui\xa0: professionnels, militants et non militants",
    ]
    assert parsed.sections[3].items[1].text.startswith("un temps d'expression")


def test_heading_variants_are_recognised():
    text = (
        "Mon atelier\n"
        "OPPORTUNITES\n- a\n"
        "points de vigilance :\n- b\n"
        "## Enjeux\n- c\n"
        "== Éléments à enquêter ==\n- d\n"
        "Idees a creuser:\n- e\n"
        "# Programme\n- f\n"
    )
    parsed = parsing.parse(text)
    assert kinds(parsed) == [
        "opportunites",
        "vigilance",
        "enjeux",
        "a_enqueter",
        "idees",
        "programme",
    ]
    assert [s.items[0].text for s in parsed.sections] == list("abcdef")


def test_unknown_marked_heading_becomes_autre_with_its_heading():
    parsed = parsing.parse("Titre\n## Pistes budgétaires\ntexte libre\n")
    assert parsed.sections[0].kind == "autre"
    assert parsed.sections[0].heading == "Pistes budgétaires"
    assert parsed.sections[0].text == "texte libre"


def test_theme_numbering_styles_and_bullets():
    text = (
        "T\nOpportunités\n"
        "1. Un\n  • a\n"
        "2) Deux\n  - b\n"
        "3 - Trois\n  * c\n"
        "4. Quatre\n  – d\n    o d1\n"
    )
    section = parsing.parse(text).sections[0]
    assert [g.title for g in section.groups] == ["Un", "Deux", "Trois", "Quatre"]
    assert [g.items[0].text for g in section.groups] == ["a", "b", "c", "d"]
    assert section.groups[3].items[0].children[0].text == "d1"


def test_windows_and_old_mac_line_endings_parse_the_same():
    text = seed_text("000")
    unix = parsing.parse(text).as_dict()
    assert parsing.parse(text.replace("\n", "\r\n")).as_dict() == unix
    assert parsing.parse(text.replace("\n", "\r")).as_dict() == unix


def test_title_heading_overrides_first_line():
    assert parsing.parse("# Le vrai titre\nEnjeux\n- x\n").title == "Le vrai titre"
    assert parsing.parse("Titre : Mon atelier\nEnjeux\n- x\n").title == "Mon atelier"
    # A first line that is a section heading is not a title.
    parsed = parsing.parse("Enjeux\n- x\n")
    assert parsed.title == ""
    assert parsed.sections[0].items[0].text == "x"


def test_people_split_on_commas_et_and_line_breaks():
    parsed = parsing.parse(
        "T\nCoordination : Ana, Bob et Chloé\nParticipants\nDan\nÉve ; Fanny\n"
    )
    assert parsed.people == {
        "coordination": ["Ana", "Bob", "Chloé"],
        "porteurs": [],
        "participants": ["Dan", "Éve", "Fanny"],
    }


def _check_contract_item(item):
    assert set(item) == {"text", "children"}
    assert isinstance(item["text"], str) and item["text"]
    for child in item["children"]:
        _check_contract_item(child)


def check_contract(data):
    assert set(data) == {"title", "sections", "people"}
    assert isinstance(data["title"], str)
    assert set(data["people"]) == {"coordination", "porteurs", "participants"}
    for names in data["people"].values():
        assert all(isinstance(n, str) and n for n in names)
    for section in data["sections"]:
        assert set(section) == {"kind", "heading", "text", "groups", "items"}
        assert section["kind"] in Section.Kind.values
        assert isinstance(section["heading"], str)
        assert isinstance(section["text"], str)
        for group in section["groups"]:
            assert set(group) == {"title", "items"}
            assert isinstance(group["title"], str)
            for item in group["items"]:
                _check_contract_item(item)
        for item in section["items"]:
            _check_contract_item(item)


def test_kinds_vocabulary_is_exactly_the_contract():
    assert set(Section.Kind.values) == {
        "opportunites", "vigilance", "enjeux", "a_enqueter", "questions",
        "synthese", "porteurs", "participants", "discussion", "idees",
        "presentation", "coordination", "programme", "reponses", "etonnement",
        "ressources", "schema", "autre",
    }  # fmt: skip


def test_seeds_follow_the_contract_and_strip_marks():
    for path in SEED_FILES:
        data = parsing.parse(path.read_text("utf-8")).as_dict()
        check_contract(data)
        for section in data["sections"]:
            for group in section["groups"]:
                assert not re.match(r"^\d+\s*[.)-]", group["title"])
            for item in section["items"]:
                assert not item["text"].startswith(("•", "- ", "* "))


def test_markdown_export_reimports_to_the_same_structure_for_every_seed():
    for path in SEED_FILES:
        data = parsing.parse(path.read_text("utf-8")).as_dict()
        assert parsing.parse(parsing.to_markdown(data)).as_dict() == data, path.name


# Bad input


def test_empty_and_blank_text():
    assert parsing.parse("").as_dict()["sections"] == []
    assert parsing.parse(" \n\t\r\n ").title == ""


def test_too_big_is_refused_with_the_limit():
    huge = "x" * (parsing.MAX_CHARS + 1)
    try:
        parsing.parse(huge)
    except parsing.ParseError as error:
        assert str(parsing.MAX_CHARS) in str(error)
    else:
        raise AssertionError("no error")


def test_binary_garbage_and_control_characters_are_dropped_not_fatal():
    garbage = bytes(range(256)).decode("latin-1") * 3
    parsed = parsing.parse(garbage)
    for section in parsed.as_dict()["sections"]:
        assert "\x00" not in section["text"]


def test_very_long_lines_parse_quickly_enough_and_whole():
    line = "mot " * 12_000
    parsed = parsing.parse(f"T\nEnjeux\n- {line}\n# {' ' * 40_000}x\n")
    assert parsed.sections[0].items[0].text == line.strip()


def test_html_is_kept_as_text():
    parsed = parsing.parse("<script>alert(1)</script>\nEnjeux\n- <b>gras</b>\n")
    assert parsed.title == "<script>alert(1)</script>"
    assert parsed.sections[0].items[0].text == "<b>gras</b>"


# Property-based: never raises, never drops a non-empty line.

# Marks the parser removes: a bullet, a theme number, a "Titre :" prefix.
_LEADING_MARK = re.compile(
    r"^\s*(?:(?:\*\*|__|'')\s*)?(?:(?:[•\-*+–—◦▪‣·o►▸▹]|[\u2190-\u21ff\u2600-\u27bf"
    r"\u2b00-\u2bff\U0001f300-\U0001faff]\ufe0f?)(?:\s+\[[ xX]\])?\s+"
    r"|(?:\d{1,3}|[IVXLC]{1,7}|[ivx]{1,6}|[a-zA-Z])\s*(?:[.)]|\s-)\s+"
    r"|(?i:titre)\s*:)?"
)


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def flatten(parsed) -> list[str]:
    # The place and date read off the first line go to the workshop's fields.
    out = [parsed.title, parsed.place, parsed.date_text]

    def items(entries):
        for item in entries:
            out.append(item.text)
            items(item.children)

    for section in parsed.sections:
        out.append(section.heading)
        out.extend(section.text_lines)
        items(section.items)
        for group in section.groups:
            out.append(group.title)
            items(group.items)
    return out


def assert_no_line_lost(text: str, parsed) -> None:
    """Every non-empty line's letters and digits appear, in order, in the output."""
    output = "".join(_alnum(part) for part in flatten(parsed))
    position = 0
    for line in parsing.clean(text).split("\n"):
        if not line.strip():
            continue
        key = _alnum(_LEADING_MARK.sub("", line, count=1))
        found = output.find(key, position)
        assert found >= 0, f"line lost: {line!r}"
        position = found + len(key)


def test_no_line_of_any_seed_is_lost():
    for path in SEED_FILES:
        text = path.read_text("utf-8")
        assert_no_line_lost(text, parsing.parse(text))


line_parts = st.sampled_from(
    [
        "Enjeux", "Points de vigilance :", "## Questions", "== Ressources ==",
        "1. Thème", "2) Autre", "3 - x", "  • puce", "    - sous", "* étoile",
        "o option", "– tiret", "Coordination : A, B et C", "Participants",
        "texte libre", "<script>x</script>", "# Titre", "Titre : t", "", "   ",
        "\t- tab", ">>> suite", "-", "o", "1.", ":", "==", "##",
        # Shapes of pads and word processors (issue 13).
        "**1. Thème gras**", "__Enjeux__", "+ plus", "⚠️ attention", "✅ fait",
        "👉 voir", "➡️ suite", "- [ ] à faire", "- [x] fait", "* [X] coché",
        "I. Romain", "II) Deux", "a) lettre", "b. autre", "\t◦ rond",
        "\t\t◦ rond profond", "OPPORTUNITES", "ELEMENTS A ENQUETER",
        "Questions à creuser :", "**Points d'attention :**", "Risques", "Leviers",
        "Pistes", "À approfondir", "⚠️ Points de vigilance", "## **Synthèse**",
        "Participants : 14 personnes (élus, associations, habitants)",
        "Atelier 3 - Tiers-lieux et coopération - Rennes, 12 mars 2025",
        "Atelier - Brest le 12/03/2025", "Forum, mars 2025", "Atelier 12 mars",
    ]
)  # fmt: skip
lines = st.lists(st.one_of(line_parts, st.text(max_size=40)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(lines, st.sampled_from(["\n", "\r\n", "\r"]))
def test_parser_never_raises_and_never_drops_a_line(parts, newline):
    text = newline.join(parts)
    parsed = parsing.parse(text)
    check_contract(parsed.as_dict())
    assert_no_line_lost(text, parsed)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parser_survives_arbitrary_text(text):
    parsed = parsing.parse(text)
    assert_no_line_lost(text, parsed)


@settings(max_examples=300, deadline=None)
@given(lines)
def test_markdown_export_round_trips_for_any_parsed_text(parts):
    data = parsing.parse("\n".join(parts)).as_dict()
    assert parsing.parse(parsing.to_markdown(data)).as_dict() == data


def test_runaway_indentation_is_capped_not_fatal():
    text = "T\nEnjeux\n" + "".join(" " * n + f"- n{n}\n" for n in range(400))
    parsed = parsing.parse(text)
    depth, item = 1, parsed.sections[0].items[0]
    while item.children:
        assert len(item.children) <= 400
        item = item.children[-1]
        depth += 1
    assert depth == parsing.MAX_DEPTH
    data = parsed.as_dict()
    assert parsing.parse(parsing.to_markdown(data)).as_dict() == data
    assert_no_line_lost(text, parsed)


# Shapes from pads and word processors (issue 13)


def test_people_lists_split_only_at_top_level_separators():
    parsed = parsing.parse(
        "T\nParticipants : 14 personnes (élus, associations et habitants), Ana\n"
        "Porteurs : Bob [Brest, Quimper] et Chloé\n"
    )
    assert parsed.people["participants"] == [
        "14 personnes (élus, associations et habitants)",
        "Ana",
    ]
    assert parsed.people["porteurs"] == ["Bob [Brest, Quimper]", "Chloé"]


@pytest.mark.parametrize(
    "line, title, place, date",
    [
        (
            "Atelier 3 - Tiers-lieux et coopération - Rennes, 12 mars 2025",
            "Atelier 3 - Tiers-lieux et coopération",
            "Rennes",
            datetime.date(2025, 3, 12),
        ),
        (
            "Atelier 3 - Tiers-lieux - Rennes le 12/03/2025",
            "Atelier 3 - Tiers-lieux",
            "Rennes",
            datetime.date(2025, 3, 12),
        ),
        ("Atelier vélo, 12 mars", "Atelier vélo", "", datetime.date(2024, 3, 12)),
        ("Atelier vélo - mars 2025", "Atelier vélo", "", datetime.date(2025, 3, 1)),
        (
            "# Forum à Saint-Brieuc, le mardi 1er octobre 2024",
            "Forum",
            "Saint-Brieuc",
            datetime.date(2024, 10, 1),
        ),
        (
            "Atelier (Quimper, 3 avril 2024)",
            "Atelier",
            "Quimper",
            datetime.date(2024, 4, 3),
        ),
        (
            "Atelier 2 - Emergence - Session 2",
            "Atelier 2 - Emergence - Session 2",
            "",
            None,
        ),  # fmt: skip
        ("Atelier du 31/02/2025", "Atelier du 31/02/2025", "", None),
    ],
)
def test_a_trailing_place_and_french_date_leave_the_title(line, title, place, date):
    parsed = parsing.parse(line + "\nEnjeux\n- x\n", today=datetime.date(2024, 6, 1))
    assert parsed.title == title
    assert parsed.place == place
    assert parsed.date == date
    assert parsed.sections[0].items[0].text == "x"


PAD_TEXT = """**Atelier 5 - Communs - Lorient, 4 juin 2025**

**OPPORTUNITES**
**1. Des lieux ouverts**
\t◦ un tiers-lieu par canton
\t◦ des horaires larges
II. Financements
+ fonds européens
⚠️ dépendance aux appels à projets
- [ ] recenser les lieux
- [x] contacter la région

ELEMENTS A ENQUETER
a) Usages
\t◦ qui vient ?
b) Coûts
Questions à creuser :
👉 le modèle économique
➡️ la gouvernance
✅ les statuts
**Points d'attention :**
- l'épuisement des bénévoles
Leviers
- les communes
Participants : 14 personnes (élus, associations, habitants)
"""


def test_pad_and_word_shapes_are_recognised():
    parsed = parsing.parse(PAD_TEXT)
    assert (parsed.title, parsed.place, parsed.date) == (
        "Atelier 5 - Communs",
        "Lorient",
        datetime.date(2025, 6, 4),
    )
    assert kinds(parsed) == [
        "opportunites", "a_enqueter", "a_enqueter", "vigilance", "opportunites",
        "participants",
    ]  # fmt: skip
    opportunites = parsed.sections[0]
    assert opportunites.heading == "OPPORTUNITES"
    assert [g.title for g in opportunites.groups] == [
        "Des lieux ouverts",
        "Financements",
    ]
    assert [i.text for i in opportunites.groups[0].items] == [
        "un tiers-lieu par canton",
        "des horaires larges",
    ]
    assert [i.text for i in opportunites.groups[1].items] == [
        "fonds européens",
        "dépendance aux appels à projets",
        "recenser les lieux",
        "contacter la région",
    ]
    enqueter = parsed.sections[1]
    assert [g.title for g in enqueter.groups] == ["Usages", "Coûts"]
    assert enqueter.groups[0].items[0].text == "qui vient ?"
    assert [i.text for i in parsed.sections[2].items] == [
        "le modèle économique",
        "la gouvernance",
        "les statuts",
    ]
    assert parsed.sections[3].heading == "Points d'attention"
    assert parsed.people["participants"] == [
        "14 personnes (élus, associations, habitants)"
    ]
    assert_no_line_lost(PAD_TEXT, parsed)


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("OPPORTUNITES", "opportunites"),
        ("**Opportunités :**", "opportunites"),
        ("## 2. LES LEVIERS", "opportunites"),
        ("Points forts", "opportunites"),
        ("ELEMENTS A ENQUETER", "a_enqueter"),
        ("Questions à creuser", "a_enqueter"),
        ("À approfondir :", "a_enqueter"),
        ("Points à éclaircir", "a_enqueter"),
        ("Questions ouvertes", "a_enqueter"),
        ("⚠️ Points d'attention", "vigilance"),
        ("III. Risques identifiés", "vigilance"),
        ("Freins", "vigilance"),
        ("__Pistes d'action__", "idees"),
        ("Propositions", "idees"),
        ("Défis", "enjeux"),
        ("Les principaux enjeux", "enjeux"),
        ("À retenir", "synthese"),
        ("Conclusion :", "synthese"),
        ("Ordre du jour", "programme"),
        ("Pour aller plus loin", "ressources"),
        ("Personnes présentes", "participants"),
        ("Animateurs", "coordination"),
    ],
)
def test_headings_are_normalised_before_matching(heading, kind):
    parsed = parsing.parse(f"Titre\n{heading}\n- x\n")
    assert kinds(parsed) == [kind]
    assert parsed.sections[0].items[0].text == "x"


def test_plain_bullets_and_themes_are_not_mistaken_for_headings():
    parsed = parsing.parse("T\nEnjeux\n- Risques\n1. Pistes budgétaires\n- y\n")
    assert kinds(parsed) == ["enjeux"]
    assert parsed.sections[0].items[0].text == "Risques"
    assert parsed.sections[0].groups[0].title == "Pistes budgétaires"


def test_too_many_items_are_refused_with_the_cap():
    text = "T\nEnjeux\n" + "- a\n" * parsing.MAX_ITEMS
    with pytest.raises(parsing.ParseError, match=f"{parsing.MAX_ITEMS} au plus"):
        parsing.parse(text)
    at_cap = "T\nEnjeux\n" + "- a\n" * (parsing.MAX_ITEMS - 1)
    assert parsing.parse(at_cap).item_count == (parsing.MAX_ITEMS)


def test_emoji_leave_a_heading_but_markup_stays_in_a_theme_title():
    parsed = parsing.parse("T\n⚠️ **Risques :**\n1. <b>thème</b>\n2. « Citation »\n")
    assert parsed.sections[0].heading == "Risques"
    assert [g.title for g in parsed.sections[0].groups] == [
        "<b>thème</b>",
        "« Citation »",
    ]


def test_more_word_and_pad_variants():
    parsed = parsing.parse(
        "T\nI - OPPORTUNITES\n**1. Un thème** :\n•\tun point\n1.\tDeux\n"
        "### ⚠️ Points de vigilance\n+ [x] fait\n**Questions à creuser**\n- q ?\n"
    )
    assert kinds(parsed) == ["opportunites", "vigilance", "a_enqueter"]
    assert [g.title for g in parsed.sections[0].groups] == ["Un thème", "Deux"]
    assert parsed.sections[0].groups[0].items[0].text == "un point"
    assert parsed.sections[1].heading == "Points de vigilance"
    assert parsed.sections[1].items[0].text == "fait"
