"""A members' roster from a CSV file, as a sortition tool or a spreadsheet writes it.

Pure: bytes in, rows and problems out, no database. The file may be UTF-8 (with or without the
BOM Excel puts first) or Windows-1252, separated by commas or semicolons (Excel in much of
Europe), with a header row naming the columns ``name`` and, optionally, ``group`` and
``table`` (any case, spaces around them ignored). Other columns (a sortition export carries
many) are ignored and reported, never stored. Each problem names the line it is on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from assembly.models import MAX_GROUP, MAX_MEMBER_NAME, MAX_TABLE

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
COLUMNS = ("name", "group", "table")


@dataclass(frozen=True)
class RosterRow:
    """One member as the file gives them; ``line`` is where they are in the file."""

    line: int
    name: str
    group: str = ""
    table: str = ""

    def label(self) -> str:
        """How a problem names this row: "Ann Smith, table 2"."""
        return self.name + (f", table {self.table}" if self.table else "")

    def key(self) -> tuple[str, str, str]:
        """Two rows with the same key are the same person written twice."""
        return (self.name.casefold(), self.group.casefold(), self.table.casefold())


@dataclass
class Roster:
    """What a file holds: the rows, every problem found (one sentence each) and the columns
    that were ignored. Import only when ``problems`` is empty."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252, which decodes nearly any
    byte; the five it leaves undefined are kept as their Latin-1 characters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _clean(value: str) -> str:
    return " ".join(value.split())


def parse_roster(data: bytes | str, groups: Sequence[str]) -> Roster:
    """Parse a roster file against the event's ``groups`` (matched without regard to case and
    stored as the event spells them)."""
    roster = Roster()
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            roster.problems.append(
                f"The file is {len(data):,} bytes; the limit is {MAX_BYTES:,}. "
                "Save only the name, group and table columns, or split it in two."
            )
            return roster
        data = decode(data)
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        roster.problems.append("The file is empty. Its first line should name the columns.")
        return roster
    columns = _columns(header, roster)
    if roster.problems:
        return roster
    by_name = {g.casefold(): g for g in groups}
    seen: dict[tuple[str, str, str], RosterRow] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # a blank line, or a row of empty cells at the end of a spreadsheet
        if len(roster.rows) >= MAX_ROWS:
            roster.problems = [
                f"The file has more than {MAX_ROWS:,} members. Split it into smaller files."
            ]
            roster.rows = []
            return roster
        row = _row(reader.line_num, cells, columns, by_name, groups, roster.problems)
        if row is None:
            continue
        first = seen.setdefault(row.key(), row)
        if first is not row:
            roster.problems.append(
                f"line {row.line}: duplicate of line {first.line} ({first.label()})"
            )
            continue
        roster.rows.append(row)
    if not roster.rows and not roster.problems:
        roster.problems.append("The file names no members: add one per line under the header.")
    return roster


def _columns(header: list[str], roster: Roster) -> dict[str, int]:
    """Where each known column is; problems for a missing name column or a repeated column."""
    columns: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = _clean(raw).casefold()
        if name in COLUMNS:
            if name in columns:
                roster.problems.append(f"line 1: the column '{name}' appears twice")
            columns[name] = i
        elif name:
            roster.ignored.append(_clean(raw))
    if "name" not in columns:
        roster.problems.append(
            "line 1: there is no 'name' column. The first line should name the columns: "
            "name, and optionally group and table."
        )
    return columns


def _row(
    line: int,
    cells: list[str],
    columns: dict[str, int],
    by_name: dict[str, str],
    groups: Sequence[str],
    problems: list[str],
) -> RosterRow | None:
    def cell(column: str) -> str:
        i = columns.get(column)
        return _clean(cells[i]) if i is not None and i < len(cells) else ""

    name, group, table = cell("name"), cell("group"), cell("table")
    found = len(problems)
    if not name:
        problems.append(f"line {line}: the name is missing")
    elif len(name) > MAX_MEMBER_NAME:
        problems.append(f"line {line}: the name is longer than {MAX_MEMBER_NAME} characters")
    if group and group.casefold() not in by_name:
        if groups:
            offered = ", ".join(groups)
            problems.append(
                f"line {line}: group '{group}' is not one of this event's groups ({offered})"
            )
        else:
            problems.append(
                f"line {line}: group '{group}' given, but this event offers no groups "
                "(add them to the event's setup, or leave the group column empty)"
            )
    elif len(group) > MAX_GROUP:
        problems.append(f"line {line}: the group is longer than {MAX_GROUP} characters")
    if len(table) > MAX_TABLE:
        problems.append(f"line {line}: the table is longer than {MAX_TABLE} characters")
    if len(problems) > found:
        return None
    return RosterRow(line, name, by_name.get(group.casefold(), ""), table)


def to_csv(rows: Sequence[RosterRow]) -> str:
    """The rows as a plain UTF-8, comma-separated roster: what the preview carries to the
    import (parsed and checked again there)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.name, r.group, r.table])
    return out.getvalue()
