"""`assembly export EVENT --format csv|xlsx|json|html|pdf|roundups --out DIR [--names]`: an
event's outcomes into a folder, all files or none, with a progress bar on a terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly import domain
from assembly.config import Settings
from assembly.db import migrate, opened
from assembly.exports import Disclosure, datasets
from assembly.exports.cells import Tick
from assembly.exports.files import (
    CannotWrite,
    csv_files,
    into_folder,
    json_file,
    rows_to_export,
    xlsx_file,
)
from assembly.models import Event

FORMATS = ("csv", "xlsx", "json", "html", "pdf", "roundups")


def _format(raw: str) -> str:
    if raw not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"there is no format {raw!r}: use one of {', '.join(FORMATS)}, e.g. --format xlsx"
        )
    return raw


def add_parser(sub: Any) -> None:
    """The `export` command, on the CLI's subparsers ``sub``."""
    export = sub.add_parser(
        "export",
        help="export an event's outcomes (see docs/exports.md)",
        description="Write an event's contributions, ballots, poll results, speakers, "
        "participants and audit log (csv, xlsx, json), its outcomes report (html, pdf) or its "
        "round-ups per theme into a folder. Participants appear under pseudonymous ids.",
    )
    export.add_argument("event", help="the event's slug, e.g. demo")
    export.add_argument(
        "--format",
        type=_format,
        required=True,
        metavar="|".join(FORMATS),
        help="what to write",
    )
    export.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    export.add_argument("--names", action="store_true", help="include participants' display names")


def run(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.database_url)
    return asyncio.run(export(settings, args.event, args.format, Path(args.out), args.names))


async def export(settings: Settings, slug: str, fmt: str, out: Path, names: bool) -> int:
    """Write the export; 0, or 1 for an unknown event, 2 for a folder that cannot be written
    (or PDF without WeasyPrint)."""
    from assembly.app import _secret_key

    async with opened(settings.database_url) as db:
        key = await _secret_key(db, settings.secret_key)
        async with db.read() as s:
            try:
                event = await domain.event_by_slug(s, slug)
            except domain.Refused:
                print(
                    f"There is no event {slug!r}. `assembly user list` shows the events; "
                    "give its slug, e.g. demo.",
                    file=sys.stderr,
                )
                return 1
            try:
                paths = await into_folder(out, _writer(s, event, fmt, names, key.encode()))
            except CannotWrite as exc:
                print(str(exc), file=sys.stderr)
                return 2
            except _Unavailable as exc:
                print(str(exc), file=sys.stderr)
                return 2
    for path in paths:
        print(path)
    return 0


class _Unavailable(Exception):
    """A format this installation cannot write (PDF without WeasyPrint)."""


def _writer(s: AsyncSession, event: Event, fmt: str, names: bool, key: bytes) -> Any:
    async def write(folder: Path) -> list[Path]:
        if fmt in ("html", "pdf"):
            return await _report(s, event, fmt, folder, names)
        if fmt == "roundups":
            from assembly.exports.roundups import write_roundups  # only this format needs it

            found: list[Path] = await write_roundups(s, event, folder)
            return found
        sets = datasets(s, event, Disclosure(key, names))
        with _progress(await rows_to_export(s, event)) as tick:
            if fmt == "csv":
                return await csv_files(sets, folder, event.slug, tick)
            if fmt == "xlsx":
                return await xlsx_file(sets, folder, event.slug, tick)
            return await json_file(event, sets, folder, names, tick)

    return write


async def _report(s: AsyncSession, event: Event, fmt: str, folder: Path, names: bool) -> list[Path]:
    # Imported here: the report's templates and charts load only for these two formats.
    from assembly.report import PdfUnavailable, html_to_pdf, report_html

    html: str = await report_html(s, event, names=names)
    if fmt == "html":
        path = folder / f"{event.slug}-report.html"
        path.write_text(html, encoding="utf-8")
        return [path]
    try:
        pdf: bytes = await asyncio.to_thread(html_to_pdf, html)
    except PdfUnavailable as exc:
        raise _Unavailable(str(exc)) from exc
    path = folder / f"{event.slug}-report.pdf"
    path.write_bytes(pdf)
    return [path]


def _progress(total: int) -> AbstractContextManager[Tick | None]:
    """A progress bar on a terminal; nothing when stderr is a file or a pipe (cron, CI, a
    script's log would fill with carriage returns)."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    from tqdm import tqdm

    return _Bar(tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr))


class _Bar:
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def __enter__(self) -> Tick:
        return self.bar.update  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
