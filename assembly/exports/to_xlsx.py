"""XLSX: one sheet per table, in openpyxl's write-only mode (rows go to disk as they come, so
memory does not grow with the event), the header row frozen, times as real dates, and columns
sized from the header and the first rows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from assembly.exports.cells import Tick, counted
from assembly.exports.dataset import Column, Dataset, Row

SAMPLE = 200  # rows read before the sheet starts, to size its columns
NARROWEST, WIDEST = 8, 60  # characters
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
BOLD = Font(bold=True)
ROWS_PER_HAND_OFF = 500


async def write_xlsx(sets: Sequence[Dataset], out: IO[bytes], tick: Tick | None = None) -> None:
    """Write every dataset as a sheet of one workbook to ``out``. openpyxl's work (the costly
    part) runs on a thread a few hundred rows at a time, so a server keeps answering."""
    book = Workbook(write_only=True)
    for dataset in sets:
        sheet: WriteOnlyWorksheet = book.create_sheet(dataset.name)
        rows = counted(dataset, tick)
        sample: list[Row] = []
        async for row in rows:
            sample.append(row)
            if len(sample) == SAMPLE:
                break
        _size(sheet, dataset.columns, sample)
        sheet.freeze_panes = "A2"
        sheet.append([_header(sheet, c.name) for c in dataset.columns])
        pending = sample
        async for row in rows:
            pending.append(row)
            if len(pending) >= ROWS_PER_HAND_OFF:
                await asyncio.to_thread(_append, sheet, dataset.columns, pending)
                pending = []
        await asyncio.to_thread(_append, sheet, dataset.columns, pending)
    await asyncio.to_thread(book.save, out)


def _header(sheet: WriteOnlyWorksheet, name: str) -> Any:
    cell = WriteOnlyCell(sheet, name)
    cell.font = BOLD
    return cell


def _append(sheet: WriteOnlyWorksheet, cols: list[Column], rows: list[Row]) -> None:
    for row in rows:
        sheet.append([_cell(sheet, v, c) for v, c in zip(row, cols, strict=True)])


def _cell(sheet: WriteOnlyWorksheet, value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.type == "datetime":
        # Excel has no time zones: the times are UTC (said in the docs and the header note).
        cell = WriteOnlyCell(sheet, value.replace(tzinfo=None))
        cell.number_format = DATE_FORMAT
        return cell
    if column.type in ("int", "float", "bool"):
        return value
    text = column.join.join(value) if column.type == "list" else str(value)
    # Control characters XML cannot hold would stop the whole file: they go.
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", text))
    if cell.data_type == "f":
        # Participants write this text: openpyxl would store "=..." as a formula to run.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _size(sheet: Any, cols: list[Column], sample: list[Row]) -> None:
    for i, column in enumerate(cols):
        longest = len(column.name)
        for row in sample:
            longest = max(longest, _width(row[i], column))
        width = min(WIDEST, max(NARROWEST, longest + 2))
        sheet.column_dimensions[get_column_letter(i + 1)].width = width


def _width(value: Any, column: Column) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    text = column.join.join(value) if column.type == "list" else str(value)
    return max((len(line) for line in text.splitlines()), default=0)
