"""Geometry of the self-assessment radar chart, drawn as SVG by a template.

Computed on the server so the chart exists without JavaScript and in print."""

import math
from dataclasses import dataclass

from observatoire.text import decimal

SIZE = 420
CENTRE = SIZE / 2
RADIUS = 130
MAX_LEVEL = 4


@dataclass
class Axis:
    number: int
    label: str
    value: float
    x: float
    y: float
    point_x: float
    point_y: float
    label_x: float
    label_y: float
    anchor: str

    @property
    def value_display(self) -> str:
        return decimal(self.value, 1)


def _polar(fraction: float, index: int, count: int) -> tuple[float, float]:
    # First axis points up, the others follow clockwise.
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return (
        round(CENTRE + RADIUS * fraction * math.cos(angle), 1),
        round(CENTRE + RADIUS * fraction * math.sin(angle), 1),
    )


def radar(values: list[tuple[str, float]]) -> dict:
    """Axes, level rings and the profile polygon for (label, mean) pairs."""
    count = len(values)
    axes = []
    for index, (label, value) in enumerate(values):
        x, y = _polar(1, index, count)
        px, py = _polar(max(0.0, min(value, MAX_LEVEL)) / MAX_LEVEL, index, count)
        lx, ly = _polar(1.12, index, count)
        if abs(lx - CENTRE) < 1:
            anchor = "middle"
        else:
            anchor = "start" if lx > CENTRE else "end"
        if ly > CENTRE + 1:
            ly += 20  # below the chart: room for the text's height
        axes.append(Axis(index + 1, label, value, x, y, px, py, lx, ly, anchor))
    rings = [
        " ".join(
            "{},{}".format(*_polar(level / MAX_LEVEL, i, count)) for i in range(count)
        )
        for level in range(1, MAX_LEVEL + 1)
    ]
    return {
        "size": SIZE,
        # The chart carries only each axis's number and value, the legend
        # names them: long names beside the rings shrank the whole drawing to
        # 5 px text on a phone. Margins fit « 6 · 2,4 » at 26 px.
        "viewbox": f"-70 -30 {SIZE + 140} {SIZE + 70}",
        "centre": CENTRE,
        "axes": axes,
        "rings": rings,
        "polygon": " ".join(f"{a.point_x},{a.point_y}" for a in axes),
    }
