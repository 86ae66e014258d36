"""Counts of published initiatives per commune, computed once for the whole
site and summed in Python over the communes of any territory.

A portrait or a comparison used to ask the database, for each territory, to
count the initiatives whose commune is in a list of thousands of ids: several
seconds per cold portrait at 50,000 initiatives. Here a fixed number of GROUP
BY commune queries over the published initiatives (no id list) build one
`Tallies` value, cached under the data versions it reads: one cold computation
then serves every portrait and every comparison until an initiative or a
territory changes.

Every count is additive over communes (an initiative has one commune), so a
territory's figure is the sum over the communes inside it — the same
membership as `Territory.inside()`: the commune itself, its département, its
région, its EPCI.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce, ExtractYear

from initiatives.models import Initiative
from observatoire import versions

CACHE_SECONDS = 3600
SCOPES = (versions.INITIATIVES, versions.TERRITORIES)

# The descriptive fields of the breakdowns: (key in the tallies, field name).
FIELDS = ("category", "families", "action_levels", "resources")
CHOICES = ("economic_model", "governance")
# The cross-tabulations: key, row field, column field (indicators.crosstabs).
CROSSTABS = (
    ("modele-famille", "economic_model", "families"),
    ("ressources-gouvernance", "resources", "governance"),
    ("niveau-type", "action_levels", "category"),
)


@dataclass
class Tallies:
    # commune id → (département id, région id, EPCI id)
    places: dict[int, tuple]
    # commune id → {key: count}; keys are ("n",), (field, value),
    # ("birth", year), ("estimated", year), ("stopped", year),
    # ("cell", crosstab, row, column), ("base", crosstab)
    counts: dict[int, dict[tuple, int]]
    updated: dict[int, datetime]
    total: Counter

    def communes(self, territory) -> list[int]:
        """The communes with published initiatives inside `territory`."""
        if territory.is_everywhere:
            return list(self.counts)
        pk = territory.pk
        return [
            commune
            for commune, place in self.places.items()
            if commune == pk or pk in place
        ]

    def of(self, territory) -> Counter:
        """Every count of `territory`, sub-territories included."""
        if territory.is_everywhere:
            return self.total
        summed = Counter()
        for commune in self.communes(territory):
            summed.update(self.counts[commune])
        return summed

    def last_update(self, territory) -> datetime | None:
        dates = [self.updated[c] for c in self.communes(territory) if self.updated[c]]
        return max(dates) if dates else None

    def initiatives_of(self, pk: int) -> int:
        """Published initiatives inside the territory `pk` (any kind but France)."""
        return sum(
            counts[("n",)]
            for commune, counts in self.counts.items()
            if commune == pk or pk in self.places[commune]
        )

    def initiatives_by(self, level: int) -> Counter:
        """Initiatives per département (level 0), région (1) or EPCI (2)."""
        result = Counter()
        for commune, place in self.places.items():
            if place[level] is not None:
                result[place[level]] += self.counts[commune][("n",)]
        return result


def tallies() -> Tallies:
    name = versions.key("tallies", scopes=SCOPES)
    value = cache.get(name)
    if value is None:
        value = _tallies()
        cache.set(name, value, CACHE_SECONDS)
    return value


def _add(counts, rows, key):
    for row in rows:
        counts.setdefault(row["commune"], {})[key(row)] = row["n"]


def _tallies() -> Tallies:
    """A fixed number of GROUP BY commune queries, whatever the number of
    initiatives and of territories."""
    # Initiatives without a commune count for France only (commune None).
    published = Initiative.objects.published()
    places, counts, updated = {}, {}, {}
    for row in (
        published.values(
            "commune", "commune__parent", "commune__parent__parent", "commune__epci"
        )
        .annotate(n=Count("pk"), updated=Max("updated_at"))
        .order_by()
    ):
        commune = row["commune"]
        places[commune] = (
            row["commune__parent"],
            row["commune__parent__parent"],
            row["commune__epci"],
        )
        counts[commune] = {("n",): row["n"]}
        updated[commune] = row["updated"]
    for name in (*FIELDS, *CHOICES):
        field = Initiative._meta.get_field(name)
        if field.many_to_many:
            through = field.remote_field.through
            target = Initiative._meta.get_field(name).m2m_reverse_field_name()
            rows = (
                through.objects.filter(initiative__status=Initiative.Status.PUBLISHED)
                .values(target, commune=F("initiative__commune"))
                .annotate(n=Count("pk"))
                .order_by()
            )
            _add(
                counts, rows, lambda row, name=name, target=target: (name, row[target])
            )
        else:
            rows = published.values("commune", name).annotate(n=Count("pk")).order_by()
            _add(counts, rows, lambda row, name=name: (name, row[name]))
    births = (
        published.annotate(
            year=Coalesce(
                "creation_year", ExtractYear("published_at"), ExtractYear("created_at")
            )
        )
        .filter(year__isnull=False)
        .values("commune", "year")
        .annotate(n=Count("pk"), e=Count("pk", filter=Q(creation_year__isnull=True)))
        .order_by()
    )
    for row in births:
        here = counts.setdefault(row["commune"], {})
        here[("birth", row["year"])] = row["n"]
        if row["e"]:
            here[("estimated", row["year"])] = row["e"]
    closures = (
        published.filter(stopped_year__isnull=False)
        .values("commune", "stopped_year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    _add(counts, closures, lambda row: ("stopped", row["stopped_year"]))
    for key, row_name, column_name in CROSSTABS:
        queryset = crosstab_queryset(published, row_name, column_name)
        cells = (
            queryset.values("commune", row_name, column_name)
            .annotate(n=Count("pk"))
            .order_by()
        )
        _add(
            counts,
            cells,
            lambda row, key=key, r=row_name, c=column_name: (
                "cell",
                key,
                row[r],
                row[c],
            ),
        )
        bases = (
            queryset.values("commune").annotate(n=Count("pk", distinct=True)).order_by()
        )
        _add(counts, bases, lambda row, key=key: ("base", key))
    total = Counter()
    for here in counts.values():
        total.update(here)
    return Tallies(places, counts, updated, total)


def crosstab_queryset(queryset, row_name: str, column_name: str):
    """The initiatives a cross-tabulation rests on: both fields said."""
    for name in (row_name, column_name):
        field = Initiative._meta.get_field(name)
        if field.many_to_many:
            queryset = queryset.filter(**{f"{name}__isnull": False})
        elif field.choices:
            queryset = queryset.exclude(**{name: ""})  # « non précisé »
    return queryset
