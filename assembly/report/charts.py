"""Horizontal bar charts drawn on the server as SVG, readable on paper in black and white.

A ``Chart`` is categories (the options, the channels) by series (everyone; or members and
public side by side). ``layout`` turns it into positions; ``templates/report/_chart.html``
draws them through the autoescaping environment, so a label can hold any text. Colour never
carries meaning alone: each series has its own fill pattern (solid, hatched, dotted) and a
legend, every bar has its number written beside it, and a table of the same numbers follows
the drawing for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

WIDTH = 640
LABEL_CHARS = 84  # what fits on one line of the drawing; the table has the whole label
VALUE_ROOM = 110  # right of the longest bar: room for "100% (1,000)"
SERIES_ROOM = 90  # and for the series' name after it, when there are several
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 10
LEGEND_HEIGHT = 24
PATTERNS = ("solid", "hatched", "dotted")  # series 0, 1, 2 (more series repeat them)


@dataclass(frozen=True)
class Chart:
    """``values[i][j]``: category i's number in series j, shown as ``texts[i][j]`` ("45% (9)");
    ``scale``: the value a full-length bar stands for (100 for percentages)."""

    id: str  # unique on the page: the patterns' ids are built from it
    title: str
    description: str
    categories: Sequence[str]
    series: Sequence[str]
    values: Sequence[Sequence[float]]
    texts: Sequence[Sequence[str]]
    scale: float = 100
    caption: str = ""
    heading: str = "Answer"  # what the categories are, for the text alternative's table
    titled: bool = True  # the title shown above the drawing (a poll's question is already)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    pattern: str
    text: str
    text_x: float
    series: str


@dataclass(frozen=True)
class Row:
    label: str  # shortened to fit on one line
    full: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Layout:
    width: int
    height: float
    rows: list[Row]
    legend: list[tuple[str, str, float]]  # series, pattern, x
    bar_width: int


def short(label: str, limit: int = LABEL_CHARS) -> str:
    """``label`` on one line of at most ``limit`` characters (an ellipsis when cut)."""
    flat = " ".join(label.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def pattern_of(j: int) -> str:
    return PATTERNS[j % len(PATTERNS)]


def layout(chart: Chart) -> Layout:
    """Where each label and bar goes: one line of label, then one bar per series under it."""
    if len(chart.values) != len(chart.categories) or len(chart.texts) != len(chart.categories):
        raise ValueError("a chart needs one row of values and texts per category")
    many = len(chart.series) > 1
    top = float(LEGEND_HEIGHT if many else 0)
    bar_width = WIDTH - VALUE_ROOM - (SERIES_ROOM if many else 0)
    scale = chart.scale if chart.scale > 0 else 1
    rows: list[Row] = []
    y = top
    for i, category in enumerate(chart.categories):
        label_y = y + LABEL_HEIGHT - 5
        y += LABEL_HEIGHT
        bars = []
        for j, name in enumerate(chart.series):
            value = max(0.0, float(chart.values[i][j]))
            # A zero is a hairline, so that "no votes" is drawn, not left out.
            w = max(1.0, min(1.0, value / scale) * bar_width)
            bars.append(
                Bar(0, y, round(w, 1), BAR_HEIGHT, pattern_of(j), chart.texts[i][j], w + 6, name)
            )
            y += BAR_HEIGHT + BAR_GAP
        rows.append(Row(short(category), category, label_y, bars))
        y += GROUP_GAP
    legend = (
        [(name, pattern_of(j), j * 170.0) for j, name in enumerate(chart.series)] if many else []
    )
    return Layout(WIDTH, max(y, top + 1), rows, legend, bar_width)


def chart_html(env: jinja2.Environment, chart: Chart) -> Markup:
    """The chart as HTML: a figure with the SVG and its text alternative (autoescaped)."""
    html = env.get_template("report/_chart.html").render(chart=chart, layout=layout(chart))
    return Markup(html)  # rendered by the autoescaping environment above


def share_text(n: int, pct: int) -> str:
    """How a bar's number reads: "45% (9)"."""
    return f"{pct}% ({n:,})"
