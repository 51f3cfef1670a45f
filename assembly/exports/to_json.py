"""JSON: one document (``schema_version``, the event, then each table as an array of objects;
docs/export-schema.json describes it), streamed in chunks so it never sits whole in memory."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.exports.cells import Tick, counted
from assembly.exports.dataset import SCHEMA_VERSION, Dataset, Row
from assembly.exports.dataset_privacy import Disclosure, installation_key
from assembly.models import Event

CHUNK = 64 * 1024  # bytes handed on at a time
SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def head(event: Event, names: bool) -> dict[str, Any]:
    """What the document says before its tables."""
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(),
        "names_included": names,
        "event": {
            "slug": event.slug,
            "title": event.title,
            "status": event.status,
            "starts_on": event.starts_on.isoformat() if event.starts_on else None,
            "venue": event.venue,
            "groups": list(event.groups),
            "themes": list(event.themes),
        },
    }


async def document_chunks(
    event: Event, sets: Sequence[Dataset], names: bool, tick: Tick | None = None
) -> AsyncIterator[bytes]:
    """The JSON document of ``sets`` in chunks of about ``CHUNK`` bytes."""
    opening = _dumps(head(event, names))
    parts: list[str] = [opening[:-1] + ',"tables":{']
    size = len(parts[0])
    for i, dataset in enumerate(sets):
        parts.append(("," if i else "") + _dumps(dataset.name) + ":[")
        keys = [c.name for c in dataset.columns]
        first = True
        async for row in counted(dataset, tick):
            text = ("" if first else ",") + _dumps(_object(keys, row))
            first = False
            parts.append(text)
            size += len(text)
            if size >= CHUNK:
                yield "".join(parts).encode()
                parts, size = [], 0
        parts.append("]")
    parts.append("}}")
    yield "".join(parts).encode()


def _object(keys: list[str], row: Row) -> dict[str, Any]:
    return {k: _value(v) for k, v in zip(keys, row, strict=True)}


async def json_chunks(
    db_factory: SessionFactory, event: Event, *, names: bool, secret: str = ""
) -> AsyncIterator[bytes]:
    """The JSON export of ``event`` streamed in chunks (for a StreamingResponse or the CLI).
    ``db_factory`` opens a read session (``Database.read``); ``secret``: the configured
    SECRET_KEY, if any (else the installation's generated key), for the pseudonymous ids."""
    from assembly.exports import datasets

    async with db_factory() as s:
        disclosure = Disclosure(await installation_key(s, secret), names)
        async for chunk in document_chunks(event, datasets(s, event, disclosure), names):
            yield chunk
