"""Tallies of published initiatives: every count a portrait reads, added up
from stored copies per area so that France costs what a département costs.

A `Tally` holds what the portraits and the comparison count about the
published initiatives of some communes: how many, their latest update, counts
by kind × economic model × governance, by each many-to-many value × the field
its cross-tabulation pairs it with, by birth and closure year, the
cross-tabulations' bases, tag uses and initiatives per area. Tallies add up.

Counting France live scans every initiative and its link tables seven times
(0.8 s at 100,000 on PostgreSQL, 1.2 s on SQLite). So the tally of each *area*
— the communes under one parent territory, that is a département almost
always — is stored in a `Summary` row, and so is the *total* of each région
and of France, with the tokens of the areas it was summed from: it stays
valid while they do. `of()` gives any territory's tally: stored for France,
régions and départements (`stored_tallies()`), counted live for EPCI and
communes (`live()`), which is quick for so few rows.

Stored rows follow the data: every write path that can change a count marks
the areas it touches stale (saves and deletions of initiatives, their
many-to-many links and tags, `QuerySet.update()`/`bulk_create()`/
`bulk_update()` through `versions.bulk_changed`, territory and vocabulary
changes), and the next reader recounts only the stale areas, in one pass
grouped by area. A mark replaces the row's token: a reader writes its recount
back only if the token it read is still there, so a count started before a
write never overwrites the mark. Marks live in the database, so every app
server sees them; clearing the cache does not cost a recount.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from taggit.models import Tag

from observatoire.models import Summary, Territory

logger = logging.getLogger(__name__)

# The row whose freshness says that every area with initiatives has its row.
EVERYWHERE = -1
# The token of a row created by a recount (marks always write a random one):
# known in advance, so that a total summed over a new row can name it.
CREATED = "created"
# The area of communes without a parent territory.
NOWHERE = 0
K = Territory.Kind
# Territories whose tally is the sum of stored areas (`areas_inside`).
STORED_KINDS = (K.FRANCE, K.REGION, K.DEPARTEMENT)

# Each many-to-many field with the field its cross-tabulation pairs it with:
# one grouping then serves the breakdown and the table.
PARTNERS = {
    "families": "economic_model",
    "resources": "governance",
    "action_levels": "category",
}
# The cross-tabulations: key, row field, column field.
CROSSTABS = (
    ("modele-famille", "economic_model", "families"),
    ("ressources-gouvernance", "resources", "governance"),
    ("niveau-type", "action_levels", "category"),
)


@dataclass
class Tally:
    initiatives: int = 0
    updated: datetime | None = None
    # (category, economic model, governance): initiatives
    single: Counter = field(default_factory=Counter)
    # many-to-many field name: {(value, partner value): initiatives}
    linked: dict[str, Counter] = field(
        default_factory=lambda: {name: Counter() for name in PARTNERS}
    )
    # (birth year, closure year): initiatives, and those dated by publication
    years: Counter = field(default_factory=Counter)
    estimated: Counter = field(default_factory=Counter)
    # cross-tabulation key: initiatives that say both of its fields
    bases: Counter = field(default_factory=Counter)
    # tag id: initiatives carrying it
    tags: Counter = field(default_factory=Counter)
    # area key: initiatives (stored tallies only: départements' counts)
    parts: Counter = field(default_factory=Counter)

    def __iadd__(self, other: "Tally") -> "Tally":
        self.initiatives += other.initiatives
        if other.updated and (self.updated is None or other.updated > self.updated):
            self.updated = other.updated
        for name in ("single", "years", "estimated", "bases", "tags", "parts"):
            getattr(self, name).update(getattr(other, name))
        for name, counts in other.linked.items():
            self.linked[name].update(counts)
        return self

    def count_by(self, name: str) -> Counter:
        """Initiatives per value of a single-valued field."""
        position = ("category", "economic_model", "governance").index(name)
        counts = Counter()
        for key, n in self.single.items():
            counts[key[position]] += n
        return counts

    def links(self, name: str) -> Counter:
        """Initiatives per value of a many-to-many field."""
        counts = Counter()
        for (value, _partner), n in self.linked[name].items():
            counts[value] += n
        return counts

    # Stored as JSON: counters as lists of [*key, count].

    def to_json(self) -> dict:
        def rows(counter: Counter) -> list:
            return [
                [*(key if isinstance(key, tuple) else (key,)), n]
                for key, n in counter.items()
            ]

        return {
            "initiatives": self.initiatives,
            "updated": self.updated.isoformat() if self.updated else None,
            "single": rows(self.single),
            "linked": {name: rows(counts) for name, counts in self.linked.items()},
            "years": rows(self.years),
            "estimated": rows(self.estimated),
            "bases": rows(self.bases),
            "tags": rows(self.tags),
            "parts": rows(self.parts),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Tally":
        def counter(rows: list, single=False) -> Counter:
            if single:
                return Counter({row[0]: row[1] for row in rows})
            return Counter({tuple(row[:-1]): row[-1] for row in rows})

        tally = cls()
        if not data:
            return tally
        tally.initiatives = data["initiatives"]
        if data["updated"]:
            tally.updated = datetime.fromisoformat(data["updated"])
        tally.single = counter(data["single"])
        for name in PARTNERS:
            tally.linked[name] = counter(data["linked"].get(name, []))
        tally.years = counter(data["years"])
        tally.estimated = counter(data["estimated"])
        tally.bases = counter(data["bases"], single=True)
        tally.tags = counter(data["tags"], single=True)
        tally.parts = counter(data.get("parts", []), single=True)
        return tally


# Counting -----------------------------------------------------------------


def _said(name: str) -> Q:
    """The initiatives that say `name` (« non précisé » left out)."""
    from initiatives.models import Initiative

    model_field = Initiative._meta.get_field(name)
    if model_field.many_to_many:
        # IN (one scan of the link table, hashed), not EXISTS per row: a
        # third of the time at 100,000 initiatives on PostgreSQL.
        through = model_field.remote_field.through
        return Q(pk__in=through.objects.values("initiative_id"))
    if model_field.choices:
        return ~Q(**{name: ""})
    return Q()


def count(scope: Q, *, by_area: bool) -> dict[int, Tally]:
    """Tallies of the published initiatives matching `scope`: one per area
    when `by_area`, else one under the key NOWHERE. Seven queries, whatever
    the number of areas and initiatives."""
    from initiatives.models import Initiative

    published = Initiative.objects.published().filter(scope)
    if by_area:
        published = published.annotate(area=Coalesce("commune__parent", Value(0)))
    group = ["area"] if by_area else []
    tallies: dict[int, Tally] = {}

    def tally(row) -> Tally:
        key = row["area"] if by_area else NOWHERE
        if key not in tallies:
            tallies[key] = Tally()
        return tallies[key]

    for row in (
        published.values(*group, "category", "economic_model", "governance")
        .annotate(n=Count("pk"), updated=Max("updated_at"))
        .order_by()
    ):
        found = tally(row)
        found.initiatives += row["n"]
        found.single[(row["category"], row["economic_model"], row["governance"])] += (
            row["n"]
        )
        if found.updated is None or row["updated"] > found.updated:
            found.updated = row["updated"]
    for row in (
        published.annotate(
            year=Coalesce(
                "creation_year",
                ExtractYear("published_at"),
                # Imports and old records may lack a publication date.
                ExtractYear("created_at"),
            )
        )
        .values(*group, "year", "stopped_year")
        .annotate(
            n=Count("pk"), estimated=Count("pk", filter=Q(creation_year__isnull=True))
        )
        .order_by()
    ):
        found = tally(row)
        found.years[(row["year"], row["stopped_year"])] += row["n"]
        if row["estimated"]:
            found.estimated[(row["year"], row["stopped_year"])] += row["estimated"]
    for name, partner in PARTNERS.items():
        # values() reuses the join of the filter: a row is one (initiative,
        # value) pair.
        for row in (
            published.filter(**{f"{name}__isnull": False})
            .values(*group, name, partner)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            tally(row).linked[name][(row[name], row[partner])] += row["n"]
    bases = {
        key: Count("pk", filter=_said(row_name) & _said(column_name))
        for key, row_name, column_name in CROSSTABS
    }
    for row in (
        published.values(*group).annotate(**bases).order_by()
        if by_area
        else [published.aggregate(**bases)]
    ):
        found = tally(row)
        for key, *_fields in CROSSTABS:
            if row[key]:
                found.bases[key] += row[key]
    for row in (
        published.filter(tags__isnull=False)
        .values(*group, "tags")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        tally(row).tags[row["tags"]] += row["n"]
    if by_area:
        for key, found in tallies.items():
            found.parts[key] = found.initiatives
    return tallies


# Stored areas and totals -------------------------------------------------

AREA = Summary.Scope.AREA
TOTAL = Summary.Scope.TOTAL


def areas_inside(territory: Territory) -> list[int] | None:
    """The areas whose communes are exactly those inside `territory`
    (`Territory.within`), None for all of them (France)."""
    if territory.is_everywhere:
        return None
    if territory.kind == K.DEPARTEMENT:
        return [territory.pk]
    # A région: its own communes, if any, and its départements'.
    return [
        territory.pk,
        *Territory.objects.filter(parent=territory).values_list("pk", flat=True),
    ]


def per_parent(parts: dict[int, int]) -> Counter:
    """Initiatives per parent of their area (`Tally.parts`, per département):
    per région. One query."""
    parent_of = Territory.objects.filter(pk__in=list(parts)).values_list("pk", "parent")
    counts = Counter()
    for area, parent in parent_of:
        if parent is not None:
            counts[parent] += parts[area]
    return counts


def most_used_tags(uses: Counter, size: int) -> list[tuple[Tag, int]]:
    """The `size` most used tags of a count by tag id, most used first then
    by name; names read only for the tags that may make the list (ties at
    the last place). One query."""
    ranked = uses.most_common()
    if not ranked:
        return []
    least = ranked[min(size, len(ranked)) - 1][1]
    candidates = Tag.objects.filter(pk__in=[pk for pk, n in ranked if n >= least])
    rows = [(tag, uses[tag.pk]) for tag in candidates]
    return sorted(rows, key=lambda row: (-row[1], row[0].name))[:size]


def _area_scope(areas: Iterable[int]) -> Q:
    areas = set(areas)
    scope = Q(commune__parent__in=areas - {NOWHERE})
    if NOWHERE in areas:
        scope |= Q(commune__parent__isnull=True)
    return scope


def stored_tallies(territories: list[Territory]) -> list[Tally]:
    """The tallies of France, régions and départements. A département's is
    its area's row. A région's or France's is a stored total, valid while
    its areas have the tokens they had when it was summed (a mark changes a
    token): else summed again from its areas, stale areas recounted first.
    Two reads when nothing is stale: the areas' tokens, then the data."""
    inside = {t.pk: areas_inside(t) for t in territories}
    everywhere = any(keys is None for keys in inside.values())
    tokens = Summary.objects.filter(scope=AREA)
    if not everywhere:
        tokens = tokens.filter(key__in={k for keys in inside.values() for k in keys})
    tokens = {
        key: (token, stale)
        for key, token, stale in tokens.values_list("key", "token", "stale")
    }
    summed = [t for t in territories if t.kind != K.DEPARTEMENT]
    totals = {
        row.key: row
        for row in Summary.objects.filter(scope=TOTAL, key__in=[t.pk for t in summed])
    }

    def sources(territory) -> dict[str, str]:
        keys = inside[territory.pk]
        if keys is None:
            keys = list(tokens)
        return {str(key): tokens[key][0] for key in keys if key in tokens}

    def valid(territory) -> bool:
        row = totals.get(territory.pk)
        if row is None:
            return False
        summed_over = row.data.get("sources", {})
        now = {
            key: token
            for key, token in sources(territory).items()
            # A row a recount created since, never marked: an area found
            # empty (had it held an initiative, a mark would have made it).
            if key in summed_over or token != CREATED
        }
        keys = inside[territory.pk] if inside[territory.pk] is not None else tokens
        return (
            summed_over == now
            and not any(tokens[key][1] for key in keys if key in tokens)
            and (inside[territory.pk] is not None or EVERYWHERE in tokens)
        )

    result = {}
    for territory in summed:
        if valid(territory):
            result[territory.pk] = Tally.from_json(totals[territory.pk].data)
    wanted = [t for t in territories if t.pk not in result]
    if wanted:
        keys = None
        if not any(inside[t.pk] is None for t in wanted):
            keys = sorted({k for t in wanted for k in inside[t.pk]})
        found = areas(keys)
        # Rows the recount created (unless a mark created them first).
        for key in [*found, EVERYWHERE] if keys is None else found:
            tokens.setdefault(key, (CREATED, False))
        to_store = []
        for territory in wanted:
            total = Tally()
            for key in found if inside[territory.pk] is None else inside[territory.pk]:
                if key in found:
                    total += found[key]
            result[territory.pk] = total
            if territory.kind != K.DEPARTEMENT:
                # The tokens read before counting: a mark meanwhile voids it.
                data = total.to_json() | {"sources": sources(territory)}
                to_store.append(
                    Summary(scope=TOTAL, key=territory.pk, data=data, stale=False)
                )
        if to_store:
            try:
                Summary.objects.bulk_create(
                    to_store,
                    update_conflicts=True,
                    unique_fields=["scope", "key"],
                    update_fields=["data"],
                )
            except DatabaseError:
                logger.warning("event=summary_total_failed", exc_info=True)
    return [result[t.pk] for t in territories]


