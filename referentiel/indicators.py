"""The référentiel's block of the team dashboard (observatoire.registry)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import ngettext

from observatoire import roles
from observatoire.registry import Indicator
from referentiel.models import Assessment, Entry


def referentiel_indicators(territory, user) -> list[Indicator]:
    assessments = Assessment.objects.all()
    aggregates = ""
    if roles.is_agent(user):
        aggregates = reverse("referentiel:assessment_aggregates")
    if territory is not None:
        assessments = assessments.within(territory)
        if aggregates:
            aggregates += "?" + urlencode({"territoire": territory.label})
    done = assessments.count()
    entries = Entry.objects.count()
    return [
        Indicator(
            ngettext("autodiagnostic coopératif", "autodiagnostics coopératifs", done),
            done,
            aggregates,
        ),
        Indicator(
            ngettext(
                "fiche dans le référentiel", "fiches dans le référentiel", entries
            ),
            entries,
            reverse("referentiel:overview"),
        ),
    ]
