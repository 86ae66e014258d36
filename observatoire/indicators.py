"""Indicators of the territory portraits, the comparison and the baromètre.

Everything is counted over *published* initiatives and workshops placed in a
territory or anywhere inside it (`Territory.inside`). The initiatives' figures
come from their tallies (observatoire/tallies.py): stored per département and
summed per région and for France, counted live for EPCI and communes, in a
fixed number of queries whatever the number of initiatives — the portrait of
France costs no more than the portrait of a village. Workshops are few and
counted here with one conditional count per territory.

`portrait()` and `comparison()` cache their public part under keys built from
the data versions (observatoire/versions.py): a publication shows on the next
request. The agents' figures (`agents_block`) are never cached nor shown to
anyone else.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import TaggedItem

from ateliers.models import Item, Workshop
from initiatives.models import (
    ActionLevel,
    Category,
    Family,
    Initiative,
    ModerationEvent,
    ResourceType,
)
from observatoire import tallies, versions
from observatoire.models import Territory
from observatoire.tallies import Tally

PER_INHABITANTS = 10_000
CACHE_SECONDS = 3600
SCOPES = (versions.INITIATIVES, versions.ATELIERS, versions.TERRITORIES, versions.TAGS)
MAX_COMPARED = 4
TOP_TAGS = 15
ITEMS_PER_KIND = 5
# Decisions older than this say little about today's moderation delay.
MODERATION_WINDOW = timedelta(days=365)

K = Territory.Kind
PUBLISHED = Initiative.Status.PUBLISHED

# The workshop items a portrait gathers, as the cross-workshop pages group
# them (ateliers/views.py GATHERED): key (also the URL name), section kinds.
WORKSHOP_KINDS = [
    ("vigilance", ("vigilance",), gettext_lazy("Points de vigilance")),
    ("opportunites", ("opportunites",), gettext_lazy("Opportunités")),
    ("enjeux", ("enjeux",), gettext_lazy("Enjeux")),
    ("a_enqueter", ("a_enqueter", "idees"), gettext_lazy("Questions à enquêter")),
]


def density(count: int, population: int | None) -> float | None:
    """Initiatives per 10,000 inhabitants; None where the population is unknown."""
    if not population:
        return None
    return count * PER_INHABITANTS / population


def share(count: int, total: int) -> float | None:
    return count / total if total else None


# The levels above -------------------------------------------------------


def levels_above(territory: Territory) -> list[Territory]:
    """Every level above `territory`, nearest first: commune → EPCI →
    département → région → France. An EPCI's département is the one of its
    most populous commune (EPCI have no official parent)."""
    above = []
    if territory.kind == K.COMMUNE and territory.epci_id:
        above.append(territory.epci)
    current = territory
    if territory.kind == K.EPCI:
        main = (
            Territory.objects.filter(epci=territory)
            .select_related("parent__parent__parent")
            .order_by(F("population").desc(nulls_last=True), "pk")
            .first()
        )
        current = main
    while current is not None and current.parent_id:
        current = current.parent
        above.append(current)
    return above


def with_ancestors():
    """Territories with what `levels_above` reads, in one query."""
    return Territory.objects.select_related(
        "parent__parent__parent", "epci", "epci__parent"
    )


# Headline figures -------------------------------------------------------


@dataclass
class Figures:
    territory: Territory
    initiatives: int
    workshops: int
    items: dict[str, int]
    last_update: datetime | None

    @property
    def density(self) -> float | None:
        return density(self.initiatives, self.territory.population)

    @property
    def items_total(self) -> int:
        return sum(self.items.values())


def _scope(territories: list[Territory], field: str) -> Q:
    """Rows inside any of `territories`: narrows the scan to what is counted."""
    query = Q()
    for territory in territories:
        query |= territory.inside(field)
    return query


def _counts_and_updates(published, territories: list[Territory], field: str):
    """For each territory i: `n{i}` objects inside it and `u{i}` their latest
    update, in one query over them all."""
    return published.filter(_scope(territories, field)).aggregate(
        **{
            f"n{i}": Count("pk", filter=t.inside(field))
            for i, t in enumerate(territories)
        },
        **{
            f"u{i}": Max("updated_at", filter=t.inside(field))
            for i, t in enumerate(territories)
        },
    )


def headline(
    territories: list[Territory], counted: list[Tally] | None = None
) -> list[Figures]:
    """Published initiatives, workshops, workshop items and last update of each
    territory (sub-territories included). The initiatives come from their
    tallies (`counted`, else `tallies.of`); workshops are few and counted
    here, in two queries."""
    if counted is None:
        counted = tallies.of(territories)
    workshops = _counts_and_updates(
        Workshop.objects.published(), territories, "territory"
    )
    kind_of = {kind: key for key, kinds, _label in WORKSHOP_KINDS for kind in kinds}
    items = (
        Item.objects.published()
        .filter(section__kind__in=kind_of)
        .filter(_scope(territories, "section__workshop__territory"))
        .values("section__kind")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=t.inside("section__workshop__territory"))
                for i, t in enumerate(territories)
            }
        )
        .order_by()
    )
    per_kind = [
        dict.fromkeys((key for key, *_ in WORKSHOP_KINDS), 0) for _ in territories
    ]
    for row in items:
        for i in range(len(territories)):
            per_kind[i][kind_of[row["section__kind"]]] += row[f"n{i}"]
    figures = []
    for i, territory in enumerate(territories):
        dates = [d for d in (counted[i].updated, workshops[f"u{i}"]) if d]
        figures.append(
            Figures(
                territory,
                counted[i].initiatives,
                workshops[f"n{i}"] or 0,
                per_kind[i],
                max(dates) if dates else None,
            )
        )
    return figures


# Breakdowns -------------------------------------------------------------


@dataclass
class Row:
    label: str
    counts: list[int]
    shares: list[float | None]


@dataclass
class Breakdown:
    key: str
    title: str
    rows: list[Row]
    multiple: bool = False


NOT_SAID = gettext_lazy("Non précisé")


def breakdowns(
    territories: list[Territory],
    totals: list[int],
    counted: list[Tally] | None = None,
) -> list[Breakdown]:
    """Count and share of each value of the six descriptive fields, per
    territory; `totals` (the headline counts) are the shares' denominators.
    From the territories' tallies (`counted`, else counted here); the labels
    cost one query per vocabulary."""
    if counted is None:
        counted = tallies.of(territories)

    def per_value(counters: list) -> dict:
        values = dict.fromkeys(v for counter in counters for v in counter)
        return {value: [counter[value] for counter in counters] for value in values}

    def rows_from(counts: dict, labels: dict) -> list[Row]:
        rows = []
        for value, label in labels.items():
            found = counts.get(value)
            if found and any(found):
                rows.append(
                    Row(
                        str(label),
                        found,
                        [
                            share(n, total)
                            for n, total in zip(found, totals, strict=True)
                        ],
                    )
                )
        return rows

    result = [
        Breakdown(
            "types",
            _("Type de pratique"),
            rows_from(
                per_value([t.count_by("category") for t in counted]),
                dict(Category.objects.values_list("pk", "name")),
            ),
        )
    ]
    for key, title, model, name in (
        ("familles", _("Famille"), Family, "families"),
        ("niveaux", _("Niveau d'action"), ActionLevel, "action_levels"),
        ("ressources", _("Ressources"), ResourceType, "resources"),
    ):
        labels = dict(model.objects.values_list("pk", "name"))
        counts = per_value([t.links(name) for t in counted])
        result.append(Breakdown(key, title, rows_from(counts, labels), True))
    for name in ("economic_model", "governance"):
        result.append(
            _choice_breakdown(
                per_value([t.count_by(name) for t in counted]), totals, name
            )
        )
    # Screen order: as the issue lists them.
    order = ["types", "familles", "niveaux", "modeles", "ressources", "gouvernance"]
    return sorted(result, key=lambda b: order.index(b.key))


def _choice_breakdown(counts: dict, totals, name) -> Breakdown:
    """`counts`: {value: [count per territory]} of the values found."""
    field = Initiative._meta.get_field(name)
    labels = {**dict(field.choices), "": NOT_SAID}
    rows = [
        Row(
            str(label),
            counts[value],
            [share(n, t) for n, t in zip(counts[value], totals, strict=True)],
        )
        for value, label in labels.items()
        if value in counts and any(counts[value])
    ]
    key = "modeles" if name == "economic_model" else "gouvernance"
    title = _("Modèle économique") if name == "economic_model" else _("Gouvernance")
    return Breakdown(key, title, rows)


# Evolution --------------------------------------------------------------


@dataclass
class Evolution:
    years: list[tuple[int, list[int], list[int]]]  # year, births, closures
    estimated: list[int]  # births dated by their publication year, per territory
    stopped: list[int] = field(default_factory=list)


def evolution(
    territories: list[Territory], counted: list[Tally] | None = None
) -> Evolution:
    """Births (creation year, else publication year, else the year the record
    was made) and closures by year, from the territories' tallies."""
    if counted is None:
        counted = tallies.of(territories)
    n = len(territories)
    by_year: dict[int, tuple[list[int], list[int]]] = {}
    estimated = [0] * n
    stopped = [0] * n
    for i, tally in enumerate(counted):
        for (year, stopped_year), count in tally.years.items():
            for when, column in ((year, 0), (stopped_year, 1)):
                if when is not None:
                    by_year.setdefault(when, ([0] * n, [0] * n))[column][i] += count
            if stopped_year is not None:
                stopped[i] += count
        estimated[i] = sum(
            count for (year, _stop), count in tally.estimated.items() if year
        )
    years = [(year, *by_year[year]) for year in sorted(by_year)]
    return Evolution(years, estimated, stopped)