def areas(wanted: list[int] | None) -> dict[int, Tally]:
    """The stored tallies of the `wanted` areas (None: every area), stale ones
    recounted first in one pass. One read, and when some are stale seven
    queries to recount them and two to write them back."""
    if wanted is None:
        rows = {row.key: row for row in Summary.objects.filter(scope=AREA)}
        sentinel = rows.pop(EVERYWHERE, None)
        if sentinel is None or sentinel.stale:
            # Some area may lack its row: recount them all.
            counted = count(Q(), by_area=True)
            for key in rows:
                counted.setdefault(key, Tally())
            tokens = {(AREA, key): row.token for key, row in rows.items()}
            if sentinel is not None:
                tokens[(AREA, EVERYWHERE)] = sentinel.token
            _write_back(
                {(AREA, key): tally for key, tally in counted.items()}
                | {(AREA, EVERYWHERE): Tally()},
                tokens,
            )
            return counted
        wanted = list(rows)
    else:
        rows = {
            row.key: row for row in Summary.objects.filter(scope=AREA, key__in=wanted)
        }
    stale = [key for key in wanted if key not in rows or rows[key].stale]
    result = {
        key: Tally.from_json(rows[key].data)
        for key in wanted
        if key in rows and not rows[key].stale
    }
    if stale:
        counted = count(_area_scope(stale), by_area=True)
        counted = {key: counted.get(key, Tally()) for key in stale}
        _write_back(
            {(AREA, key): tally for key, tally in counted.items()},
            {(AREA, key): rows[key].token for key in stale if key in rows},
        )
        result.update(counted)
    return result


