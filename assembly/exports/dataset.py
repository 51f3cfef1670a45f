"""What an export holds: a ``Dataset`` per table, its columns and its rows streamed from the
database, and the list of them for one event (``datasets``). The writers (``to_csv``,
``to_xlsx``, ``to_json``) know nothing of the tables; what may leave is decided in
``dataset_privacy`` alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Event, aware

SCHEMA_VERSION = 1
BATCH = 1000  # rows read from the database at a time: memory stays flat, whatever the event


@dataclass(frozen=True)
class Column:
    """A column: its name (the CSV header, the JSON key) and its type, which the XLSX writer
    formats by and the JSON Schema states. A ``list`` (themes, responses) is an array in JSON
    and one cell joined with ``join`` in CSV and XLSX."""

    name: str
    type: str = "text"
    join: str = "; "


Row = tuple[Any, ...]


@dataclass
class Dataset:
    """One table of an export: ``rows`` yields tuples in the order of ``columns``, read a
    batch at a time, so nothing holds the whole table."""

    name: str
    title: str  # what it holds, in a sentence (the exports page and docs/exports.md)
    columns: list[Column]
    rows: AsyncIterator[Row]


def utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands them back naive, in UTC)."""
    return None if moment is None else aware(moment).astimezone(UTC)


def columns(*spec: str) -> list[Column]:
    """Columns from "name" or "name:type" strings (a list's separator follows a second ':')."""
    out = []
    for item in spec:
        name, _, rest = item.partition(":")
        kind, _, join = rest.partition(":")
        out.append(Column(name, kind or "text", join or "; "))
    return out


Builder = Callable[[AsyncSession, Event, Any], Dataset]
