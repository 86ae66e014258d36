"""Choropleth maps of a territory's children, drawn on the server as SVG.

The shapes come from the committed boundary files (fixtures/territories/
boundaries/, see SOURCE.md and scripts/derive_boundaries.py): integer
coordinates and ready-made SVG paths, so drawing is string assembly. The map is
a figure of links, one per child, each with its name and value as accessible
name; the legend is HTML next to it, readable at any width. The page's table of
children is the map's text equivalent.
"""

import bisect
import functools
import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from observatoire.models import Territory

BOUNDARIES_DIR = settings.BASE_DIR / "fixtures" / "territories" / "boundaries"
MAX_CLASSES = 5
# ColorBrewer "Blues", light to dark; fewer classes take spread-out steps.
CLASS_STEPS = {1: [2], 2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}


@functools.lru_cache(maxsize=32)
def boundaries(name: str) -> Mapping:
    """One boundary file, parsed once per process and read-only.

    {"insets": ((x, y, w, h), ...), "<kind>": {"<code>": (x0, y0, x1, y1, path)}};
    an unknown file is empty.
    """
    path = Path(BOUNDARIES_DIR) / f"{name}.json.gz"
    if not path.exists():
        return MappingProxyType({"insets": ()})
    with gzip.open(path, "rt", encoding="utf-8") as file:
        data = json.load(file)
    frozen = {"insets": tuple(tuple(box) for box in data.pop("insets", ()))}
    for section, shapes in data.items():
        if isinstance(shapes, dict):
            frozen[section] = MappingProxyType(
                {code: tuple(shape) for code, shape in shapes.items()}
            )
    return MappingProxyType(frozen)


def departement_of_commune(code: str) -> str:
    """INSEE département code from a commune code (971xx → 971, 2A004 → 2A)."""
    return code[:3] if code.startswith("97") else code[:2]


def shape_of(child: Territory, parent: Territory | None) -> tuple | None:
    """(x0, y0, x1, y1, path) of a child territory, or None without outline.

    Régions and départements come from the France file; communes from their
    département's file; EPCI from the file of the département they are drawn in
    (the part inside it). When a FRANCE kind exists, it maps like `None`.
    """
    kind = child.kind
    if kind in (Territory.Kind.REGION, Territory.Kind.DEPARTEMENT):
        return boundaries("france").get(kind, {}).get(child.code)
    if kind == Territory.Kind.COMMUNE:
        file = "communes-" + departement_of_commune(child.code)
        return boundaries(file).get("commune", {}).get(child.code)
    if kind == Territory.Kind.EPCI and parent is not None:
        file = f"communes-{parent.code}"
        return boundaries(file).get("epci", {}).get(child.code)
    return None


