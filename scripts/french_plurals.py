"""Give every plural message of the French catalog its two French forms.

The interface is written in French, so the catalog translates nothing — except
plurals: without an entry, gettext falls back to the English rule (n == 1)
and writes « 0 ateliers publiés ». With the source's own two forms in the
catalog, the French rule of its header (n > 1) applies: « 0 atelier publié ».

Usage: python scripts/french_plurals.py locale/fr/LC_MESSAGES/django.po
(`make messages` runs it between makemessages and compilemessages)."""

import re
import sys
from pathlib import Path

HEADER_PLURAL = '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"'


def fill(text: str) -> tuple[str, int]:
    filled = 0
    entries = text.split("\n\n")
    for index, entry in enumerate(entries):
        match = re.search(
            r"^msgid (.*?)\nmsgid_plural (.*?)\nmsgstr\[0\] (.*?)\nmsgstr\[1\] (.*?)$",
            entry,
            re.S | re.M,
        )
        if not match:
            continue
        singular, plural, first, second = match.groups()
        fuzzy = re.search(r"^#,.*\bfuzzy\b", entry, re.M)
        if not fuzzy and (first.strip() != '""' or second.strip() != '""'):
            continue  # translated by hand: keep it
        # Empty, or guessed by msgmerge from a similar message (fuzzy): the
        # source's own forms.
        entries[index] = (
            entry[: match.start()]
            + f"msgid {singular}\nmsgid_plural {plural}\n"
            + f"msgstr[0] {singular}\nmsgstr[1] {plural}"
            + entry[match.end() :]
        )
        # A fuzzy entry would be skipped by msgfmt.
        # Nor is the guess's source (the "#|" lines) worth keeping.
        entries[index] = re.sub(
            r"^#\| .*\n",
            "",
            entries[index].replace("#, fuzzy, ", "#, ").replace("#, fuzzy\n", ""),
            flags=re.M,
        )
        filled += 1
    for index, entry in enumerate(entries):
        # A singular message msgmerge guessed from a similar one: the
        # interface is French already, so the guess is wrong; emptied.
        if (
            re.search(r"^#,.*\bfuzzy\b", entry, re.M)
            and 'msgid ""\nmsgstr ""' not in entry
        ):
            entry = re.sub(r"^#\| .*\n", "", entry, flags=re.M)
            entry = entry.replace("#, fuzzy, ", "#, ").replace("#, fuzzy\n", "")
            entries[index] = re.sub(r"\nmsgstr (.|\n)*$", '\nmsgstr ""', entry)
    text = "\n\n".join(entries)
    # The header is fuzzy until someone fills it: msgfmt would drop the
    # Plural-Forms line with it.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    text = text.replace('"Language: \\n"', '"Language: fr\\n"', 1)
    assert HEADER_PLURAL in text, "Plural-Forms absent de l'en-tête du catalogue"
    return text, filled


def main(path: str) -> None:
    po = Path(path)
    text, filled = fill(po.read_text(encoding="utf-8"))
    po.write_text(text, encoding="utf-8")
    print(f"{po} : {filled} pluriels complétés.")


if __name__ == "__main__":
    main(sys.argv[1])