# The levels below -------------------------------------------------------


@dataclass
class Child:
    territory: Territory
    initiatives: int

    @property
    def density(self) -> float | None:
        return density(self.initiatives, self.territory.population)


@dataclass
class ChildTable:
    key: str
    title: str
    rows: list[Child]


def per_departement() -> dict[int, int]:
    """Published initiatives per département (per area: the communes' parent,
    0 for none), from the stored tallies. A portrait reads them from its
    territory's tally (`Tally.parts`) instead."""
    parts = Counter()
    for tally in tallies.areas(None).values():
        parts.update(tally.parts)
    return dict(parts)


def children(territory: Territory, by_departement=None) -> list[ChildTable]:
    """The territories one level down with their counts: régions of France,
    départements of a région, EPCI and communes of a département, communes of
    an EPCI. France and régions from the départements' stored counts
    (`by_departement`, from `per_departement()`); two queries per other table."""
    tables = []
    if territory.kind == K.FRANCE:
        tables.append(
            (
                "regions",
                _("Régions"),
                territory.children.filter(kind=K.REGION),
                "commune__parent__parent",
            )
        )
    elif territory.kind == K.REGION:
        tables.append(
            (
                "departements",
                _("Départements"),
                territory.children.filter(kind=K.DEPARTEMENT),
                "commune__parent",
            )
        )
    elif territory.kind == K.DEPARTEMENT:
        epcis = Territory.objects.filter(
            kind=K.EPCI,
            pk__in=Territory.objects.filter(
                parent=territory, epci__isnull=False
            ).values("epci"),
        )
        tables.append(("epci", _("Intercommunalités (EPCI)"), epcis, "commune__epci"))
        tables.append(
            (
                "communes",
                _("Communes"),
                territory.children.filter(kind=K.COMMUNE),
                "commune",
            )
        )
    elif territory.kind == K.EPCI:
        tables.append(
            ("communes", _("Communes"), territory.member_communes.all(), "commune")
        )
    result = []
    for key, title, members, path in tables:
        members = list(members.order_by("name"))
        if key in ("regions", "departements") and by_departement is None:
            by_departement = per_departement()
        if key == "departements":
            counts = by_departement
        elif key == "regions":
            counts = tallies.per_parent(by_departement)
        else:
            counts = dict(
                Initiative.objects.published()
                .filter(**{f"{path}__in": [m.pk for m in members]})
                .values_list(path)
                .annotate(n=Count("pk"))
                .order_by()
            )
        result.append(
            ChildTable(key, title, [Child(m, counts.get(m.pk, 0)) for m in members])
        )
    return result


