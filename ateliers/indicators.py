"""The workshops' block of the team dashboard (observatoire.registry)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import ngettext

from ateliers.models import Item, Section, Workshop
from observatoire import roles
from observatoire.registry import Indicator

# (kind, page, label agreed with a count): ngettext needs both forms as literals.
GATHERED = [
    (
        Section.Kind.VIGILANCE,
        "ateliers:vigilance",
        lambda n: ngettext("point de vigilance", "points de vigilance", n),
    ),
    (
        Section.Kind.OPPORTUNITES,
        "ateliers:opportunites",
        lambda n: ngettext("opportunité", "opportunités", n),
    ),
    (
        Section.Kind.A_ENQUETER,
        "ateliers:a_enqueter",
        lambda n: ngettext("élément à enquêter", "éléments à enquêter", n),
    ),
]


def workshop_indicators(territory, user) -> list[Indicator]:
    workshops = Workshop.objects.all()
    query = ""
    if territory is not None:
        workshops = workshops.within(territory)
        query = "?" + urlencode({"territoire": territory.slug})
    S = Workshop.Status
    counts = workshops.aggregate(
        published=Count("pk", filter=Q(status=S.PUBLISHED)),
        drafts=Count("pk", filter=Q(status=S.DRAFT)),
    )
    items = dict(
        Item.objects.published()
        .filter(section__workshop__in=workshops.values("pk"))
        .values_list("section__kind")
        .annotate(total=Count("pk"))
    )
    values = [
        Indicator(
            ngettext("atelier publié", "ateliers publiés", counts["published"]),
            counts["published"],
            reverse("ateliers:list") + query,
        )
    ]
    if roles.is_facilitator(user):
        values.append(
            Indicator(
                ngettext(
                    "atelier en brouillon", "ateliers en brouillon", counts["drafts"]
                ),
                counts["drafts"],
                reverse("ateliers:list"),
            )
        )
    values += [
        Indicator(label(items.get(kind, 0)), items.get(kind, 0), reverse(url) + query)
        for kind, url, label in GATHERED
    ]
    return values
