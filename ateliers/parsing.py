"""Plain text of a workshop synthesis -> structure (sections, themes, items).

Facilitators keep their notes in pads and wikis; this module recognises the
shapes they really produce (see the seeds in fixtures/ateliers/) and never
loses a line: what it cannot place goes verbatim to an "autre" section.

No database: the paste preview, the `import_atelier` command and
the fixtures all go through `parse()`.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from observatoire.text import fold

# A paste bigger than this is refused with a message rather than parsed: the
# longest seed is 8 kB, a whole wiki page rarely reaches 100 kB.
MAX_CHARS = 200_000


class SectionKind(models.TextChoices):
    """What a section of a synthesis is about: the model's choices too."""

    OPPORTUNITES = "opportunites", _("Opportunités")
    VIGILANCE = "vigilance", _("Points de vigilance")
    ENJEUX = "enjeux", _("Enjeux")
    A_ENQUETER = "a_enqueter", _("Éléments à enquêter")
    QUESTIONS = "questions", _("Questions")
    SYNTHESE = "synthese", _("Synthèse")
    PORTEURS = "porteurs", _("Porteurs")
    PARTICIPANTS = "participants", _("Participants")
    DISCUSSION = "discussion", _("Éléments de discussion")
    IDEES = "idees", _("Idées à creuser")
    PRESENTATION = "presentation", _("Présentation")
    COORDINATION = "coordination", _("Coordination")
    PROGRAMME = "programme", _("Construction / programme")
    REPONSES = "reponses", _("Réponses")
    ETONNEMENT = "etonnement", _("Rapport d'étonnement")
    RESSOURCES = "ressources", _("Ressources")
    SCHEMA = "schema", _("Schéma résumé")
    AUTRE = "autre", _("Autre")


PEOPLE_KINDS = ("coordination", "porteurs", "participants")
# Deeper indentation is read as this depth: no real synthesis nests further,
# and unbounded nesting would exhaust recursion in exports and templates.
MAX_DEPTH = 8

# Folded heading (lower case, no accents, punctuation as spaces) -> kind.
_HEADING_PATTERNS = [
    ("opportunites", r"(les )?opportunites?"),
    ("vigilance", r"(les )?(points? de )?vigilances?"),
    ("enjeux", r"(les )?enjeux?"),
    ("a_enqueter", r"(les )?((elements?|points?|questions?|pistes?) )?a enqueter"),
    ("questions", r"(les )?questions?( mises en debat| posees)?"),
    ("synthese", r"(la )?synthese( de la session| de l atelier| des echanges)?"),
    ("porteurs", r"(les )?porteu(r|rs|se|ses)|(les )?porteur es?"),
    ("participants", r"(les )?participant(e|s|es)?|(les )?participant e s"),
    (
        "discussion",
        r"((les )?elements? (importants? )?de (la )?discussion|(la )?discussion|"
        r"(les )?echanges)",
    ),
    ("idees", r"(les )?idees?( a creuser| a approfondir)?"),
    ("presentation", r"(la )?presentation( de la session| de l atelier)?"),
    ("coordination", r"(la )?coordination|coordinat(eur|eurs|rice|rices)"),
    (
        "programme",
        r"(la )?construction de (la session|l atelier)|(le )?programme|"
        r"(le )?deroul(e|ement)( de la session| de l atelier)?",
    ),
    (
        "reponses",
        r"((les )?premiers )?elements? de reponses?|"
        r"(les )?reponses?( apportees( par les groupes( de travail)?)?)?",
    ),
    ("etonnement", r"(le )?rapport d etonnement( et questions a suivre)?|etonnements?"),
    ("ressources", r"(les )?ressources?( utiles)?|(les )?liens( utiles)?"),
    ("schema", r"(le )?schema( resume| de synthese)?"),
]
_HEADINGS = [(kind, re.compile(rf"(?:{p})")) for kind, p in _HEADING_PATTERNS]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_WIKI_HEADING = re.compile(r"^(={1,6})(.*)$")
_BULLET = re.compile(r"^([•\-*–—◦▪‣·o])\s+(\S.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})\s*(?:[.)]|\s-)\s+(\S.*)$")
_INLINE = re.compile(r"^([^:]{2,60}?)\s*:\s*(\S.*)$")
_TITLE_PREFIX = re.compile(r"^titre\s*:\s*(\S.*)$", re.IGNORECASE)
_PEOPLE_SPLIT = re.compile(r"\s*(?:,|;|\n|\bet\b|&)\s*")
_IMAGE_NAME = re.compile(r"[\w.\-]+\.(?:png|jpe?g|gif|svg|webp)", re.IGNORECASE)
# Control characters other than tab and newlines: PostgreSQL refuses NUL, and
# none of them is meaningful in a pasted synthesis.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class ParseError(ValueError):
    """The text cannot be imported at all (too big); the message says why."""