CHILD_SORTS = {
    "nom": lambda child: child.territory.search_name,
    "initiatives": lambda child: child.initiatives,
    "densite": lambda child: child.density,
    "population": lambda child: child.territory.population,
}


def sort_children(rows: list[Child], sort: str) -> tuple[list[Child], str]:
    """Rows in the order ?tri= asks ("densite", "-densite"…), unknown values
    last in both directions; an unknown sort orders by name."""
    key = sort.removeprefix("-")
    if key not in CHILD_SORTS:
        return rows, "nom"
    value = CHILD_SORTS[key]
    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    return sorted(known, key=value, reverse=sort.startswith("-")) + unknown, sort


def departements_ranking(by_departement=None) -> list[Child]:
    """Every département of France by density, highest first: two queries, one
    when given `per_departement()`."""
    departements = list(
        Territory.objects.filter(kind=K.DEPARTEMENT).select_related("parent")
    )
    counts = per_departement() if by_departement is None else by_departement
    rows = [Child(d, counts.get(d.pk, 0)) for d in departements]
    return sort_children(rows, "-densite")[0]


# Cross-tabulations ------------------------------------------------------


@dataclass
class Crosstab:
    key: str
    title: str
    row_title: str
    column_title: str
    columns: list[str]
    rows: list[tuple[str, list[int]]]
    base: int  # initiatives the table rests on


