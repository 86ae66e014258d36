"""Published initiatives in the site-wide search and the feeds
(observatoire.search, observatoire.feeds)."""

from django.utils.translation import gettext_lazy as _

from initiatives.models import Category, Initiative
from observatoire import feeds, search


def document(initiative: Initiative) -> dict:
    texts = [
        initiative.summary,
        initiative.description,
        initiative.organisation,
        initiative.address,
        initiative.commune.name,
        initiative.category.name,
        *(tag.name for tag in initiative.tags.all()),
    ]
    return {
        "title": initiative.name,
        "body": "\n".join(text for text in texts if text),
        "context": f"{initiative.category.name} · {initiative.commune.label}",
        "url": initiative.get_absolute_url(),
        "territory_id": initiative.commune_id,
    }


def register() -> None:
    search.register(
        Initiative,
        kind="initiatives",
        label=_("Initiatives"),
        public=lambda: (
            Initiative.objects.published()
            .select_related("commune__parent", "category")
            .prefetch_related("tags")
        ),
        document=document,
        position=10,
        # The kind of practice is named in each initiative's document.
        follows={
            Category: lambda pks: Initiative.objects.filter(
                category__in=pks
            ).values_list("pk", flat=True)
        },
    )
    feeds.register(
        label=_("Initiative"),
        public=Initiative.objects.published,
        summary=lambda initiative: initiative.summary,
    )
