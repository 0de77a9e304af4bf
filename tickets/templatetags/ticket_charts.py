"""The dashboard's bar chart: counts per day as SVG geometry (``{% bar_chart %}``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import template

register = template.Library()

# SVG user units; the SVG keeps its proportions as it scales to the page width,
# so its text stays readable on a phone (about 12 px at 360 px).
WIDTH, HEIGHT, TOP = 420, 180, 26
LEFT = 36  # room for the count axis's labels


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    total: int
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP


@register.simple_tag
def bar_chart(per_day: list[tuple[date, int]]) -> Chart:
    """Bars for ``(day, count)`` pairs, and a count axis: 0, the middle (when it
    is a whole number apart) and the peak."""
    peak = max((count for _, count in per_day), default=0)
    slot = (WIDTH - LEFT) / max(len(per_day), 1)
    room = HEIGHT - TOP
    bars = []
    for n, (day, count) in enumerate(per_day):
        height = room * count / peak if peak else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(LEFT + n * slot + 1, 1),
                y=round(HEIGHT - height, 1),
                width=round(slot - 2, 1),
                height=round(height, 1),
            )
        )
    marks = sorted({0, peak // 2, peak}) if peak else [0]
    ticks = [
        Tick(value, round(HEIGHT - (room * value / peak if peak else 0), 1))
        for value in marks
    ]
    total = sum(count for _, count in per_day)
    return Chart(bars=bars, peak=peak, total=total, ticks=ticks)