def _labels(name: str) -> dict:
    field = Initiative._meta.get_field(name)
    if field.many_to_many or field.is_relation:
        return dict(field.related_model.objects.values_list("pk", "name"))
    return dict(field.choices)


def crosstabs(territory: Territory, tally: Tally | None = None) -> list[Crosstab]:
    """The seeds' questions to investigate, as tables of initiatives counted by
    two fields at once, from the territory's tally (each many-to-many field is
    tallied with the field its table pairs it with); the labels cost one query
    per vocabulary."""
    if tally is None:
        tally = tallies.of([territory])[0]
    titles = {
        "modele-famille": _("Modèle économique × famille"),
        "ressources-gouvernance": _("Ressources × gouvernance"),
        "niveau-type": _("Niveau d'action × type de pratique"),
    }
    tables = []
    for key, row_name, column_name in tallies.CROSSTABS:
        linked = row_name if row_name in tallies.PARTNERS else column_name
        other = Initiative._meta.get_field(tallies.PARTNERS[linked])
        cells = {
            ((value, said) if linked == row_name else (said, value)): n
            for (value, said), n in tally.linked[linked].items()
            # The partner's « non précisé » is left out of the table.
            if not (other.choices and said == "")
        }
        row_labels, column_labels = _labels(row_name), _labels(column_name)
        used_rows = [v for v in row_labels if any(r == v for r, _c in cells)]
        used_columns = [v for v in column_labels if any(c == v for _r, c in cells)]
        tables.append(
            Crosstab(
                key,
                titles[key],
                str(Initiative._meta.get_field(row_name).verbose_name).capitalize(),
                str(Initiative._meta.get_field(column_name).verbose_name).capitalize(),
                [str(column_labels[c]) for c in used_columns],
                [
                    (str(row_labels[r]), [cells.get((r, c), 0) for c in used_columns])
                    for r in used_rows
                ],
                tally.bases[key],
            )
        )
    return tables


# What the workshops said, tags ------------------------------------------


@dataclass
class Gathered:
    key: str
    label: str
    url: str
    count: int
    items: list


def workshop_items(territory: Territory, counts: dict[str, int]) -> list[Gathered]:
    """A few items of each kind from published workshops in the territory or
    below, the latest workshops first: two queries for the four kinds (the
    first few of each, numbered by a window function, then read)."""
    # Numbers, not texts: sorting thousands of items by collated text took
    # most of the query's time.
    group = Case(
        *(
            When(section__kind__in=kinds, then=Value(number))
            for number, (_key, kinds, _label) in enumerate(WORKSHOP_KINDS)
        ),
        output_field=IntegerField(),
    )
    rank = Window(
        RowNumber(),
        partition_by=[group],
        order_by=[
            # Undated workshops last, on PostgreSQL as on SQLite.
            F("section__workshop__starts_on").desc(nulls_last=True),
            F("section__workshop").asc(),
            F("position").asc(),
            F("pk").asc(),
        ],
    )
    # The few ids first, ranked over narrow rows (sorting the items with
    # their workshops' whole text cost 12 ms on 200 workshops), then the items.
    ranked = list(
        Item.objects.published()
        .filter(
            section__kind__in=[k for _k, kinds, _l in WORKSHOP_KINDS for k in kinds],
            parent__isnull=True,
        )
        .filter(territory.inside("section__workshop__territory"))
        .annotate(group=group, rank=rank)
        .filter(rank__lte=ITEMS_PER_KIND)
        .order_by("group", "rank")
        .values_list("pk", "group")
    )
    items = Item.objects.select_related("section__workshop").in_bulk(
        [pk for pk, _group in ranked]
    )
    found: dict[str, list] = {key: [] for key, *_rest in WORKSHOP_KINDS}
    for pk, number in ranked:
        found[WORKSHOP_KINDS[number][0]].append(items[pk])
    gathered = []
    for key, _kinds, label in WORKSHOP_KINDS:
        url = reverse(f"ateliers:{key}")
        if not territory.is_everywhere:
            url += f"?territoire={territory.slug}"
        gathered.append(Gathered(key, str(label), url, counts.get(key, 0), found[key]))
    return gathered


