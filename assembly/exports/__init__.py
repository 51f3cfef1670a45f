"""Exports (issue 12): an event's contributions, ballots, poll results, speakers, participants
and audit log as CSV, XLSX or one JSON document, streamed from the database a batch at a time.

``datasets`` gives the tables (``dataset_people``, ``dataset_polls``), ``dataset_privacy`` what
may leave, and ``to_csv``, ``to_xlsx``, ``to_json`` write them; ``files`` writes a whole export
into a folder (the CLI). docs/exports.md says what each column holds."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.exports import dataset_people, dataset_polls
from assembly.exports.dataset import SCHEMA_VERSION, Builder, Column, Dataset
from assembly.exports.dataset_privacy import Disclosure, installation_key
from assembly.exports.to_csv import csv_chunks, write_csv
from assembly.exports.to_json import document_chunks, json_chunks
from assembly.exports.to_xlsx import write_xlsx
from assembly.models import Event

BUILDERS: dict[str, Builder] = {
    "contributions": dataset_people.contributions,
    "ballots": dataset_polls.ballots,
    "poll_results": dataset_polls.poll_results,
    "speakers": dataset_people.speakers,
    "participants": dataset_people.participants,
    "audit_log": dataset_people.audit_log,
}
TABLES = tuple(BUILDERS)


def datasets(s: AsyncSession, event: Event, disclosure: Disclosure) -> list[Dataset]:
    """Every table of ``event``'s export, in order; each reads from ``s`` when iterated."""
    return [build(s, event, disclosure) for build in BUILDERS.values()]


def dataset(s: AsyncSession, event: Event, disclosure: Disclosure, table: str) -> Dataset:
    """One table (a name from ``TABLES``)."""
    return BUILDERS[table](s, event, disclosure)


__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Dataset",
    "Disclosure",
    "csv_chunks",
    "dataset",
    "datasets",
    "document_chunks",
    "installation_key",
    "json_chunks",
    "write_csv",
    "write_xlsx",
]
