"""The initiatives' block of the team dashboard (observatoire.registry)."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

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
    values = [
        Indicator(
            _("initiatives publiées"),
            counts["published"],
            reverse("initiatives:list") + query,
        ),
        Indicator(
            _("initiatives placées sur la carte"),
            counts["with_point"],
            reverse("initiatives:map") + query,
        ),
        Indicator(_("propositions en attente"), counts["pending"], moderation),
        Indicator(
            _("modifications proposées en attente"), proposals.count(), moderation
        ),
        Indicator(_("initiatives archivées"), counts["archived"]),
    ]
    by_category = (
        initiatives.filter(status=S.PUBLISHED)
        .values("category__name")
        .annotate(total=Count("pk"))
        .order_by("-total", "category__name")[:6]
    )
    values += [Indicator(row["category__name"], row["total"]) for row in by_category]
    return values
