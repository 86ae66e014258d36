"""Plain text of a workshop synthesis -> structure (sections, themes, items).

Facilitators keep their notes in pads and wikis; this module recognises the
shapes they really produce (see the seeds in fixtures/ateliers/) and never
loses a line: what it cannot place goes verbatim to an "autre" section.

No database: the paste preview, the `import_atelier` command and
the fixtures all go through `parse()`.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from observatoire.text import fold

# A paste bigger than this is refused with a message rather than parsed: the
# longest seed is 8 kB, a whole wiki page rarely reaches 100 kB.
MAX_CHARS = 100_000
# Parts, themes and items per workshop: the richest seed has about 120; a workshop at
# this cap still renders its public, edit and cross-workshop pages quickly.
MAX_ITEMS = 1_000


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
    (
        "opportunites",
        r"(les )?(opportunites?|leviers?( d action)?|atouts?|forces|points? forts?|"
        r"points? positifs?|avantages|benefices|facteurs? de reussite|"
        r"conditions? de reussite|potentiels?)",
    ),
    (
        "vigilance",
        r"(les )?((points? de )?vigilances?|points? d attention|risques?|freins?|"
        r"alertes?|difficultes|obstacles?|limites|points? de blocage|blocages|"
        r"menaces?|faiblesses|points? faibles|points? negatifs|a surveiller|"
        r"precautions|mises? en garde|ecueils?|points? de tension|tensions)",
    ),
    (
        "enjeux",
        r"(les )?((grands |principaux )?enjeux?|defis?|problematiques?)",
    ),
    (
        "a_enqueter",
        r"(les )?((elements?|points?|questions?|pistes?|sujets?) )?a enqueter|"
        r"(les )?((elements?|points?|questions?|sujets?|pistes?) )?"
        r"a (creuser|approfondir|explorer|investiguer|eclaircir|documenter)|"
        r"(les )?questions? (ouvertes|en suspens|de recherche|a suivre)|"
        r"(les )?pistes? de recherche",
    ),
    (
        "questions",
        r"(les )?(questions?( mises en debat| posees| du debat| soulevees)?|"
        r"questionnements?|interrogations?)",
    ),
    (
        "synthese",
        r"(la )?synthese( de la session| de l atelier| des echanges)?|"
        r"(le )?resume|(en )?conclusions?|en bref|a retenir|"
        r"ce qu il faut retenir|(les )?(points?|messages?|idees?) cles?|(le )?bilan",
    ),
    (
        "porteurs",
        r"(les )?porteu(r|rs|se|ses)( de l atelier| du projet)?|(les )?porteur es?",
    ),
    (
        "participants",
        r"(les )?participant(e|s|es)?|(les )?participant e s|(les )?presents|"
        r"(les )?personnes presentes|liste des participant(e|s|es)?",
    ),
    (
        "discussion",
        r"((les )?elements? (importants? )?de (la )?discussion|(la )?discussion|"
        r"(les )?echanges|(les )?debats?|(le )?compte rendu|(les )?notes)",
    ),
    (
        "idees",
        r"(les )?idees?( a creuser| a approfondir)?|"
        r"(les )?pistes?( d actions?| de travail| de solutions?| a explorer)?|"
        r"(les )?propositions?|(les )?recommandations?|(les )?preconisations?|"
        r"(les )?perspectives?|(les )?suites? a donner|(les )?prochaines etapes",
    ),
    ("presentation", r"(la )?presentation( de la session| de l atelier)?"),
    (
        "coordination",
        r"(la )?coordination|coordinat(eur|eurs|rice|rices)|(l )?animation|"
        r"(les )?anima(teur|teurs|trice|trices)|(la )?facilitation",
    ),
    (
        "programme",
        r"(la )?construction de (la session|l atelier)|(le )?programme|"
        r"(le )?deroul(e|ement)( de la session| de l atelier)?|(l )?ordre du jour",
    ),
    (
        "reponses",
        r"((les )?premiers )?elements? de reponses?|"
        r"(les )?reponses?( apportees( par les groupes( de travail)?)?)?|"
        r"(les )?pistes? de reponses?",
    ),
    ("etonnement", r"(le )?rapport d etonnement( et questions a suivre)?|etonnements?"),
    (
        "ressources",
        r"(les )?ressources?( utiles)?|(les )?liens( utiles)?|(la )?bibliographie|"
        r"(les )?references|pour aller plus loin|(les )?documents?( utiles)?",
    ),
    ("schema", r"(le )?schema( resume| de synthese)?"),
]
_HEADINGS = [(kind, re.compile(rf"(?:{p})")) for kind, p in _HEADING_PATTERNS]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_WIKI_HEADING = re.compile(r"^(={1,6})(.*)$")
# Bullets: typographic, Markdown (-, *, +), emoji and arrows (⚠️ ✅ 👉 ➡️ →),
# each optionally followed by a task-list box ("- [ ]", "- [x]").
_BULLET = re.compile(
    r"^([•\-*+–—◦▪‣·o►▸▹]|[\u2190-\u21ff\u2600-\u27bf\u2b00-\u2bff"
    r"\U0001f300-\U0001faff]\ufe0f?)(?:\s+\[[ xX]\])?\s+(\S.*)$"
)
_LEADING_EMOJI = re.compile(
    r"^(?:[\u2190-\u21ff\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]"
    r"\ufe0f?\s*)+"
)
_EMOJI_BULLET = re.compile(
    r"^[\u2190-\u21ff\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]"
)
# What decorates a heading without being part of its name: emphasis marks,
# emoji, numbering ("1.", "II.", "a)"), so "**⚠️ II. RISQUES :**" reads "risques".
_DECORATION = re.compile(
    r"^(?:[\W_]*?)(?:(?:\d{1,3}|[IVXLC]{1,7}|[a-zA-Z])\s*(?:[.)]|\s-)\s+)?(?=\w)"
)
# Theme numbering: 1. 2) 3 -, roman I. II) and lettered a) b. as Word writes them.
_NUMBERED = re.compile(
    r"^(\d{1,3}|[IVXLC]{1,7}|[ivx]{1,6}|[a-zA-Z])\s*(?:[.)]|\s-)\s+(\S.*)$"
)
# Markdown or wiki emphasis around a whole line ("**1. Thème**", "__X__", "''X''").
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_|''+)(\S(?:.*\S)?)\1$")
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
    # Read off the end of the first line ("… - Rennes, 12 mars 2025"); not in
    # the JSON contract: they fill the workshop's own fields.
    place: str = ""
    date: datetime.date | None = None
    date_text: str = ""

    @property
    def item_count(self) -> int:
        """Parts, themes and items, at every depth: what MAX_ITEMS caps."""
        count = 0
        for section in self.sections:
            count += 1 + len(section.groups) + sum(1 for _ in walk(section.items))
            for group in section.groups:
                count += sum(1 for _ in walk(group.items))
        return count

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
    """ "A, B et C" or one name a line -> ["A", "B", "C"]; separators inside
    brackets do not split ("14 personnes (élus, associations)" is one entry)."""
    names, start, depth = [], 0, 0
    depths = []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        depths.append(depth)
    for match in _PEOPLE_SPLIT.finditer(text):
        if depths[match.start()] == 0 and match.end() > match.start():
            names.append(text[start : match.start()])
            start = match.end()
    names.append(text[start:])
    return [name.strip() for name in names if name.strip()]


def section_people(section: Section) -> list[str]:
    names = split_people(section.text)
    for item in walk(section.items):
        names += split_people(item.text)
    for group in section.groups:
        for item in walk(group.items):
            names += split_people(item.text)
    return names


# Words that qualify a heading without changing its kind ("Risques identifiés",
# "Principaux leviers", "Enjeux de l'atelier").
_QUALIFIERS = re.compile(
    r"^(?:(?:les|des|nos|quelques|principaux|principales|grands|grandes|"
    r"autres) )+|"
    r"(?: (?:identifie|releve|repere|exprime|evoque|souleve|retenu|principal)"
    r"(?:e|s|es|aux|ales)?| (?:de|du|des) (?:l atelier|la session|groupe|"
    r"participants|echanges|debats?)| \d{1,2})+$"
)


def heading_key(heading: str) -> str:
    """A heading as compared: no emphasis, emoji, numbering, accents, case or
    trailing colon ("**1. OPPORTUNITES :**" -> "opportunites")."""
    text = _DECORATION.sub("", _unemphasised(heading.strip()), count=1)
    return fold(text)


def classify(heading: str) -> str | None:
    """Kind of a heading text, or None when it is not a known heading."""
    key = heading_key(heading)
    if not key or len(key) > 80:
        return None
    for candidate in (key, _QUALIFIERS.sub("", key)):
        for kind, pattern in _HEADINGS:
            if pattern.fullmatch(candidate):
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


def _unemphasised(line: str) -> str:
    """The line without emphasis marks around all of it (up to three layers)."""
    for _layer in range(3):
        emphasis = _EMPHASIS.match(line)
        if not emphasis:
            break
        line = emphasis.group(2).strip()
    return line


def _display_heading(text: str) -> str:
    """A heading as shown: no emphasis, leading emoji or trailing colon."""
    text = _strip_colon(_unemphasised(text.strip()))
    bare = _LEADING_EMOJI.sub("", text)
    return _strip_colon(_unemphasised(bare)) or text


def _heading(line: str) -> tuple[str, str, str] | None:
    """(kind, heading, inline text) when the line opens a section."""
    marked = _marked(line)
    if marked and _strip_colon(marked[1]):
        heading = _display_heading(marked[1]) or _strip_colon(marked[1])
        return classify(heading) or "autre", heading, ""
    bullet = _BULLET.match(line)
    if bullet:
        # "• Présentation :" is a heading dressed as a bullet; the colon tells.
        # An emoji ("⚠️ Risques") decorates a heading without needing one.
        text = bullet.group(2)
        if _has_colon(text) or _EMOJI_BULLET.match(line):
            kind = classify(_strip_colon(text))
            if kind:
                return kind, _display_heading(text), ""
        return None
    kind = classify(_strip_colon(line))
    if kind:
        return kind, _display_heading(line), ""
    inline = _INLINE.match(_unemphasised(line))
    if inline:
        kind = classify(inline.group(1))
        if kind:
            heading = _display_heading(inline.group(1))
            return kind, heading, _unemphasised(inline.group(2).strip())
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
        return _unemphasised(line)
    if heading[0] == "autre":
        return heading[1]
    return None


_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
    "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|"
    r"juillet|juil\.?|ao[uû]t|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|"
    r"d[ée]cembre|d[ée]c\.?)"
)
_WEEKDAY = r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
# A date ending the first line, with what attaches it ("le", "du", a comma…).
_TRAILING_DATE = re.compile(
    r"(?P<lead>\s*[,(|:–—-]\s*|\s+)(?P<text>(?:(?P<word>le|du|en)\s+)?"
    r"(?:"
    + _WEEKDAY
    + r"(?P<day>\d{1,2})(?:er)?\s+"
    + _MONTH
    + r"(?:\s+(?P<year>\d{4}))?"
    r"|(?P<month_only>" + _MONTH.replace("?P<month>", "?:") + r")\s+(?P<myear>\d{4})"
    r"|" + _WEEKDAY + r"(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4}|\d{2})"
    r"|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})))\s*\)?\s*$",
    re.IGNORECASE,
)
# Where a place ends the rest of the title: " - Rennes", ", Rennes", " à Rennes".
_PLACE_SEPARATOR = re.compile(r"\s+[-–—|]\s+|\s*,\s+|\s+à\s+|\s*\(\s*")
_PLACE = re.compile(r"[A-ZÀ-Ý][\w'’\- ]{1,48}")


def _date_of(match: re.Match, today: datetime.date) -> datetime.date | None:
    try:
        if match["iy"]:
            return datetime.date(int(match["iy"]), int(match["im"]), int(match["id"]))
        if match["d"]:
            year = int(match["y"])
            year = year + 2000 if year < 100 else year
            return datetime.date(year, int(match["m"]), int(match["d"]))
        month = _MONTHS[fold(match["month"] or match["month_only"]).split()[0]]
        if match["month_only"]:
            return datetime.date(int(match["myear"]), month, 1)
        # "12 mars" without a year: this year, shown to be checked.
        year = int(match["year"]) if match["year"] else today.year
        return datetime.date(year, month, int(match["day"]))
    except (ValueError, KeyError):
        return None


def split_title(
    line: str, *, today: datetime.date | None = None
) -> tuple[str, str, datetime.date | None, str]:
    """(title, place, date, date as typed) of a first line such as
    « Atelier 3 - Tiers-lieux - Rennes, 12 mars 2025 »; the place is only read
    next to a date (« Rennes, 12 mars », « Rennes le 12/03/2025 »)."""
    # Only the end of the line: a search over a long run of spaces would be
    # quadratic, and a date with what attaches it is well under 80 characters.
    offset = max(0, len(line) - 80)
    match = _TRAILING_DATE.search(line[offset:])
    if not match:
        return line, "", None, ""
    date = _date_of(match, today or datetime.date.today())
    head = line[: offset + match.start()].rstrip()
    if date is None or not head.strip(" ,-–—|:("):
        return line, "", None, ""
    lead = match["lead"].strip()
    title = head.rstrip(" ,-–—|:(")
    place = ""
    if lead == "," or (match["word"] or "").lower() == "le":
        start = max(0, len(title) - 80)
        parts = list(_PLACE_SEPARATOR.finditer(title[start:]))
        if parts:
            candidate = title[start + parts[-1].end() :].strip()
            rest = title[: start + parts[-1].start()].rstrip(" ,-–—|:(")
            if rest and _PLACE.fullmatch(candidate) and len(candidate.split()) <= 5:
                title, place = rest, candidate
    return title, place, date, match["text"].strip().rstrip(")").strip()


class _Builder:
    def __init__(self):
        self.sections: list[Section] = []
        self.section: Section | None = None
        self.group: Group | None = None
        self.stack: list[tuple[int, Item]] = []
        self.count = 0

    def open_section(self, kind: str, heading: str) -> Section:
        self.count_one()
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

    def count_one(self) -> None:
        self.count += 1
        if self.count > MAX_ITEMS:
            # Stop early: a 100 kB paste of "- a" is 25,000 items.
            raise ParseError(
                f"Le texte contient plus de {MAX_ITEMS} parties, thèmes et "
                f"éléments ; un atelier en compte {MAX_ITEMS} au plus. Découpez "
                "la synthèse en plusieurs ateliers."
            )

    def open_group(self, title: str) -> None:
        self.count_one()
        section = self.current_section()
        self.group = Group(title=title)
        section.groups.append(self.group)
        self.stack = []

    def add_item(self, indent: int, text: str) -> None:
        self.count_one()
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


def parse(text: str, *, today: datetime.date | None = None) -> Parsed:
    """Recognise the structure of a pasted synthesis. Raises ParseError only
    when the text is larger than MAX_CHARS or holds more than MAX_ITEMS."""
    if len(text) > MAX_CHARS:
        raise ParseError(
            f"Le texte fait {len(text)} caractères ; la limite est de "
            f"{MAX_CHARS} caractères. Importez-le en plusieurs ateliers."
        )
    lines = clean(text).split("\n")
    builder = _Builder()
    title = None
    place, date, date_text = "", None, ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if title is None:
            title = _title(line)
            if title is not None:
                title, place, date, date_text = split_title(title, today=today)
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
        # "**1. Thème** :" as much as "**1. Thème :**".
        bare = (
            _unemphasised(_strip_colon(line)) if line.startswith(("**", "__")) else line
        )
        numbered = _NUMBERED.match(bare)
        if numbered and indent == 0:
            theme = _display_heading(numbered.group(2))
            builder.open_group(theme or numbered.group(2))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            builder.add_item(indent, bullet.group(2).strip())
        elif numbered:
            builder.add_item(indent, numbered.group(2).strip())
        else:
            builder.add_plain(indent, line)
    return Parsed(
        title=title or "",
        sections=builder.sections,
        place=place,
        date=date,
        date_text=date_text,
    )


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
