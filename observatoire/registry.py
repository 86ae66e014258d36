"""One mechanism linking the three parts of the observatory.

Each app registers its public, tagged, located content here (in its
AppConfig.ready). Tag pages, territory pages and the "related content" blocks
of detail pages read this registry instead of knowing every app.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Registered:
    model: type[Model]
    label: str
    public: Callable[[], QuerySet]
    territory_field: str | None = None
    in_sitemap: bool = True
    counted: Callable[[int], str] | None = None

    def count_label(self, count: int) -> str:
        """« 1 initiative », « 3 initiatives »: the label agreed with `count`."""
        return self.counted(count) if self.counted else str(self.label)

    @property
    def key(self) -> str:
        return self.model._meta.label_lower


_registry: dict[str, Registered] = {}


def register(
    model: type[Model],
    *,
    label: str,
    public: Callable[[], QuerySet],
    territory_field: str | None = None,
    in_sitemap: bool = True,
    counted: Callable[[int], str] | None = None,
) -> None:
    """Declare a kind of content.

    `public` returns the queryset anyone may see; `territory_field` names the
    foreign key to Territory that places an object on the map of territories;
    `in_sitemap=False` keeps parts of a page (anchors) out of sitemap.xml;
    `counted(n)` gives the noun agreed with a number (`ngettext`), for the
    places that write « 3 ateliers ».
    """
    entry = Registered(model, label, public, territory_field, in_sitemap, counted)
    _registry[entry.key] = entry


def registered() -> list[Registered]:
    return list(_registry.values())


def tagged(slug: str) -> list[tuple[Registered, QuerySet]]:
    """Public objects of every registered kind carrying the tag `slug`."""
    return [
        (entry, entry.public().filter(tags__slug=slug).distinct())
        for entry in _registry.values()
    ]


def related(obj: Model, *, limit: int = 6) -> list[tuple[Registered, list]]:
    """Public objects of the other kinds sharing at least one tag with `obj`."""
    tag_ids = list(obj.tags.values_list("pk", flat=True))
    if not tag_ids:
        return []
    own = obj._meta.label_lower
    blocks = []
    for entry in _registry.values():
        if entry.key == own:
            continue
        objects = list(entry.public().filter(tags__in=tag_ids).distinct()[:limit])
        if objects:
            blocks.append((entry, objects))
    return blocks


def in_territory(territory, *, limit: int = 12) -> list[tuple[Registered, QuerySet]]:
    """Public located objects inside `territory`, per kind."""
    within = territory.within().values("pk")
    blocks = []
    for entry in _registry.values():
        if not entry.territory_field:
            continue
        qs = entry.public().filter(**{f"{entry.territory_field}__in": within})
        blocks.append((entry, qs))
    return blocks


@dataclass(frozen=True)
class Indicator:
    """One figure of the dashboard: its value, a label already agreed with the
    value (`ngettext`), the page that lists what it counts, and its share of
    the block's total where a share means something."""

    label: str
    value: int | str
    url: str = ""
    share: float | None = None


_indicators: list[tuple[str, Callable]] = []


def register_indicators(title: str, compute: Callable) -> None:
    """Declare a block of the team dashboard.

    `compute(territory, user)` returns a list of `Indicator`; `territory` is None
    for the whole platform, and `user` lets a block show role-specific figures.
    """
    _indicators.append((title, compute))


def indicators(territory, user) -> list[tuple[str, list[Indicator]]]:
    blocks = []
    for title, compute in _indicators:
        values = compute(territory, user)
        if values:
            blocks.append((title, values))
    return blocks
