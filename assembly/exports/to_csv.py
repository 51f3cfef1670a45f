"""CSV: one file per table, UTF-8 with a byte order mark (so Excel reads the accents right),
written with the standard library's csv module."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import TextIO

from assembly.exports.cells import Tick, counted, text_cell
from assembly.exports.dataset import Dataset

ENCODING = "utf-8-sig"  # the BOM: Excel otherwise reads UTF-8 as the machine's code page
ENCODING_BOM = "\ufeff".encode()
FLUSH_ROWS = 500


async def write_csv(dataset: Dataset, out: TextIO, tick: Tick | None = None) -> int:
    """Write ``dataset`` to ``out`` (opened with ``newline=""`` and ``ENCODING``); the rows."""
    writer = csv.writer(out)
    writer.writerow([c.name for c in dataset.columns])
    n = 0
    cols = dataset.columns
    async for row in counted(dataset, tick):
        writer.writerow([text_cell(v, c) for v, c in zip(row, cols, strict=True)])
        n += 1
    return n


async def csv_chunks(dataset: Dataset) -> AsyncIterator[bytes]:
    """The same file as bytes, a few hundred rows at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in dataset.columns])
    yield ENCODING_BOM + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    n, cols = 0, dataset.columns
    async for row in dataset.rows:
        writer.writerow([text_cell(v, c) for v, c in zip(row, cols, strict=True)])
        n += 1
        if n % FLUSH_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
