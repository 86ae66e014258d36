"""Horizontal bar charts of the portraits, drawn as SVG by a template.

Computed on the server, like referentiel/charts.py: the chart exists without
JavaScript and in print, and its table gives the same numbers."""

from dataclasses import dataclass

from django.utils.formats import number_format

WIDTH = 640
LABEL_WIDTH = 210
BAR_LEFT = 220
BAR_SPACE = 330
BAR_HEIGHT = 14
GAP = 10
LABEL_CHARACTERS = 34


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    text: str
    text_x: float
    text_y: float


@dataclass
class Group:
    label: str
    short_label: str
    label_y: float
    bars: list[Bar]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value * 100, 1)} %"


def bars(rows: list[tuple[str, list[float | None]]], *, as_percent: bool) -> dict:
    """Geometry for (label, values per series) rows, scaled to the largest value."""
    series = max((len(values) for _label, values in rows), default=1)
    largest = max((v or 0 for _label, values in rows for v in values), default=0)
    row_height = series * BAR_HEIGHT + GAP
    groups = []
    for index, (label, values) in enumerate(rows):
        top = index * row_height + GAP / 2
        group_bars = []
        for position, value in enumerate(values):
            width = round(BAR_SPACE * (value or 0) / largest, 1) if largest else 0
            y = top + position * BAR_HEIGHT
            text = percent(value) if as_percent else number_format(value or 0, 0)
            group_bars.append(
                Bar(
                    BAR_LEFT,
                    y,
                    width,
                    BAR_HEIGHT - 2,
                    position,
                    text,
                    BAR_LEFT + width + 4,
                    y + BAR_HEIGHT - 4,
                )
            )
        short = (
            label
            if len(label) <= LABEL_CHARACTERS
            else label[: LABEL_CHARACTERS - 1] + "…"
        )
        groups.append(
            Group(label, short, top + series * BAR_HEIGHT / 2 + 4, group_bars)
        )
    height = max(len(rows) * row_height, row_height)
    return {
        "viewbox": f"0 0 {WIDTH} {height}",
        "height": height,
        "label_x": LABEL_WIDTH,
        "groups": groups,
    }
