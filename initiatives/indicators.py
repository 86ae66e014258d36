"""The initiatives' block of the team dashboard (observatoire.registry)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from initiatives.models import ChangeProposal, Initiative
from observatoire import roles
from observatoire.registry import Indicator


def initiative_indicators(territory, user) -> list[Indicator]:
    initiatives = Initiative.objects.all()
    proposals = ChangeProposal.objects.pending()
    query = ""
    if territory is not None:
        initiatives = initiatives.within(territory)
        proposals = proposals.filter(initiative__in=initiatives.values("pk"))
        query = "?" + urlencode({"territoire": territory.slug})
    S = Initiative.Status
    counts = initiatives.aggregate(
        published=Count("pk", filter=Q(status=S.PUBLISHED)),
        pending=Count("pk", filter=Q(status=S.PENDING)),
        archived=Count("pk", filter=Q(status=S.ARCHIVED)),
        with_point=Count("pk", filter=Q(status=S.PUBLISHED, latitude__isnull=False)),
    )
    moderation = reverse("initiatives:moderation") if roles.is_moderator(user) else ""
    pending_changes = proposals.count()
    n = counts
    values = [
        Indicator(
            ngettext("initiative publiée", "initiatives publiées", n["published"]),
            n["published"],
            reverse("initiatives:list") + query,
        ),
        Indicator(
            ngettext(
                "initiative placée sur la carte",
                "initiatives placées sur la carte",
                n["with_point"],
            ),
            n["with_point"],
            reverse("initiatives:map") + query,
        ),
        Indicator(
            ngettext("proposition en attente", "propositions en attente", n["pending"]),
            n["pending"],
            moderation,
        ),
        Indicator(
            ngettext(
                "modification proposée en attente",
                "modifications proposées en attente",
                pending_changes,
            ),
            pending_changes,
            moderation,
        ),
        Indicator(
            ngettext("initiative archivée", "initiatives archivées", n["archived"]),
            n["archived"],
        ),
    ]
    return values + _by_category(initiatives.filter(status=S.PUBLISHED), territory)


# Enough kinds to show the main ones; the rest are summed in « autres ».
TOP_CATEGORIES = 6


def _by_category(published, territory) -> list[Indicator]:
    """Published initiatives per kind of practice, each with its share and a
    link to the list filtered on it; the long tail summed in « autres »."""
    rows = list(
        published.values("category__name", "category__slug")
        .annotate(total=Count("pk"))
        .order_by("-total", "category__name")
    )
    total = sum(row["total"] for row in rows)
    if not total:
        return []
    base = {"territoire": territory.slug} if territory is not None else {}
    values = []
    for row in rows[:TOP_CATEGORIES]:
        query = urlencode({**base, "type": row["category__slug"]})
        values.append(
            Indicator(
                row["category__name"],
                row["total"],
                reverse("initiatives:list") + "?" + query,
                share=row["total"] / total,
            )
        )
    rest = rows[TOP_CATEGORIES:]
    if rest:
        others = sum(row["total"] for row in rest)
        query = urlencode(
            [*base.items(), *(("type", row["category__slug"]) for row in rest)]
        )
        values.append(
            Indicator(
                _("autres types de pratique"),
                others,
                reverse("initiatives:list") + "?" + query,
                share=others / total,
            )
        )
    return values
