"""A word cloud drawn on the server as SVG: a pure function from word counts to markup.

Readable at 10 m and at 360 px: the SVG has a viewBox 960 units wide and fills the width it is
given (``width="100%"``, height from the viewBox), words are bold, 32 to 96 units high (on a
1920 px projector 64 to 192 px; on a 360 px phone 12 to 36 px), in dark colours with a
contrast of at least 7:1 on white. Placement is row packing: words, largest first, fill rows
left to right, each row is centred, and the rows are stacked with the largest in the middle.
Each word's box is its estimated width; ``textLength`` makes the browser draw the word exactly
that wide whatever font it has, so boxes never overlap. The same counts give the same SVG.

The text alternative (``role="img"``, ``aria-label`` and ``<title>``) lists every word shown
with its count. Every piece of text is XML-escaped, characters XML cannot carry are dropped,
and runs of whitespace read as one space.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 960
SMALLEST = 32
LARGEST = 96
GAP = 16  # between words in a row, and between rows
MARGIN = 16
LONGEST = 24  # characters shown of one word; the text alternative keeps it whole
# Contrast on white (WCAG): 10.0, 9.3, 8.2, 10.1 and 15.9 to 1, all above 7:1 (AAA).
COLOURS = ("#0b3d91", "#8a1c1c", "#1e5a2a", "#5a2a82", "#222222")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"

# One row of the layout: (word, count, font size, width) for each word in it.
_Row = list[tuple[str, int, float, float]]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Placed:
    """One word's box: (x, y) is its top left corner, in viewBox units."""

    word: str
    count: int
    x: float
    y: float
    width: float
    height: float
    size: float


def layout(counts: Sequence[tuple[str, int]], top: int = 30) -> tuple[list[Placed], float]:
    """Boxes for the ``top`` words (most counted first, then alphabetically) and the height."""
    drawable = ((w, c) for w, c in counts if c > 0 and _shown(w))
    chosen = sorted(drawable, key=lambda wc: (-wc[1], wc[0]))[:top]
    if not chosen:
        return [], 0.0
    high, low = chosen[0][1], chosen[-1][1]
    usable = WIDTH - 2 * MARGIN
    rows: list[_Row] = [[]]
    row_width = 0.0
    for word, count in chosen:
        size = _size(count, low, high)
        shown = _shown(word)
        width = text_width(shown, size)
        if width > usable:  # one very long word: smaller, to fit the width
            size, width = size * usable / width, usable
        if rows[-1] and row_width + GAP + width > usable:
            rows.append([])
            row_width = 0.0
        row_width += (GAP if rows[-1] else 0) + width
        rows[-1].append((word, count, size, width))
    placed: list[Placed] = []
    y = float(MARGIN)
    for row in _middle_out(rows):
        height = max(size for _, _, size, _ in row) * 1.25
        total = sum(width for *_, width in row) + GAP * (len(row) - 1)
        x = (WIDTH - total) / 2
        for word, count, size, width in row:
            placed.append(Placed(word, count, x, y, width, height, size))
            x += width + GAP
        y += height + GAP
    return placed, y - GAP + MARGIN


def cloud_svg(counts: Sequence[tuple[str, int]], top: int = 30, label: str = "Word cloud") -> str:
    """The SVG markup of a word cloud of ``counts`` (word, count), with its text alternative."""
    placed, height = layout(counts, top)
    if not placed:
        alt = f"{label}: no words yet."
        return _svg(alt, 120, [_text(WIDTH / 2, 60 + 12, 36, "#222222", "No words yet")])
    ranked = sorted(placed, key=lambda p: (-p.count, p.word))
    listed = ", ".join(f"{_clean(p.word)} ({p.count})" for p in ranked)
    alt = f"{label}, {len(placed)} {'word' if len(placed) == 1 else 'words'}: {listed}."
    texts = []
    colour = {p.word: COLOURS[rank % len(COLOURS)] for rank, p in enumerate(ranked)}
    for p in placed:
        baseline = p.y + p.height / 2 + 0.35 * p.size  # middle of the box, by the x-height
        texts.append(
            _text(
                p.x + p.width / 2,
                baseline,
                p.size,
                colour[p.word],
                _shown(p.word),
                p.width,
                p.count,
            )
        )
    return _svg(alt, height, texts)


def text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s width in bold sans-serif at ``size`` units."""
    return sum(_advance(c) for c in text) * size


def _advance(c: str) -> float:
    if unicodedata.combining(c):
        return 0.0
    if unicodedata.east_asian_width(c) in ("W", "F"):
        return 1.05
    if c in "ijlI'.,!|":
        return 0.34
    if c in "ftr":
        return 0.46
    if c in "mwMW":
        return 1.0
    if c.isupper():
        return 0.78
    return 0.66


def _size(count: int, low: int, high: int) -> float:
    # By the square root of the count: one word written by everyone leaves the others readable.
    if high == low:
        return (SMALLEST + LARGEST) / 2
    spread = math.sqrt(high) - math.sqrt(low)
    return SMALLEST + (LARGEST - SMALLEST) * (math.sqrt(count) - math.sqrt(low)) / spread


def _shown(word: str) -> str:
    word = _clean(word)
    return word if len(word) <= LONGEST else word[: LONGEST - 1] + "…"


def _middle_out(rows: list[_Row]) -> list[_Row]:
    # Rows of the biggest words in the middle, smaller ones above and below: a cloud's shape.
    above = rows[1::2][::-1]
    below = rows[2::2]
    return [*above, rows[0], *below]


def _clean(text: str) -> str:
    # Whitespace collapsed: a newline in an attribute would read back as a space.
    return " ".join(_NOT_XML.sub("", text).split())


def _text(
    x: float,
    y: float,
    size: float,
    colour: str,
    word: str,
    width: float | None = None,
    count: int | None = None,
) -> str:
    fit = f' textLength="{width:.1f}" lengthAdjust="spacingAndGlyphs"' if width is not None else ""
    data = f' data-count="{count}"' if count is not None else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" fill="{colour}"{fit}{data}>'
        f"{html.escape(word)}</text>"
    )


def _svg(alt: str, height: float, texts: list[str]) -> str:
    alt = html.escape(_clean(alt))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="img" aria-label="{alt}" class="word-cloud" '
        f'font-family="{html.escape(FONT)}" font-weight="700" text-anchor="middle">'
        f"<title>{alt}</title>" + "".join(texts) + "</svg>"
    )
