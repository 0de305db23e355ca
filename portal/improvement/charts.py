"""The geometry of a measure's trend chart, drawn by the server as inline SVG (no script): the
values as a line of points, with the baseline and the target as level lines. The template
(improvement/_chart.html) draws it and gives it its words."""

import math
from dataclasses import dataclass

from portal.improvement.published import Measure

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 20, 50


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[Point]
    baseline_y: float
    target_y: float
    axis_ticks: list[tuple[float, float]]  # (y, value)
    plot_left: int
    plot_right: int
    plot_bottom: int

    @property
    def line(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


TICKS = 4  # gaps between the level lines
INSET = 60  # room either side for the first and last periods' labels


def _nice_range(low: float, high: float) -> tuple[float, float]:
    """A range from a round number with round steps (0, 25, 50...) that holds low and high."""
    if low == high:
        low, high = low - 1, high + 1
    raw = (high - low) / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * magnitude
        start = math.floor(low / step) * step
        if start + TICKS * step >= high:
            return start, start + TICKS * step
    return low, high  # not reached: 20 steps of the magnitude always hold the range


def chart_for(measure: Measure) -> Chart:
    numbers = [value.value for value in measure.values] + [measure.baseline, measure.target]
    low, high = _nice_range(min(numbers), max(numbers))
    plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def y_of(number: float) -> float:
        return plot_bottom - (number - low) / (high - low) * (plot_bottom - TOP)

    count = len(measure.values)
    first, last = LEFT + INSET, plot_right - INSET
    step = (last - first) / max(count - 1, 1)
    points = [
        Point(first + step * n if count > 1 else (first + last) / 2, y_of(value.value), value.period, value.value)
        for n, value in enumerate(measure.values)
    ]
    ticks = [(y_of(low + (high - low) * n / TICKS), round(low + (high - low) * n / TICKS, 1)) for n in range(TICKS + 1)]
    return Chart(
        WIDTH, HEIGHT, points, y_of(measure.baseline), y_of(measure.target), ticks, LEFT, plot_right, plot_bottom
    )
