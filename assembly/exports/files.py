"""A whole export written into a folder, all or nothing: the files are written into a
temporary folder inside it and moved into place only once every one is complete."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.exports.cells import Tick
from assembly.exports.dataset import Dataset
from assembly.exports.dataset_privacy import Disclosure
from assembly.exports.to_csv import ENCODING, write_csv
from assembly.exports.to_json import document_chunks
from assembly.exports.to_xlsx import write_xlsx
from assembly.models import (
    AuditEntry,
    Ballot,
    Contribution,
    Event,
    Participant,
    Poll,
    SpeakerRequest,
)


class CannotWrite(Exception):
    """The folder cannot be written; ``str()`` is the sentence to show."""


Writer = Callable[[Path], Awaitable[list[Path]]]


async def into_folder(out: Path, write: Writer) -> list[Path]:
    """Run ``write(folder)`` on a temporary folder inside ``out`` (made if missing), then move
    what it wrote into ``out``. On any failure nothing is left in ``out``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    except OSError as exc:
        raise CannotWrite(
            f"Cannot write to {out}: {exc.strerror or exc}. Choose a folder you can write "
            "to with --out. Nothing was written."
        ) from exc
    try:
        written = await write(work)
        # Same file system: each move is a rename, so a file is there whole or not at all.
        done = []
        for path in written:
            target = out / path.name
            os.replace(path, target)
            done.append(target)
        return done
    except OSError as exc:
        raise CannotWrite(
            f"Could not finish writing to {out}: {exc.strerror or exc}. Nothing was written."
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def csv_files(
    sets: Sequence[Dataset], folder: Path, slug: str, tick: Tick | None = None
) -> list[Path]:
    """One ``<slug>-<table>.csv`` per dataset in ``folder``."""
    paths = []
    for dataset in sets:
        path = folder / f"{slug}-{dataset.name}.csv"
        with path.open("w", encoding=ENCODING, newline="") as f:
            await write_csv(dataset, f, tick)
        paths.append(path)
    return paths


async def csv_zip(sets: Sequence[Dataset], out: IO[bytes], slug: str) -> None:
    """The CSV files of ``sets`` in one zip archive, written to the binary file ``out``."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for dataset in sets:
            with archive.open(f"{slug}-{dataset.name}.csv", "w") as raw:
                with io.TextIOWrapper(raw, encoding=ENCODING, newline="") as text:
                    await write_csv(dataset, text)


async def xlsx_file(
    sets: Sequence[Dataset], folder: Path, slug: str, tick: Tick | None = None
) -> list[Path]:
    path = folder / f"{slug}.xlsx"
    with path.open("wb") as f:
        await write_xlsx(sets, f, tick)
    return [path]


async def json_file(
    event: Event, sets: Sequence[Dataset], folder: Path, names: bool, tick: Tick | None = None
) -> list[Path]:
    path = folder / f"{event.slug}.json"
    with path.open("wb") as f:
        async for chunk in document_chunks(event, sets, names, tick):
            f.write(chunk)
    return [path]


async def rows_to_export(s: AsyncSession, event: Event) -> int:
    """About how many rows an export of ``event`` writes (for a progress bar's length)."""
    total = 0
    for model, where in (
        (Contribution, Contribution.event_id == event.id),
        (Participant, Participant.event_id == event.id),
        (SpeakerRequest, SpeakerRequest.event_id == event.id),
        (AuditEntry, AuditEntry.event_id == event.id),
    ):
        total += await s.scalar(select(func.count()).select_from(model).where(where)) or 0
    total += (
        await s.scalar(
            select(func.count(Ballot.id))
            .join(Poll, Poll.id == Ballot.poll_id)
            .where(Poll.event_id == event.id, Disclosure.ballot_rows())
        )
        or 0
    )
    return total