def quantile_breaks(values: Iterable[float], classes: int = MAX_CLASSES) -> list:
    """Lower bounds of the classes above the first, from the data's quantiles.

    With n sorted values v, class i (1 ≤ i < k) starts at v[⌊i·n/k⌋]; equal
    bounds merge, so there are fewer classes when values repeat, and every
    class holds at least one value. k is at most the number of distinct values.
    """
    ordered = sorted(values)
    if not ordered:
        return []
    k = min(classes, len(set(ordered)))
    n = len(ordered)
    breaks = sorted({ordered[i * n // k] for i in range(1, k)})
    return [b for b in breaks if b > ordered[0]]


def class_of(value: float, breaks: list) -> int:
    return bisect.bisect_right(breaks, value)


@dataclass(frozen=True)
class Shape:
    name: str
    label: str
    url: str
    path: str
    css_class: str
    no_data: bool


@dataclass(frozen=True)
class LegendClass:
    css_class: str
    label: str


def _format(value: float, decimals: int) -> str:
    # number_format cuts a float's extra decimals off: round them first.
    return number_format(
        round(value, decimals), decimals, use_l10n=True, force_grouping=True
    )


def render_choropleth(
    parent: Territory | None,
    rows: Iterable[tuple[Territory, float | None, str]],
    *,
    caption: str,
    unit: str | None = None,
    decimals: int = 1,
    map_id: str = "",
) -> SafeString:
    """The map of `parent`'s children coloured by value, as an HTML figure.

    `parent` None means France (régions or départements as children). `rows`
    are (child territory, value or None, URL of the child's page). `unit` is
    the value's unit in the accessible names and legend; `map_id` makes the
    SVG ids unique when a page holds several maps.
    """
    unit = unit if unit is not None else _("initiatives pour 10 000 habitants")
    rows = list(rows)
    values = [value for _child, value, _url in rows if value is not None]
    breaks = quantile_breaks(values)
    count = len(breaks) + 1 if values else 0
    steps = CLASS_STEPS.get(count, [])

    shapes, missing, boxes = [], [], []
    for child, value, url in rows:
        shape = shape_of(child, parent)
        if shape is None:
            missing.append(child.name)
            continue
        boxes.append(shape[:4])
        if value is None:
            label = _("%(name)s : pas de donnée") % {"name": child.name}
            css_class = "choro-none"
        else:
            label = _("%(name)s : %(value)s %(unit)s") % {
                "name": child.name,
                "value": _format(value, decimals),
                "unit": unit,
            }
            css_class = f"choro-c{steps[class_of(value, breaks)]}"
        shapes.append(Shape(child.name, label, url, shape[4], css_class, value is None))

    legend = []
    for index in range(count):
        low = min(v for v in values if class_of(v, breaks) == index)
        high = max(v for v in values if class_of(v, breaks) == index)
        number = sum(1 for v in values if class_of(v, breaks) == index)
        if low == high:
            text = _format(low, decimals)
        else:
            text = _("de %(low)s à %(high)s") % {
                "low": _format(low, decimals),
                "high": _format(high, decimals),
            }
        legend.append(
            LegendClass(
                f"choro-c{steps[index]}",
                text
                + " "
                + ngettext("(%(n)s territoire)", "(%(n)s territoires)", number)
                % {"n": number},
            )
        )
    no_data = sum(1 for shape in shapes if shape.no_data)
    if no_data:
        legend.append(
            LegendClass(
                "choro-none",
                _("pas de donnée")
                + " "
                + ngettext("(%(n)s territoire)", "(%(n)s territoires)", no_data)
                % {"n": no_data},
            )
        )

    insets = ()
    children_kinds = {child.kind for child, _value, _url in rows}
    france_wide = parent is None or getattr(parent, "kind", None) == "france"
    if france_wide and children_kinds <= {"region", "departement"}:
        insets = boundaries("france")["insets"]
        boxes += [(x, y, x + w, y + h) for x, y, w, h in insets]
    if boxes:
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        y1 = max(b[3] for b in boxes)
    else:
        x0 = y0 = 0
        x1 = y1 = 100
    margin = max(x1 - x0, y1 - y0) // 50 + 1
    width, height = x1 - x0 + 2 * margin, y1 - y0 + 2 * margin
    prefix = "choro-" + (map_id or (parent.code if parent is not None else "fr"))
    return render_to_string(
        "observatoire/includes/choropleth_map.html",
        {
            "ids": prefix,
            "viewbox": f"{x0 - margin} {y0 - margin} {width} {height}",
            "pattern_size": max(width, height) // 90 + 1,
            "shapes": shapes,
            "insets": [{"x": x, "y": y, "w": w, "h": h} for x, y, w, h in insets],
            "legend": legend,
            "legend_title": ngettext(
                "%(unit)s, en %(n)s classe de quantiles (chaque classe regroupe "
                "à peu près autant de territoires)",
                "%(unit)s, en %(n)s classes de quantiles (chaque classe regroupe "
                "à peu près autant de territoires)",
                count,
            )
            % {"unit": unit[:1].upper() + unit[1:], "n": count},
            "caption": caption,
            "missing": missing,
        },
    )