def _write_back(counted: dict[tuple, Tally], tokens: dict[tuple, str]) -> None:
    """Store recounted tallies ({(scope, key): Tally}), except over a row
    marked since it was read (its token changed) or being marked now (locked
    by a writer's transaction: skipped rather than waited for). Rows absent
    when read (no token) are created unless a mark created them meanwhile.
    Two queries."""
    try:
        with transaction.atomic():
            query = Q(pk__in=[])
            for scope, key in counted:
                if tokens.get((scope, key)):
                    query |= Q(scope=scope, key=key)
            locked = Summary.objects.select_for_update(skip_locked=True).filter(query)
            updated = []
            for row in locked:
                name = (row.scope, row.key)
                if row.token == tokens[name]:
                    row.data, row.stale = counted[name].to_json(), False
                    updated.append(row)
            Summary.objects.bulk_update(updated, ["data", "stale"])
            Summary.objects.bulk_create(
                [
                    Summary(
                        scope=scope,
                        key=key,
                        data=tally.to_json(),
                        stale=False,
                        token=CREATED,
                    )
                    for (scope, key), tally in counted.items()
                    if not tokens.get((scope, key))
                ],
                # Marked meanwhile: the mark stays.
                ignore_conflicts=True,
            )
    except DatabaseError:
        # Only a copy is lost: the next reader counts again.
        logger.warning("event=summary_write_back_failed", exc_info=True)


