"""Faceted browsing of published initiatives, shared by the list, the map, the
embeddable map and the exports: the same query string selects the same set.

Options ticked within one facet combine with OR, facets with AND. Counts are
"disjunctive": the count next to an option is the number of initiatives having
it among those matching every *other* facet, so ticking it shows that many
more (or exactly that many when nothing else in its facet is ticked). The
territory facet instead drills down inside the chosen territory. Each facet
costs one GROUP BY query whatever the number of options, and the results are
cached until the data changes.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from initiatives.models import ActionLevel, Category, Family, Initiative
from observatoire import search, tallies, versions
from observatoire.models import Territory

MAX_QUERY_LENGTH = 200
TAG_FACET_SIZE = 20
TERRITORY_FACET_SIZE = 20
# A safety net only: entries are retired with the data (see cached).
FACET_CACHE_SECONDS = 15 * 60


class AnyRelatedFilter(django_filters.ModelMultipleChoiceFilter):
    """Initiatives linked to any of the chosen objects of a many-to-many field.

    A subquery rather than a join: rows are never repeated, so neither the
    list nor its count needs DISTINCT (slow on 100,000 rows)."""

    def __init__(self, *args, relation: str, **kwargs):
        self.relation = relation
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(pk__in=linked_ids(self.relation, value))


def linked_ids(relation: str, objects):
    """Ids of initiatives linked to any of `objects`, read from the link table
    alone (no join back to the initiatives)."""
    field = Initiative._meta.get_field(relation)
    if isinstance(field, TaggableManager):
        return TaggedItem.objects.filter(
            content_type=_initiative_type(), tag__in=objects
        ).values("object_id")
    through = field.remote_field.through
    return through.objects.filter(
        **{f"{field.m2m_reverse_field_name()}__in": objects}
    ).values(field.m2m_column_name())


def _initiative_type() -> ContentType:
    """The content type's id as a constant, not a join: joined, the planner
    misjudges how many tagged rows are initiatives (one content type among
    thirty) and probes them one by one; told the id, it reads its statistics.
    """
    return ContentType.objects.get_for_model(Initiative)


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="filter_text",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    type = django_filters.ModelMultipleChoiceFilter(
        label=_("Type de pratique"),
        method="filter_kind",
        to_field_name="slug",
        queryset=Category.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    famille = AnyRelatedFilter(
        label=_("Famille"),
        relation="families",
        to_field_name="slug",
        queryset=Family.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    niveau = AnyRelatedFilter(
        label=_("Niveau d'action"),
        relation="action_levels",
        to_field_name="slug",
        queryset=ActionLevel.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    modele = django_filters.MultipleChoiceFilter(
        label=_("Modèle économique"),
        field_name="economic_model",
        # A column of the initiative: no row can repeat, and DISTINCT over
        # 100,000 rows costs more than all the rest of the list.
        distinct=False,
        choices=Initiative.EconomicModel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    territoire = django_filters.ModelChoiceFilter(
        label=_("Territoire"),
        method="filter_territory",
        to_field_name="slug",
        queryset=Territory.objects.all(),
        widget=forms.HiddenInput,
    )
    tag = AnyRelatedFilter(
        label=_("Mots-clés"),
        relation="tags",
        to_field_name="slug",
        queryset=Tag.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    tri = django_filters.OrderingFilter(
        label=_("Trier par"),
        fields=(
            ("name", "nom"),
            ("published_at", "date"),
            ("commune__name", "commune"),
        ),
        field_labels={
            "name": _("Nom (A → Z)"),
            "-nom": _("Nom (Z → A)"),
            "-date": _("Publication : les plus récentes"),
            "published_at": _("Publication : les plus anciennes"),
            "commune__name": _("Commune (A → Z)"),
            "-commune": _("Commune (Z → A)"),
        },
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Initiative
        fields: list[str] = []

    def filter_kind(self, qs, name, value):
        # The kind's own column: no join on the vocabulary, no DISTINCT.
        # (Nothing ticked arrives as an empty queryset, not as a missing value.)
        return qs.filter(category__in=value) if value else qs

    def filter_text(self, qs, name, value):
        # The site-wide search index (observatoire.search): French full text on
        # PostgreSQL, FTS5 on SQLite, one indexed lookup instead of a scan. It
        # holds published initiatives only, which is all this filter sees.
        if not search.has_words(value):
            return qs
        return qs.filter(pk__in=search.matching_ids("initiatives", value))

    def filter_territory(self, qs, name, value):
        return qs.within(value)

    def filter_queryset(self, queryset):
        # Tie-breaker after any user ordering, so pages never overlap.
        return super().filter_queryset(queryset).order_by(*self._ordering(), "pk")

    def _ordering(self) -> list[str]:
        ordering = valid_values(self).get("tri")
        if not ordering:
            return ["name"]
        return [self.filters["tri"].get_ordering_value(value) for value in ordering]


def published_filter(data, *, queryset=None) -> InitiativeFilter:
    """The filter over published initiatives for a request's GET parameters."""
    if queryset is None:
        queryset = Initiative.objects.published()
    return InitiativeFilter(data or None, queryset=queryset)


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    key: str
    label: str
    options: list[FacetOption] = field(default_factory=list)


