"""Chart geometry for server-rendered SVG: no script, no network, prints as drawn.

Pure functions from figures to coordinates; the templates only draw what they get
(templates/oversight/_bars.html, _lines.html).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise

Label = str | Promise

BAR_ROW = 26  # height of one bar's row, px
BAR_LEFT = 150  # room for the category labels
BAR_WIDTH = 460  # the longest bar
LINE_WIDTH, LINE_HEIGHT = 640, 220
LINE_LEFT, LINE_RIGHT, LINE_BOTTOM, LINE_TOP = 44, 32, 40, 12
TICKS = 5  # steps on the value axis


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    value: int
    css: str  # the series' class: its colour on screen and on paper
    href: str
    title: str


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    segments: list[Segment]
    total: int
    total_x: float
    href: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    rows: list[BarRow]
    left: int


def nice_ceiling(value: float) -> float:
    """The next 1, 2 or 5 times a power of ten at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def stacked_bars(
    rows: Sequence[tuple[str, str, Sequence[tuple[int, str, str, str]]]],
) -> BarChart:
    """Horizontal stacked bars. ``rows``: (label, link of the whole row, [(value, css
    class, link, title), ...]) with the segments in drawing order."""
    top = max((sum(v for v, *_ in segments) for _l, _h, segments in rows), default=0)
    scale = BAR_WIDTH / nice_ceiling(top)
    drawn = []
    for n, (label, href, segments) in enumerate(rows):
        x = float(BAR_LEFT)
        parts = []
        for value, css, link, title in segments:
            width = value * scale
            if value:
                parts.append(Segment(round(x, 1), round(width, 1), value, css, link, title))
            x += width
        total = sum(v for v, *_ in segments)
        drawn.append(BarRow(label, n * BAR_ROW, parts, total, round(x + 6, 1), href))
    return BarChart(BAR_LEFT + BAR_WIDTH + 60, max(len(rows), 1) * BAR_ROW, drawn, BAR_LEFT)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    href: str
    title: str


@dataclass(frozen=True)
class Series:
    name: Label
    css: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    target_y: float | None


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[Label, str, Sequence[tuple[float | None, str, str]]]],
    *,
    percent: bool = False,
    target: float | None = None,
) -> LineChart:
    """Lines over the same x categories. ``series``: (name, css class, [(value or None
    for no data, link, title), ...]); a None leaves a gap point out."""
    bottom = LINE_HEIGHT - LINE_BOTTOM
    highest = max((v for _n, _c, values in series for v, *_ in values if v is not None), default=0)
    # Five whole steps: at least 0-5, else 1, 2 or 5 times a power of ten.
    top_value = 100.0 if percent else max(nice_ceiling(highest), 5)
    span_x = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    step = span_x / max(len(labels) - 1, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - LINE_TOP) * value / top_value, 1)

    drawn = [
        Series(
            name,
            css,
            [
                Point(round(LINE_LEFT + i * step, 1), y_of(value), value, href, title)
                for i, (value, href, title) in enumerate(values)
                if value is not None
            ],
        )
        for name, css, values in series
    ]
    every = max(1, math.ceil(len(labels) / 12))  # at most a dozen labels under the axis
    x_ticks = [
        Tick(round(LINE_LEFT + i * step, 1), text)
        for i, text in enumerate(labels)
        if i % every == 0
    ]
    y_ticks = [
        Tick(y_of(top_value * k / TICKS), f"{top_value * k / TICKS:g}{'%' if percent else ''}")
        for k in range(TICKS + 1)
    ]
    return LineChart(
        LINE_WIDTH,
        LINE_HEIGHT,
        LINE_LEFT,
        LINE_WIDTH - LINE_RIGHT,
        LINE_TOP,
        bottom,
        drawn,
        x_ticks,
        y_ticks,
        y_of(target) if target is not None else None,
    )