def live(territory: Territory) -> Tally:
    """The tally of `territory`, counted now."""
    return count(territory.inside("commune"), by_area=False).get(NOWHERE, Tally())


def of(territories: list[Territory]) -> list[Tally]:
    """The tally of each territory: France, régions and départements from
    their stored rows (one read for them all), EPCI and communes counted live
    (seven queries each)."""
    stored = [t for t in territories if t.kind in STORED_KINDS]
    found = dict(zip((t.pk for t in stored), stored_tallies(stored), strict=True))
    return [found[t.pk] if t.pk in found else live(t) for t in territories]


# Marking stale ----------------------------------------------------------


def mark(area_keys: Iterable[int]) -> None:
    """Mark `area_keys` stale, creating the rows that are missing (so that
    France finds a new area): one query. The totals that include them see
    the new tokens."""
    token = uuid.uuid4().hex
    Summary.objects.bulk_create(
        [
            Summary(scope=AREA, key=key, token=token, stale=True)
            for key in sorted(set(area_keys))
        ],
        update_conflicts=True,
        unique_fields=["scope", "key"],
        update_fields=["stale", "token"],
    )


def mark_everywhere() -> None:
    """Every area stale, and the list of areas itself: two queries."""
    Summary.objects.filter(scope=AREA).update(stale=True, token=uuid.uuid4().hex)
    mark([EVERYWHERE])