@dataclass
class Item:
    text: str
    children: list["Item"] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "children": [c.as_dict() for c in self.children]}


@dataclass
class Group:
    title: str
    items: list[Item] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"title": self.title, "items": [i.as_dict() for i in self.items]}


@dataclass
class Section:
    kind: str
    heading: str
    text_lines: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.text_lines)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "heading": self.heading,
            "text": self.text,
            "groups": [g.as_dict() for g in self.groups],
            "items": [i.as_dict() for i in self.items],
        }


@dataclass
class Parsed:
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def people(self) -> dict[str, list[str]]:
        people = {kind: [] for kind in PEOPLE_KINDS}
        for section in self.sections:
            if section.kind in PEOPLE_KINDS:
                for name in section_people(section):
                    if name not in people[section.kind]:
                        people[section.kind].append(name)
        return people

    @property
    def image_names(self) -> list[str]:
        """File names of the summary diagrams the text refers to."""
        names = []
        for section in self.sections:
            if section.kind == "schema":
                names += _image_names(section.text)
                for item in walk(section.items):
                    names += _image_names(item.text)
        return names

    def as_dict(self) -> dict:
        """The `import_atelier --json` contract shape."""
        return {
            "title": self.title,
            "sections": [s.as_dict() for s in self.sections],
            "people": self.people,
        }


def _image_names(text: str) -> list[str]:
    # Word by word: a regex search over a long line would backtrack badly.
    words = (word.strip("()[]<>\"',;:") for word in text.split())
    return [w for w in words if len(w) <= 255 and _IMAGE_NAME.fullmatch(w)]


def walk(items: list[Item]):
    """Items depth-first, in reading order."""
    for item in items:
        yield item
        yield from walk(item.children)


def split_people(text: str) -> list[str]:
    """ "A, B et C" or one name a line -> ["A", "B", "C"]."""
    return [name for name in _PEOPLE_SPLIT.split(text) if name.strip()]


def section_people(section: Section) -> list[str]:
    names = split_people(section.text)
    for item in walk(section.items):
        names += split_people(item.text)
    for group in section.groups:
        for item in walk(group.items):
            names += split_people(item.text)
    return names


def classify(heading: str) -> str | None:
    """Kind of a heading text, or None when it is not a known heading."""
    key = fold(heading)
    if not key:
        return None
    for kind, pattern in _HEADINGS:
        if pattern.fullmatch(key):
            return kind
    return None


