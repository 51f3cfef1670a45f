"""The JSON Schema (draft 2020-12) of the JSON export, made from the datasets' own columns, so
docs/export-schema.json cannot drift from what is written (a test compares the two)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.exports import BUILDERS, Column, Disclosure
from assembly.exports.dataset import SCHEMA_VERSION
from assembly.models import Event

_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "int": {"type": ["integer", "null"]},
    "float": {"type": ["number", "null"]},
    "bool": {"type": "boolean"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "list": {"type": "array", "items": {"type": "string"}},
}


def table_columns(names: bool) -> dict[str, list[Column]]:
    """Each table's columns, with or without the name columns (no database is read)."""
    nowhere = cast(AsyncSession, None)  # the rows are never iterated here
    event = Event(id=0, slug="", title="")
    disclosure = Disclosure(b"schema", names)
    return {name: build(nowhere, event, disclosure).columns for name, build in BUILDERS.items()}


def _table(with_names: list[Column], without: list[Column]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": [c.name for c in without],
            "additionalProperties": False,
            "properties": {c.name: _TYPES[c.type] for c in with_names},
        },
    }


def schema() -> dict[str, Any]:
    """What docs/export-schema.json holds."""
    full, bare = table_columns(True), table_columns(False)
    event = {
        "type": "object",
        "required": ["slug", "title", "status", "starts_on", "venue", "groups", "themes"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "status": {"enum": ["draft", "open", "closed"]},
            "starts_on": {"type": ["string", "null"], "format": "date"},
            "venue": {"type": "string"},
            "groups": {"type": "array", "items": {"type": "string"}},
            "themes": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:assembly:export:{SCHEMA_VERSION}",
        "title": "Assembly: an event's export",
        "description": "What `assembly export EVENT --format json` and GET "
        "/api/events/{event}/export.json write; docs/exports.md says what each column holds. "
        "Times are UTC. The name columns appear only when names_included is true.",
        "type": "object",
        "required": ["schema_version", "generated_at", "names_included", "event", "tables"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "generated_at": {"type": "string", "format": "date-time"},
            "names_included": {"type": "boolean"},
            "event": event,
            "tables": {
                "type": "object",
                "required": list(full),
                "additionalProperties": False,
                "properties": {name: _table(full[name], bare[name]) for name in full},
            },
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(schema(), indent=2))
