"""Published workshops and their items in the site-wide search, workshops
in the feeds (observatoire.search, observatoire.feeds)."""

from django.utils.translation import gettext_lazy as _

from ateliers.models import Item, Section, Workshop
from observatoire import feeds, search


def workshop_document(workshop: Workshop) -> dict:
    texts = [workshop.event.name if workshop.event else ""]
    for section in workshop.sections.all():
        texts += [section.display_heading, section.text]
    texts += [tag.name for tag in workshop.tags.all()]
    return {
        "title": workshop.title,
        "body": "\n".join(text for text in texts if text),
        "context": workshop.territory.label if workshop.territory else "",
        "url": workshop.get_absolute_url(),
        "territory_id": workshop.territory_id,
    }


def item_document(item: Item) -> dict:
    workshop = item.section.workshop
    texts = [item.text, *(tag.name for tag in item.tags.all())]
    return {
        "title": item.text,
        "body": "\n".join(texts),
        "context": f"{item.section.display_heading} · {workshop.title}",
        "url": item.get_absolute_url(),
        "territory_id": workshop.territory_id,
    }


def register() -> None:
    search.register(
        Workshop,
        kind="ateliers",
        label=_("Ateliers"),
        public=lambda: (
            Workshop.objects.published()
            .select_related("event", "territory__parent")
            .prefetch_related("sections", "tags")
        ),
        document=workshop_document,
        position=20,
        # A section's heading and text are part of the workshop's document.
        follows={
            Section: lambda pks: (
                Workshop.objects.filter(sections__in=pks)
                .values_list("pk", flat=True)
                .distinct()
            )
        },
    )
    search.register(
        Item,
        kind="elements",
        label=_("Éléments d'ateliers"),
        public=lambda: (
            Item.objects.published()
            .select_related("section__workshop")
            .prefetch_related("tags")
        ),
        document=item_document,
        position=30,
        # Publishing or unpublishing a workshop shows or hides all its items;
        # a section's heading is the items' context.
        follows={
            Workshop: lambda pks: Item.objects.filter(
                section__workshop__in=pks
            ).values_list("pk", flat=True),
            Section: lambda pks: Item.objects.filter(section__in=pks).values_list(
                "pk", flat=True
            ),
        },
    )
    feeds.register(
        label=_("Atelier"),
        public=lambda: Workshop.objects.published().select_related(
            "event", "territory__parent"
        ),
        summary=workshop_summary,
    )


def workshop_summary(workshop: Workshop) -> str:
    parts = [str(_("Synthèse d'atelier"))]
    if workshop.event:
        parts.append(workshop.event.name)
    if workshop.territory:
        parts.append(workshop.territory.label)
    if workshop.starts_on:
        parts.append(workshop.starts_on.strftime("%d/%m/%Y"))
    return " · ".join(parts)
