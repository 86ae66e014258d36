"""Referential entries in the site-wide search (observatoire.search)."""

from django.utils.translation import gettext_lazy as _

from observatoire import search
from referentiel.models import Entry, Part, Section


def document(entry: Entry) -> dict:
    container = entry.section or entry.part
    texts = [entry.description, *(tag.name for tag in entry.tags.all())]
    return {
        "title": entry.title,
        "body": "\n".join(text for text in texts if text),
        "context": str(container),
        "url": entry.get_absolute_url(),
    }


def register() -> None:
    search.register(
        Entry,
        kind="referentiel",
        label=_("Référentiel des compétences de coopération"),
        public=lambda: Entry.objects.select_related("part", "section").prefetch_related(
            "tags"
        ),
        document=document,
        position=40,
        follows={
            Part: lambda pks: Entry.objects.filter(part__in=pks).values_list(
                "pk", flat=True
            ),
            Section: lambda pks: Entry.objects.filter(section__in=pks).values_list(
                "pk", flat=True
            ),
        },
    )
