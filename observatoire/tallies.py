"""Counts of published initiatives grouped by département (for France, the
régions and the départements) or by commune (for EPCI and communes), summed in
Python over the groups inside each territory.

A portrait or a comparison used to ask the database, for each territory and
each descriptive field, to count the initiatives whose commune is in a list of
up to 35,000 ids: several seconds per cold portrait at 50,000 initiatives.
Here one GROUP BY query per field serves every territory at once:

- `national()` groups every published initiative by the département of its
  commune, with no id list; about a hundred groups whatever the number of
  initiatives. It is cached for the whole site under the data versions it
  reads, so one cold computation serves every portrait and comparison until an
  initiative or a territory changes.
- `local()` groups by commune the initiatives of a few communes (an EPCI, a
  commune): a short id list, read through the (status, commune) index.

Every count is additive (an initiative has one commune), so a territory's
figure is the sum of its groups — the same membership as `Territory.inside()`.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce, ExtractYear

from initiatives.models import Initiative
from observatoire import versions
from observatoire.models import Territory

CACHE_SECONDS = 3600
SCOPES = (versions.INITIATIVES, versions.TERRITORIES)

# The descriptive fields of the breakdowns.
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
    """Counts per group (a département or a commune id; None for initiatives
    without a commune). Keys: ("n",), (field, value), ("birth", year),
    ("estimated", year), ("stopped", year), ("cell", crosstab, row, column),
    ("base", crosstab)."""

    counts: dict[int | None, dict[tuple, int]]
    updated: dict[int | None, datetime | None]
    # National tallies only: département id → région id.
    regions: dict[int, int | None] = field(default_factory=dict)
    total: Counter = field(default_factory=Counter)

    def sum(self, groups) -> Counter:
        summed = Counter()
        for group in groups:
            if group in self.counts:
                summed.update(self.counts[group])
        return summed

    def last_update(self, groups) -> datetime | None:
        dates = [self.updated.get(group) for group in groups]
        dates = [d for d in dates if d]
        return max(dates) if dates else None


def national() -> Tallies:
    """Every published initiative by département, cached until the data changes."""
    name = versions.key("tallies", scopes=SCOPES)
    value = cache.get(name)
    if value is None:
        value = build("commune__parent")
        value.regions = dict(
            Territory.objects.filter(kind=Territory.Kind.DEPARTEMENT).values_list(
                "pk", "parent"
            )
        )
        for here in value.counts.values():
            value.total.update(here)
        cache.set(name, value, CACHE_SECONDS)
    return value


def local(communes: list[int]) -> Tallies:
    """The published initiatives of `communes`, by commune."""
    return build("commune", Q(commune__in=communes))


def build(group: str, where: Q | None = None) -> Tallies:
    """One GROUP BY query per field, whatever the number of initiatives."""
    where = where or Q()
    published = Initiative.objects.published().filter(where)
    counts: dict = {}
    updated = {}

    def add(rows, key):
        for row in rows:
            if row["n"]:
                counts.setdefault(row["g"], {})[key(row)] = row["n"]

    for row in (
        published.values(g=F(group))
        .annotate(n=Count("pk"), updated=Max("updated_at"))
        .order_by()
    ):
        counts.setdefault(row["g"], {})[("n",)] = row["n"]
        updated[row["g"]] = row["updated"]
    for name in (*FIELDS, *CHOICES):
        model_field = Initiative._meta.get_field(name)
        if model_field.many_to_many:
            through = model_field.remote_field.through
            target = model_field.m2m_reverse_field_name()
            rows = (
                through.objects.filter(initiative__status=Initiative.Status.PUBLISHED)
                .filter(_prefixed(where, "initiative__"))
                .values(target, g=F(f"initiative__{group}"))
                .annotate(n=Count("pk"))
                .order_by()
            )
            add(rows, lambda row, name=name, target=target: (name, row[target]))
        else:
            rows = published.values(name, g=F(group)).annotate(n=Count("pk")).order_by()
            add(rows, lambda row, name=name: (name, row[name]))
    births = (
        published.annotate(
            year=Coalesce(
                "creation_year",
                ExtractYear("published_at"),
                # Imports and old records may lack a publication date.
                ExtractYear("created_at"),
            )
        )
        .filter(year__isnull=False)
        .values("year", g=F(group))
        .annotate(n=Count("pk"), e=Count("pk", filter=Q(creation_year__isnull=True)))
        .order_by()
    )
    for row in births:
        here = counts.setdefault(row["g"], {})
        here[("birth", row["year"])] = row["n"]
        if row["e"]:
            here[("estimated", row["year"])] = row["e"]
    closures = (
        published.filter(stopped_year__isnull=False)
        .values("stopped_year", g=F(group))
        .annotate(n=Count("pk"))
        .order_by()
    )
    add(closures, lambda row: ("stopped", row["stopped_year"]))
    for key, row_name, column_name in CROSSTABS:
        queryset = crosstab_queryset(published, row_name, column_name)
        cells = (
            # At most one many-to-many field per table, whose join values()
            # reuses: a row is one (initiative, value) pair, counted as is.
            queryset.values(row_name, column_name, g=F(group))
            .annotate(n=Count("pk"))
            .order_by()
        )
        add(
            cells,
            lambda row, key=key, r=row_name, c=column_name: (
                "cell",
                key,
                row[r],
                row[c],
            ),
        )
        bases = (
            queryset.values(g=F(group))
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        add(bases, lambda row, key=key: ("base", key))
    return Tallies(counts, updated)


def _prefixed(where: Q, prefix: str) -> Q:
    """`where` (a Q of plain lookups on Initiative) seen from a related model."""
    result = Q()
    for child in where.children:
        result &= Q(**{prefix + child[0]: child[1]})
    return result


def crosstab_queryset(queryset, row_name: str, column_name: str):
    """The initiatives a cross-tabulation rests on: both fields said."""
    for name in (row_name, column_name):
        model_field = Initiative._meta.get_field(name)
        if model_field.many_to_many:
            queryset = queryset.filter(**{f"{name}__isnull": False})
        elif model_field.choices:
            queryset = queryset.exclude(**{name: ""})  # « non précisé »
    return queryset


def counts_of(territories: list) -> list[tuple[Counter, datetime | None]]:
    """Every count of each territory (sub-territories included) and the last
    update of its initiatives: the national tallies (cached) for France, régions
    and départements, one local computation for all the EPCI and communes."""
    K = Territory.Kind
    large = [t for t in territories if t.kind in (K.FRANCE, K.REGION, K.DEPARTEMENT)]
    small = [t for t in territories if t not in large]
    nation = national() if large else None
    nearby = None
    if small:
        communes = set()
        for territory in small:
            territory.inside("commune")  # reads the ids inside, once per object
            communes.update(territory._inside_ids)
        nearby = local(sorted(communes))
    result = []
    for territory in territories:
        if territory.kind == K.FRANCE:
            groups, tallies = list(nation.counts), nation
        elif territory.kind == K.REGION:
            groups = [territory.pk] + [
                d for d, region in nation.regions.items() if region == territory.pk
            ]
            tallies = nation
        elif territory.kind == K.DEPARTEMENT:
            groups, tallies = [territory.pk], nation
        else:
            groups, tallies = territory._inside_ids, nearby
        summed = tallies.total if territory.kind == K.FRANCE else tallies.sum(groups)
        result.append((summed, tallies.last_update(groups)))
    return result
