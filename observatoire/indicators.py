"""Indicators of the territory portraits, the comparison and the baromètre.

Everything is counted over *published* initiatives and workshops placed in a
territory or anywhere inside it (`Territory.inside`). Each function takes the
territories to compare and answers with a fixed number of GROUP BY queries,
one conditional count per territory, whatever the number of initiatives: the
portrait of France costs the same queries as the portrait of a village.

`portrait()` and `comparison()` cache their public part under keys built from
the data versions (observatoire/versions.py): a publication shows on the next
request. The agents' figures (`agents_block`) are never cached nor shown to
anyone else.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.db.models.functions import Coalesce, ExtractYear
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
from observatoire import versions
from observatoire.models import Territory

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


def headline(territories: list[Territory]) -> list[Figures]:
    """Published initiatives, workshops, workshop items and last update of each
    territory (sub-territories included): three queries."""
    initiatives = _counts_and_updates(
        Initiative.objects.published(), territories, "commune"
    )
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
        dates = [d for d in (initiatives[f"u{i}"], workshops[f"u{i}"]) if d]
        figures.append(
            Figures(
                territory,
                initiatives[f"n{i}"] or 0,
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


def _counted(queryset, path: str, territories, group: list[str]):
    return (
        queryset.filter(_scope(territories, path))
        .values(*group)
        .annotate(
            **{
                f"n{i}": Count("pk", filter=t.inside(path))
                for i, t in enumerate(territories)
            }
        )
        .order_by()
    )


# Each many-to-many field is counted together with the field its
# cross-tabulation pairs it with (see `crosstabs`): one scan of the link table
# then serves the breakdown and, for the portrait's territory, the table.
PARTNERS = {
    "families": "economic_model",
    "resources": "governance",
    "action_levels": "category",
}


def breakdowns(
    territories: list[Territory], totals: list[int], pairs: dict | None = None
) -> list[Breakdown]:
    """Count and share of each value of the six descriptive fields, per
    territory; `totals` (the headline counts) are the shares' denominators.
    One query per field. `pairs`, when given, receives for each many-to-many
    field {(value, partner value): count in the first territory}."""
    published = Initiative.objects.published()
    result = []
    n = len(territories)

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

    # The three single-valued fields in one scan: at most categories × models
    # × governances rows, summed per field below.
    combined = list(
        _counted(
            published,
            "commune",
            territories,
            ["category", "economic_model", "governance"],
        )
    )

    def counts_of(name: str) -> dict:
        counts: dict = {}
        for row in combined:
            found = counts.setdefault(row[name], [0] * n)
            for i in range(n):
                found[i] += row[f"n{i}"]
        return counts

    labels = dict(Category.objects.values_list("pk", "name"))
    result.append(
        Breakdown(
            "types", _("Type de pratique"), rows_from(counts_of("category"), labels)
        )
    )
    for key, title, model, name in (
        ("familles", _("Famille"), Family, "families"),
        ("niveaux", _("Niveau d'action"), ActionLevel, "action_levels"),
        ("ressources", _("Ressources"), ResourceType, "resources"),
    ):
        through = getattr(Initiative, name).through
        target = Initiative._meta.get_field(name).m2m_reverse_field_name()
        partner = f"initiative__{PARTNERS[name]}"
        counted = _counted(
            through.objects.filter(initiative__status=PUBLISHED),
            "initiative__commune",
            territories,
            [target, partner],
        )
        counts: dict = {}
        for row in counted:
            found = counts.setdefault(row[target], [0] * n)
            for i in range(n):
                found[i] += row[f"n{i}"]
            if pairs is not None and row["n0"]:
                pairs.setdefault(name, {})[(row[target], row[partner])] = row["n0"]
        labels = dict(model.objects.values_list("pk", "name"))
        result.append(Breakdown(key, title, rows_from(counts, labels), True))
        if key == "familles":
            result.append(
                _choice_breakdown(counts_of("economic_model"), totals, "economic_model")
            )
    result.append(_choice_breakdown(counts_of("governance"), totals, "governance"))
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
        if value in counts
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


def evolution(territories: list[Territory]) -> Evolution:
    """Births (creation year, else publication year, else the year the record
    was made) and closures by year: one query, by (birth year, closure year)."""
    n = len(territories)
    published = Initiative.objects.published()
    rows = _counted(
        published.annotate(
            year=Coalesce(
                "creation_year",
                ExtractYear("published_at"),
                # Imports and old records may lack a publication date.
                ExtractYear("created_at"),
            )
        ),
        "commune",
        territories,
        ["year", "stopped_year"],
    ).annotate(
        **{
            f"e{i}": Count(
                "pk", filter=t.inside("commune") & Q(creation_year__isnull=True)
            )
            for i, t in enumerate(territories)
        }
    )
    by_year: dict[int, tuple[list[int], list[int]]] = {}
    estimated = [0] * n
    stopped = [0] * n
    for row in rows:
        for year, column in ((row["year"], 0), (row["stopped_year"], 1)):
            if year is None:
                continue
            counts = by_year.setdefault(year, ([0] * n, [0] * n))[column]
            for i in range(n):
                counts[i] += row[f"n{i}"]
        for i in range(n):
            if row["year"] is not None:
                estimated[i] += row[f"e{i}"]
            if row["stopped_year"] is not None:
                stopped[i] += row[f"n{i}"]
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
    """Published initiatives per département: one query, with one join (the
    régions' counts are summed from it: a second join cost France's portrait
    a query twice as slow, 50,000 initiatives on PostgreSQL)."""
    return dict(
        Initiative.objects.published()
        .values_list("commune__parent")
        .annotate(n=Count("pk"))
        .order_by()
    )


def children(territory: Territory, by_departement=None) -> list[ChildTable]:
    """The territories one level down with their counts: régions of France,
    départements of a région, EPCI and communes of a département, communes of
    an EPCI. Two queries per table (France: `by_departement`, from
    `per_departement()`, saves one)."""
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
        if key == "regions":
            if by_departement is None:
                by_departement = per_departement()
            region_of = dict(
                Territory.objects.filter(kind=K.DEPARTEMENT).values_list("pk", "parent")
            )
            counts = {}
            for departement, n in by_departement.items():
                region = region_of.get(departement)
                counts[region] = counts.get(region, 0) + n
            result.append(
                ChildTable(key, title, [Child(m, counts.get(m.pk, 0)) for m in members])
            )
            continue
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


def crosstabs(territory: Territory, pairs: dict | None = None) -> list[Crosstab]:
    """The seeds' questions to investigate, as tables of initiatives counted by
    two fields at once: one query for the three bases, one for the cells of
    each table unless `pairs` (filled by `breakdowns` with `territory` first)
    has them."""
    specs = [
        (
            "modele-famille",
            _("Modèle économique × famille"),
            "economic_model",
            "families",
        ),
        (
            "ressources-gouvernance",
            _("Ressources × gouvernance"),
            "resources",
            "governance",
        ),
        (
            "niveau-type",
            _("Niveau d'action × type de pratique"),
            "action_levels",
            "category",
        ),
    ]
    published = Initiative.objects.published().filter(territory.inside("commune"))

    def said(name: str) -> Q:
        """The initiatives that say `name` (« non précisé » left out)."""
        field = Initiative._meta.get_field(name)
        if field.many_to_many:
            links = field.remote_field.through.objects.filter(initiative=OuterRef("pk"))
            return Q(Exists(links))
        if field.choices:
            return ~Q(**{name: ""})
        return Q()

    # The three bases in one scan: initiatives that say both fields.
    bases = published.aggregate(
        **{
            key: Count("pk", filter=said(row_name) & said(column_name))
            for key, _title, row_name, column_name in specs
        }
    )
    tables = []
    for key, title, row_name, column_name in specs:
        queryset = published
        for name in (row_name, column_name):
            field = Initiative._meta.get_field(name)
            if field.many_to_many:
                queryset = queryset.filter(**{f"{name}__isnull": False})
            elif field.choices:
                queryset = queryset.exclude(**{name: ""})  # « non précisé »
        linked = row_name if row_name in PARTNERS else column_name
        if pairs is not None and PARTNERS.get(linked) in (row_name, column_name):
            # (linked value, partner value) pairs, the partner's « non
            # précisé » left out as the query below does.
            other = Initiative._meta.get_field(PARTNERS[linked])
            cells = {
                ((value, said) if linked == row_name else (said, value)): n
                for (value, said), n in pairs.get(linked, {}).items()
                if not (other.choices and said == "")
            }
        else:
            cells = {
                (row[row_name], row[column_name]): row["n"]
                # At most one many-to-many field per table, whose join values()
                # reuses: a row is one (initiative, value) pair, counted as is.
                for row in queryset.values(row_name, column_name)
                .annotate(n=Count("pk"))
                .order_by()
            }
        base = bases[key]
        row_labels, column_labels = _labels(row_name), _labels(column_name)
        used_rows = [v for v in row_labels if any(r == v for r, _c in cells)]
        used_columns = [v for v in column_labels if any(c == v for _r, c in cells)]
        tables.append(
            Crosstab(
                key,
                title,
                str(Initiative._meta.get_field(row_name).verbose_name).capitalize(),
                str(Initiative._meta.get_field(column_name).verbose_name).capitalize(),
                [str(column_labels[c]) for c in used_columns],
                [
                    (str(row_labels[r]), [cells.get((r, c), 0) for c in used_columns])
                    for r in used_rows
                ],
                base,
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
    below; one query per kind."""
    gathered = []
    for key, kinds, label in WORKSHOP_KINDS:
        items = list(
            Item.objects.published()
            .filter(section__kind__in=kinds, parent__isnull=True)
            .filter(territory.inside("section__workshop__territory"))
            .select_related("section__workshop")
            .order_by(
                "-section__workshop__starts_on", "section__workshop", "position", "pk"
            )[:ITEMS_PER_KIND]
        )
        url = reverse(f"ateliers:{key}")
        if not territory.is_everywhere:
            url += f"?territoire={territory.slug}"
        gathered.append(Gathered(key, str(label), url, counts.get(key, 0), items))
    return gathered


