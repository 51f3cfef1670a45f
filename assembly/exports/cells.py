"""How a value is written in a cell of a CSV file or a spreadsheet: lists joined, times in
UTC, and text that a spreadsheet would run as a formula made harmless."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from assembly.exports.dataset import Column, Dataset, Row

# A cell starting with one of these is a formula to Excel and LibreOffice, even in a CSV file:
# participants write the text, so it must never run (OWASP's "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # UTC; what spreadsheets read as a date and time


def safe_text(text: str) -> str:
    """Text as a spreadsheet shows it and never runs it: a leading quote before a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def text_cell(value: Any, column: Column) -> str:
    """``value`` of ``column`` as a CSV cell."""
    if value is None:
        return ""
    if column.type == "list":
        return safe_text(column.join.join(value))
    if column.type == "bool":
        return "yes" if value else "no"
    if column.type == "datetime":
        assert isinstance(value, datetime)
        return value.strftime(TIME_FORMAT)
    if column.type in ("int", "float"):
        return str(value)
    return safe_text(str(value))


Tick = Callable[[int], None]
TICK_EVERY = 1000


def counted(dataset: Dataset, tick: Tick | None) -> AsyncIterator[Row]:
    """The dataset's rows, telling ``tick`` every ``TICK_EVERY`` rows (a progress bar)."""
    if tick is None:
        return dataset.rows

    async def rows() -> AsyncIterator[Row]:
        n = 0
        async for row in dataset.rows:
            yield row
            n += 1
            if n == TICK_EVERY:
                tick(n)
                n = 0
        tick(n)

    return rows()
