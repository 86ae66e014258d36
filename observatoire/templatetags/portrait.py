"""Number formats of the portraits: shares and densities, French style."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from observatoire import charts

register = template.Library()


@register.filter
def percent(value):
    """0.123 → « 12,3 % »; None → « — »."""
    return charts.percent(value)


@register.filter
def density(value):
    """Initiatives per 10,000 inhabitants, two decimals (départements are often
    below one); « — » where the population is unknown."""
    return "—" if value is None else number_format(value, 2)


@register.filter
def at(values, index):
    """values[index] in a template."""
    try:
        return values[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def breakdown_description(breakdown, territories):
    """The chart's numbers in one sentence, for its <desc>."""
    parts = []
    for row in breakdown.rows:
        shares = ", ".join(
            f"{territory.name} {charts.percent(part)}"
            for territory, part in zip(territories, row.shares, strict=False)
        )
        parts.append(f"{row.label} : {shares}")
    return " ; ".join(parts) + "."


@register.filter
def evolution_description(evolution):
    parts = [
        _("%(year)s : %(births)s créations, %(closures)s arrêts")
        % {"year": year, "births": births[0], "closures": closures[0]}
        for year, births, closures in evolution.years
    ]
    return " ; ".join(parts) + "."


@register.filter
def duration_fr(value):
    """A timedelta as days or hours, in French."""
    hours = value.total_seconds() / 3600
    if hours < 48:
        return ngettext("%(n)s heure", "%(n)s heures", round(hours)) % {
            "n": round(hours)
        }
    days = round(hours / 24)
    return ngettext("%(n)s jour", "%(n)s jours", days) % {"n": days}


@register.filter
def compare_evolution_description(evolution, territories):
    parts = []
    for year, births, _closures in evolution.years:
        counts = ", ".join(
            f"{territory.name} {born}"
            for territory, born in zip(territories, births, strict=False)
        )
        parts.append(_("%(year)s : %(counts)s") % {"year": year, "counts": counts})
    return _("Créations par année. ") + " ; ".join(parts) + "."