def top_tags(territory: Territory) -> list[tuple[str, str, int]]:
    """(name, slug, uses) of the tags most used by published initiatives and
    workshops here: one query (content types are cached by Django)."""
    initiatives = Initiative.objects.published().filter(territory.inside("commune"))
    workshops = Workshop.objects.published().filter(territory.inside("territory"))
    rows = (
        TaggedItem.objects.filter(
            Q(
                content_type=ContentType.objects.get_for_model(Initiative),
                object_id__in=initiatives.values("pk"),
            )
            | Q(
                content_type=ContentType.objects.get_for_model(Workshop),
                object_id__in=workshops.values("pk"),
            )
        )
        .values_list("tag__name", "tag__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")[:TOP_TAGS]
    )
    return list(rows)


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
    # France: one count per département serves the régions and the ranking.
    by_departement = per_departement() if territory.kind == K.FRANCE else None
    figures = headline([territory, *above])
    compared = [territory, *above[:1]]
    totals = [f.initiatives for f in figures[: len(compared)]]
    here = figures[0]
    pairs: dict = {}  # the cross-tabulations' cells, counted by breakdowns()
    return {
        "above": above,
        "figures": figures,
        "compared": compared,
        "breakdowns": breakdowns(compared, totals, pairs),
        "evolution": evolution([territory]),
        "children": children(territory, by_departement),
        "crosstabs": crosstabs(territory, pairs),
        "workshop_items": workshop_items(territory, here.items),
        "tags": top_tags(territory),
        "ranking": (
            departements_ranking(by_departement) if territory.kind == K.FRANCE else []
        ),
    }


def comparison(territories: list[Territory]) -> dict:
    """Headline figures, breakdown shares and evolution of 2 to 4 territories."""
    name = versions.key("compare", *(t.pk for t in territories), scopes=SCOPES)
    value = cache.get(name)
    if value is None:
        figures = headline(territories)
        value = {
            "figures": figures,
            "breakdowns": breakdowns(territories, [f.initiatives for f in figures]),
            "evolution": evolution(territories),
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