def top_tags(
    territory: Territory, tally: Tally | None = None
) -> list[tuple[str, str, int]]:
    """(name, slug, uses) of the tags most used by published initiatives (from
    the territory's tally) and workshops here: two queries."""
    if tally is None:
        tally = tallies.of([territory])[0]
    uses = Counter(tally.tags)
    workshops = Workshop.objects.published().filter(territory.inside("territory"))
    uses.update(
        dict(
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Workshop),
                object_id__in=workshops.values("pk"),
            )
            .values_list("tag")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    return [
        (tag.name, tag.slug, n) for tag, n in tallies.most_used_tags(uses, TOP_TAGS)
    ]


# The whole portrait -----------------------------------------------------


def portrait(territory: Territory) -> dict:
    """Every public block of the portrait of `territory`, cached until the data
    changes."""
    name = versions.key("portrait", territory.pk, scopes=SCOPES)
    value = cache.get(name)
    if value is None:
        value = _portrait(territory)
        cache.set(name, value, CACHE_SECONDS)
    return value


def _portrait(territory: Territory) -> dict:
    above = levels_above(territory)
    levels = [territory, *above]
    counted = tallies.of(levels)
    figures = headline(levels, counted)
    compared = levels[:2]
    totals = [f.initiatives for f in figures[: len(compared)]]
    # France and régions: their départements' counts come with their tally.
    by_departement = (
        dict(counted[0].parts) if territory.kind in (K.FRANCE, K.REGION) else None
    )
    return {
        "above": above,
        "figures": figures,
        "compared": compared,
        "breakdowns": breakdowns(compared, totals, counted[: len(compared)]),
        "evolution": evolution([territory], counted[:1]),
        "children": children(territory, by_departement),
        "crosstabs": crosstabs(territory, counted[0]),
        "workshop_items": workshop_items(territory, figures[0].items),
        "tags": top_tags(territory, counted[0]),
        "ranking": (
            departements_ranking(by_departement) if territory.kind == K.FRANCE else []
        ),
    }


def comparison(territories: list[Territory]) -> dict:
    """Headline figures, breakdown shares and evolution of 2 to 4 territories."""
    name = versions.key("compare", *(t.pk for t in territories), scopes=SCOPES)
    value = cache.get(name)
    if value is None:
        counted = tallies.of(territories)
        figures = headline(territories, counted)
        value = {
            "figures": figures,
            "breakdowns": breakdowns(
                territories, [f.initiatives for f in figures], counted
            ),
            "evolution": evolution(territories, counted),
        }
        cache.set(name, value, CACHE_SECONDS)
    return value


# For agents only --------------------------------------------------------


@dataclass
class AgentsBlock:
    pending: int
    decisions: int
    median_delay: timedelta | None
    assessments: int
    domains: list = field(default_factory=list)
    means: list = field(default_factory=list)  # None where the group is too small
    min_group_size: int = 0


def agents_block(territory: Territory) -> AgentsBlock:
    """Pending submissions here, median time from submission to the first
    moderation decision (last 12 months), self-assessment means (withheld
    below the referential's minimum group size). Never cached: for agents."""
    from referentiel import services as referentiel

    initiatives = Initiative.objects.filter(territory.inside("commune"))
    pending = initiatives.filter(status=Initiative.Status.PENDING).count()
    A = ModerationEvent.Action
    decided = (
        ModerationEvent.objects.filter(
            action__in=[A.APPROVED, A.REJECTED, A.SPAM],
            at__gte=timezone.now() - MODERATION_WINDOW,
        )
        .filter(territory.inside("initiative__commune"))
        .values("initiative")
        .annotate(first=Min("at"), submitted=F("initiative__created_at"))
        .order_by()
    )
    delays = [row["first"] - row["submitted"] for row in decided]
    median = statistics.median(delays) if delays else None
    block = AgentsBlock(pending, len(delays), median, 0)
    referential = referentiel.current_referential()
    if referential is not None:
        domains, rows = referentiel.assessment_aggregates(
            referential=referential,
            territory=None if territory.is_everywhere else territory,
        )
        total = next((row for row in rows if row.is_total), None)
        block.domains = domains
        block.min_group_size = referentiel.MIN_GROUP_SIZE
        if total is not None:
            block.assessments = total.count
            block.means = total.means
    return block