def valid_values(filterset: InitiativeFilter) -> dict:
    """The valid filter values (an unbound filterset has none)."""
    if not filterset.is_bound:
        return {}
    filterset.is_valid()
    return filterset.form.cleaned_data


def _base(filterset: InitiativeFilter, *keys: str):
    """Initiatives matching every valid filter but those of `keys`.

    Reuses the values the form already validated, so facets add no validation
    queries of their own."""
    qs = filterset.queryset.order_by()
    for name, value in valid_values(filterset).items():
        if name not in (*keys, "tri") and value:
            qs = filterset.filters[name].filter(qs, value)
    return qs


def _counts(filterset: InitiativeFilter, key: str, group_by: str) -> dict:
    """Count per value of a column of the initiative (or of its commune)."""
    qs = _base(filterset, key)
    rows = qs.values(group_by).annotate(n=Count("pk")).values_list(group_by, "n")
    return {value: n for value, n in rows if value is not None}


def _kind_and_model_counts(filterset: InitiativeFilter) -> tuple[dict, dict]:
    """The kind-of-practice and economic-model counts from one scan: grouped
    by both columns over the set that ignores both facets, then each facet
    keeps the groups the *other* one selects (all of them when it selects
    nothing). Two columns of the initiative: one query instead of two, on
    100,000 rows."""
    rows = (
        _base(filterset, "type", "modele")
        .values("category", "economic_model")
        .annotate(n=Count("pk"))
        .values_list("category", "economic_model", "n")
    )
    values = valid_values(filterset)
    kinds = {category.pk for category in values.get("type") or ()}
    economic_models = set(values.get("modele") or ())
    by_kind: Counter = Counter()
    by_model: Counter = Counter()
    for category, economic_model, n in rows:
        if not economic_models or economic_model in economic_models:
            by_kind[category] += n
        if not kinds or category in kinds:
            by_model[economic_model] += n
    return by_kind, by_model


def _m2m_counts(filterset: InitiativeFilter, key: str, field: str) -> dict:
    """Count per related object, straight from the many-to-many table."""
    through = Initiative._meta.get_field(field).remote_field.through
    target = Initiative._meta.get_field(field).m2m_reverse_name()
    qs = _base(filterset, key)
    rows = (
        through.objects.filter(initiative_id__in=qs.values("pk"))
        .order_by()
        .values(target)
        .annotate(n=Count("initiative_id"))
        .values_list(target, "n")
    )
    return dict(rows)


def _selected(filterset: InitiativeFilter, key: str) -> set[str]:
    value = valid_values(filterset).get(key)
    if not value:
        return set()
    if isinstance(value, str | Territory):
        value = [value]
    return {getattr(item, "slug", item) for item in value}


# What a summary of a filtered set of initiatives is built from.
SCOPES = (versions.INITIATIVES, versions.TAGS, versions.TERRITORIES)


def canonical_values(filterset: InitiativeFilter) -> list[tuple[str, str | list]]:
    """The valid filter values but the ordering, by name, objects given by
    their slug and several values sorted: the same whatever their order in
    the URL."""
    canonical = []
    for name, value in sorted(valid_values(filterset).items()):
        if name == "tri" or not value:
            continue
        if isinstance(value, str):
            canonical.append((name, value))
        elif isinstance(value, Territory):
            canonical.append((name, value.slug))
        else:
            canonical.append((name, sorted(getattr(v, "slug", v) for v in value)))
    return canonical


def cache_key(filterset: InitiativeFilter, namespace: str) -> str:
    """The valid filter values and the language; the data versions are checked
    by `cached()`."""
    raw = repr((canonical_values(filterset), get_language()))
    digest = hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()
    return f"initiatives:{namespace}:{digest}"


def cached(filterset: InitiativeFilter, namespace: str, build, *, timeout: int):
    """`build()`'s result for this filter, cached until the data changes: any
    write to initiatives, tags or territories (observatoire.versions) gives a
    fresh one on every app server, and reading it reads no initiative row."""
    key = cache_key(filterset, namespace)
    value, current = versions.fetch(key, scopes=SCOPES)
    if value is None:
        value = build()
        versions.store(key, value, versions=current, timeout=timeout)
    return value


def facets(filterset: InitiativeFilter) -> list[Facet]:
    """Every facet with its options and their counts for the current filter.

    Cached: on 100,000 initiatives the many-to-many counts take a second, and
    most visitors open the same few filter combinations."""
    return cached(
        filterset, "facets", lambda: _facets(filterset), timeout=FACET_CACHE_SECONDS
    )