def clean(text: str) -> str:
    """Unix line endings, no control characters, NFC (so accents compare)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))


def _indent(raw: str) -> int:
    spaces = 0
    for char in raw:
        if char == "\t":
            spaces += 4
        elif char.isspace():
            spaces += 1
        else:
            break
    return spaces


def _has_colon(text: str) -> bool:
    return text.rstrip().endswith(":")


def _strip_colon(text: str) -> str:
    # str methods, not a regex: a regex on a long run of spaces is quadratic.
    text = text.rstrip()
    return text[:-1].rstrip() if text.endswith(":") else text


def _marked(line: str) -> tuple[int, str] | None:
    """(level, text) of a Markdown `## X` or MediaWiki `== X ==` heading."""
    match = _MD_HEADING.match(line)
    if match:
        text = match.group(2).rstrip()
        # An optional closing run of "#" after a space, as Markdown allows.
        bare = text.rstrip("#")
        if bare and bare != text and bare[-1].isspace():
            text = bare.rstrip()
        return len(match.group(1)), text
    match = _WIKI_HEADING.match(line)
    if match:
        marks = match.group(1)
        inner = match.group(2).strip()
        if inner.endswith(marks) and inner.rstrip("="):
            return len(marks), inner.rstrip("=").strip()
    return None


def _heading(line: str) -> tuple[str, str, str] | None:
    """(kind, heading, inline text) when the line opens a section."""
    marked = _marked(line)
    if marked and _strip_colon(marked[1]):
        heading = _strip_colon(marked[1])
        return classify(heading) or "autre", heading, ""
    bullet = _BULLET.match(line)
    if bullet:
        # "• Présentation :" is a heading dressed as a bullet; the colon tells.
        text = bullet.group(2)
        if _has_colon(text):
            kind = classify(_strip_colon(text))
            if kind:
                return kind, _strip_colon(text), ""
        return None
    kind = classify(_strip_colon(line))
    if kind:
        return kind, _strip_colon(line), ""
    inline = _INLINE.match(line)
    if inline:
        kind = classify(inline.group(1))
        if kind:
            return kind, inline.group(1).strip(), inline.group(2).strip()
    return None


def _title(line: str) -> str | None:
    """The title a first line gives, or None when it opens a known section."""
    prefixed = _TITLE_PREFIX.match(line)
    if prefixed:
        return prefixed.group(1).strip()
    marked = _marked(line)
    if marked and marked[0] == 1 and marked[1]:
        return marked[1]
    heading = _heading(line)
    if heading is None:
        return line
    if heading[0] == "autre":
        return heading[1]
    return None


class _Builder:
    def __init__(self):
        self.sections: list[Section] = []
        self.section: Section | None = None
        self.group: Group | None = None
        self.stack: list[tuple[int, Item]] = []

    def open_section(self, kind: str, heading: str) -> Section:
        self.section = Section(kind=kind, heading=heading)
        self.sections.append(self.section)
        self.group = None
        self.stack = []
        return self.section

    def current_section(self) -> Section:
        if self.section is None:
            # Lines before any heading: kept verbatim, never dropped.
            self.open_section("autre", "")
        return self.section

    def open_group(self, title: str) -> None:
        section = self.current_section()
        self.group = Group(title=title)
        section.groups.append(self.group)
        self.stack = []

    def add_item(self, indent: int, text: str) -> None:
        container = self.group.items if self.group else self.current_section().items
        item = Item(text=text)
        while self.stack and (
            self.stack[-1][0] >= indent or len(self.stack) >= MAX_DEPTH
        ):
            self.stack.pop()
        if self.stack:
            self.stack[-1][1].children.append(item)
        else:
            container.append(item)
        self.stack.append((indent, item))

    def add_plain(self, indent: int, text: str) -> None:
        section = self.current_section()
        if self.group is None and not section.items:
            section.text_lines.append(text)
        else:
            # After a list has begun, a plain line belongs to the list, in place.
            self.add_item(indent, text)


def parse(text: str) -> Parsed:
    """Recognise the structure of a pasted synthesis. Raises ParseError only
    when the text is larger than MAX_CHARS."""
    if len(text) > MAX_CHARS:
        raise ParseError(
            f"Le texte fait {len(text)} caractères ; la limite est de "
            f"{MAX_CHARS} caractères. Importez-le en plusieurs ateliers."
        )
    lines = clean(text).split("\n")
    builder = _Builder()
    title = None
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if title is None:
            title = _title(line)
            if title is not None:
                continue
            title = ""
        indent = _indent(raw)
        heading = _heading(line)
        if heading:
            kind, heading_text, inline = heading
            section = builder.open_section(kind, heading_text)
            if inline:
                section.text_lines.append(inline)
            continue
        numbered = _NUMBERED.match(line)
        if numbered and indent == 0:
            builder.open_group(_strip_colon(numbered.group(2)) or numbered.group(2))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            builder.add_item(indent, bullet.group(2).strip())
        elif numbered:
            builder.add_item(indent, numbered.group(2).strip())
        else:
            builder.add_plain(indent, line)
    return Parsed(title=title or "", sections=builder.sections)


def to_markdown(data: dict) -> str:
    """Markdown that `parse()` reads back to the same structure.

    `data` has the contract shape (`Parsed.as_dict()` or a workshop's export).
    """
    # No title line when there is none: the parser then starts on a heading.
    out = [_md_heading(1, data["title"])] if data["title"] else []
    for section in data["sections"]:
        out.append("")
        if section["heading"]:
            out.append(_md_heading(2, section["heading"]))
            out.append("")
        for line in section["text"].split("\n"):
            if line.strip():
                out.append(line.strip())
        out += _items_md(section["items"], 0)
        for number, group in enumerate(section["groups"], start=1):
            out.append("")
            out.append(f"{number}. {group['title']}")
            out += _items_md(group["items"], 1)
    return "\n".join(out) + "\n"


def _md_heading(level: int, text: str) -> str:
    # A closing "#" run protects a text that itself ends with "#".
    closing = " " + "#" * level if text.endswith("#") else ""
    return "#" * level + " " + text + closing


def _items_md(items: list[dict], depth: int) -> list[str]:
    lines = []
    for item in items:
        # Only real line breaks: splitlines() would also cut on U+0085 and kin.
        text = item["text"].replace("\r", " ").replace("\n", " ")
        lines.append("  " * depth + "- " + text)
        lines += _items_md(item["children"], depth + 1)
    return lines