def mark_everywhere_once() -> None:
    """`mark_everywhere()` unless nothing is fresh (one query then): loaders
    save row by row, and a restore starts from an empty table."""
    if Summary.objects.filter(scope=AREA, stale=False).exists():
        mark_everywhere()


def mark_communes(commune_ids: Iterable[int | None]) -> None:
    """Mark the areas of these communes: two queries."""
    ids = {pk for pk in commune_ids if pk is not None}
    if ids:
        parents = Territory.objects.filter(pk__in=ids).values_list("parent", flat=True)
        mark({parent or NOWHERE for parent in parents})


def mark_initiatives(pks: Iterable[int]) -> None:
    """Mark the areas of these initiatives, wherever they are now: two
    queries."""
    from initiatives.models import Initiative

    pks = list(pks)
    if pks:
        parents = (
            Initiative.objects.filter(pk__in=pks)
            .values_list("commune__parent", flat=True)
            .distinct()
        )
        mark({parent or NOWHERE for parent in parents})


# Write paths ------------------------------------------------------------


def _published(status) -> bool:
    from initiatives.models import Initiative

    return status == Initiative.Status.PUBLISHED


def _before_save(sender, instance, raw=False, **kwargs):
    """Where the row was before this save, if it counted there."""
    if raw or instance._state.adding or instance.pk is None:
        instance._counted_in = None
        return
    stored_state = getattr(instance, "_tally_state", None)
    if stored_state is None or None in stored_state:
        # Not read with both fields (deferred, or built by hand): ask.
        stored_state = (
            sender.objects.filter(pk=instance.pk)
            .values_list("status", "commune")
            .first()
        )
    if stored_state and _published(stored_state[0]):
        instance._counted_in = stored_state[1]
    else:
        instance._counted_in = None


def _saved(sender, instance, raw=False, **kwargs):
    if raw:
        # loaddata or a restore: where the row was before is unknown.
        mark_everywhere_once()
        return
    communes = {getattr(instance, "_counted_in", None)}
    if _published(instance.status):
        communes.add(instance.commune_id)
    mark_communes(communes)
    instance._tally_state = (instance.status, instance.commune_id)


def _deleted(sender, instance, **kwargs):
    if _published(instance.status):
        mark_communes([instance.commune_id])


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    from initiatives.models import Initiative

    if not action.startswith("post_"):
        return
    if isinstance(instance, Initiative):
        if _published(instance.status):
            mark_communes([instance.commune_id])
    elif model is Initiative:
        # From the other side (a family's initiatives…).
        if pk_set is None:
            mark_everywhere()
        else:
            mark_initiatives(pk_set)


def _bulk(sender, pks, fields=None, **kwargs):
    if fields is not None and "commune" in fields:
        # Where the rows were is lost once updated.
        mark_everywhere()
    else:
        mark_initiatives(pks)


def _everywhere(sender, instance=None, created=False, raw=False, **kwargs):
    if not created:
        mark_everywhere_once()


def connect() -> None:
    """Listen to every write path that changes a count (apps.ready)."""
    from initiatives.models import (
        ActionLevel,
        Category,
        Family,
        Initiative,
        ResourceType,
    )
    from observatoire import versions

    uid = "tallies"
    pre_save.connect(_before_save, sender=Initiative, dispatch_uid=uid)
    post_save.connect(_saved, sender=Initiative, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=Initiative, dispatch_uid=uid)
    versions.bulk_changed.connect(_bulk, sender=Initiative, dispatch_uid=uid)
    for name in (*PARTNERS, "tags"):
        through = Initiative._meta.get_field(name).remote_field.through
        m2m_changed.connect(
            _links_changed, sender=through, dispatch_uid=f"{uid}:{name}"
        )
    # Territories moved (parents), vocabularies or tags deleted: rare, and
    # every area may be touched.
    post_save.connect(_everywhere, sender=Territory, dispatch_uid=uid)
    versions.bulk_changed.connect(_everywhere, sender=Territory, dispatch_uid=uid)
    for model in (Territory, Category, Family, ActionLevel, ResourceType, Tag):
        post_delete.connect(_everywhere, sender=model, dispatch_uid=f"{uid}:del")