def filtered_total(facet_list: list[Facet]) -> int:
    """How many initiatives match the filter, read from the kind-of-practice
    facet: every initiative has exactly one kind, so the counts of the chosen
    kinds (of all kinds when none is chosen) add up to the filtered set."""
    kinds = next(facet for facet in facet_list if facet.key == "type")
    chosen = [option for option in kinds.options if option.selected]
    return sum(option.count for option in chosen or kinds.options)


def _stored_tally(filterset: InitiativeFilter) -> tallies.Tally | None:
    """The tally of the whole set when nothing but a France, région or
    département is chosen (the list as first opened, or drilled down by
    territory): its facet counts are then stored counts (observatoire/
    tallies.py), read without scanning the initiatives. None otherwise."""
    values = {
        name: value
        for name, value in valid_values(filterset).items()
        if value and name != "tri"
    }
    if set(values) - {"territoire"}:
        return None
    territory = values.get("territoire")
    if territory is None:
        territory = Territory.objects.filter(kind=Territory.Kind.FRANCE).first()
    if territory is None or territory.kind not in tallies.STORED_KINDS:
        return None
    return tallies.of([territory])[0]


def _facets(filterset: InitiativeFilter) -> list[Facet]:
    result = []
    tally = _stored_tally(filterset)
    if tally is not None:
        kind_counts = tally.count_by("category")
        model_counts = tally.count_by("economic_model")
    else:
        kind_counts, model_counts = _kind_and_model_counts(filterset)
    for key, model, field_name in (
        ("type", Category, None),
        ("famille", Family, "families"),
        ("niveau", ActionLevel, "action_levels"),
    ):
        if field_name and tally is not None:
            counts = tally.links(field_name)
        elif field_name:
            counts = _m2m_counts(filterset, key, field_name)
        else:
            counts = kind_counts
        chosen = _selected(filterset, key)
        options = [
            FacetOption(obj.slug, obj.name, counts.get(obj.pk, 0), obj.slug in chosen)
            for obj in model.objects.all()
        ]
        result.append(Facet(key, InitiativeFilter.base_filters[key].label, options))

    counts = model_counts
    chosen = _selected(filterset, "modele")
    result.append(
        Facet(
            "modele",
            InitiativeFilter.base_filters["modele"].label,
            [
                FacetOption(value, label, counts.get(value, 0), value in chosen)
                for value, label in Initiative.EconomicModel.choices
            ],
        )
    )

    result.append(_territory_facet(filterset, tally))
    result.append(_tag_facet(filterset, tally))
    return result


def _territory_facet(filterset: InitiativeFilter, tally=None) -> Facet:
    """One level down from the chosen territory, biggest first (links): régions
    for all France, then départements, then communes. From the départements'
    counts of a stored `tally` when there is one."""
    chosen = valid_values(filterset).get("territoire")
    Kind = Territory.Kind
    if chosen is None:
        group_by, label = "commune__parent__parent", _("Par région")
    elif chosen.kind == Kind.REGION:
        group_by, label = "commune__parent", _("Par département")
    elif chosen.kind in (Kind.DEPARTEMENT, Kind.EPCI):
        group_by, label = "commune", _("Par commune")
    else:
        return Facet("territoire", _("Par commune"), [])
    if tally is not None and group_by == "commune__parent":
        counts = dict(tally.parts)
    elif tally is not None and group_by == "commune__parent__parent":
        counts = tallies.per_parent(tally.parts)
    else:
        # Inside the chosen territory, so every filter applies, its own included.
        counts = _counts(filterset, "", group_by)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[
        :TERRITORY_FACET_SIZE
    ]
    places = {
        pk: (slug, name)
        for pk, slug, name in Territory.objects.filter(
            pk__in=[pk for pk, _ in top]
        ).values_list("pk", "slug", "name")
    }
    options = [
        FacetOption(places[pk][0], places[pk][1], n, False)
        for pk, n in top
        if pk in places
    ]
    return Facet("territoire", label, options)


def _tag_facet(filterset: InitiativeFilter, tally=None) -> Facet:
    """The most used tags in the current set, plus the ticked ones."""
    chosen = _selected(filterset, "tag")
    if tally is not None:
        rows = [
            (tag.slug, tag.name, n)
            for tag, n in tallies.most_used_tags(tally.tags, TAG_FACET_SIZE)
        ]
    else:
        qs = _base(filterset, "tag")
        rows = (
            Tag.objects.filter(
                taggit_taggeditem_items__object_id__in=qs.values("pk"),
                taggit_taggeditem_items__content_type=_initiative_type(),
            )
            .annotate(n=Count("taggit_taggeditem_items"))
            .order_by("-n", "name")
            .values_list("slug", "name", "n")[:TAG_FACET_SIZE]
        )
    options = [FacetOption(slug, name, n, slug in chosen) for slug, name, n in rows]
    shown = {option.value for option in options}
    # A ticked tag outside the top list stays visible so it can be unticked.
    for slug, name in Tag.objects.filter(slug__in=chosen - shown).values_list(
        "slug", "name"
    ):
        options.append(FacetOption(slug, name, 0, True))
    return Facet("tag", InitiativeFilter.base_filters["tag"].label, options)
