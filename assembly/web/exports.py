"""The organiser's Exports page and its downloads (XLSX, CSV zipped or one table alone), and
`GET /api/events/{event}/export.json`. Exports only read: they run while the event does, and
on SQLite in WAL mode a long read never locks the writers out."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from assembly.domain import Refused
from assembly.domain.apikeys import NO_KEY
from assembly.exports import (
    TABLES,
    Disclosure,
    csv_chunks,
    dataset,
    datasets,
    installation_key,
    json_chunks,
    write_xlsx,
)
from assembly.exports.files import csv_zip
from assembly.exports.roundups import slugs
from assembly.report.pdf import pdf_available
from assembly.web.api import api_event
from assembly.web.auth import LoginRequired, require_staff
from assembly.web.common import attachment, names_asked, page, state

READ_SIZE = 256 * 1024
# What each table holds, in a line (the page lists them).
HOLDS = {
    "contributions": "every contribution: session, channel, kind, flags, themes, upvotes, "
    "outcome and responses",
    "ballots": "every ballot of the polls that are not secret, its answer in words",
    "poll_results": "each poll's result per option, statement or point, members and public "
    "side by side, and whether it carried",
    "speakers": "every raised hand: raised, called, finished, seconds spoken",
    "participants": "everyone who joined: channel, role, group, table",
    "audit_log": "every moderation, facilitation and setup action: when, who, what",
}


async def _disclosure(request: Request, s: AsyncSession) -> Disclosure:
    key = await installation_key(s, state(request).settings.secret_key)
    return Disclosure(key, names_asked(request))


async def exports_page(request: Request) -> Response:
    account, event, role = await require_staff(request, "organise")
    return page(
        request,
        "organise/exports.html",
        account=account,
        event=event,
        role=role,
        section="exports",
        names=names_asked(request),
        holds=HOLDS,
        # The round-ups' file names, one per theme (see assembly/exports/roundups.py).
        themes=list(slugs(list(event.themes)).items()),
        pdf=pdf_available(),
    )


async def _spooled(
    request: Request, build: Callable[[AsyncSession, IO[bytes]], Awaitable[None]]
) -> AsyncIterator[bytes]:
    """Build a file that needs its whole self before it is read (a zip: XLSX, CSV archive) on
    disk, then hand it on a piece at a time; memory holds a piece, not the file."""
    spool = tempfile.TemporaryFile()
    try:
        async with state(request).db.read() as s:
            await build(s, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    async def pieces() -> AsyncIterator[bytes]:
        with spool:
            while piece := spool.read(READ_SIZE):
                yield piece

    return pieces()


async def export_xlsx(request: Request) -> Response:
    _, event, _ = await require_staff(request, "organise")

    async def build(s: AsyncSession, out: IO[bytes]) -> None:
        await write_xlsx(datasets(s, event, await _disclosure(request, s)), out)

    body = await _spooled(request, build)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return StreamingResponse(body, media_type=media, headers=attachment(f"{event.slug}.xlsx"))


async def export_csv_zip(request: Request) -> Response:
    _, event, _ = await require_staff(request, "organise")

    async def build(s: AsyncSession, out: IO[bytes]) -> None:
        await csv_zip(datasets(s, event, await _disclosure(request, s)), out, event.slug)

    body = await _spooled(request, build)
    name = f"{event.slug}-csv.zip"
    return StreamingResponse(body, media_type="application/zip", headers=attachment(name))


async def export_csv(request: Request) -> Response:
    """One table as CSV, streamed row by row as it is read."""
    _, event, _ = await require_staff(request, "organise")
    table = request.path_params["table"]
    if table not in TABLES:
        raise Refused(
            f"There is no table called {table!r}. Choose one on the Exports page: "
            f"{', '.join(TABLES)}.",
            404,
        )

    async def body() -> AsyncIterator[bytes]:
        async with state(request).db.read() as s:
            chosen = dataset(s, event, await _disclosure(request, s), table)
            async for chunk in csv_chunks(chosen):
                yield chunk

    name = f"{event.slug}-{table}.csv"
    media = "text/csv; charset=utf-8"
    return StreamingResponse(body(), media_type=media, headers=attachment(name))


async def api_export(request: Request) -> Response:
    """The JSON export (docs/export-schema.json), streamed. An organiser's login or the
    event's API key (``Authorization: Bearer``); ``?names=1`` adds display names for an
    organiser only: a key is a program's, and names leave only by a person's choice."""
    if "authorization" in request.headers:
        event, names = await api_event(request), False
    else:
        try:
            _, event, _ = await require_staff(request, "organise")
        except LoginRequired:
            if "text/html" in request.headers.get("accept", ""):
                raise  # a person's browser: to the login page, and back here after
            raise Refused(NO_KEY, 401) from None  # a program: say how to send its key
        names = names_asked(request)
    chunks = json_chunks(
        state(request).db.read,
        event,
        names=names,
        secret=state(request).settings.secret_key,
    )
    headers = attachment(f"{event.slug}.json") if "download" in request.query_params else {}
    return StreamingResponse(chunks, media_type="application/json", headers=headers)


routes = [
    Route("/organise/{event}/exports", exports_page, name="exports"),
    Route("/organise/{event}/export.xlsx", export_xlsx, name="export_xlsx"),
    Route("/organise/{event}/export-csv.zip", export_csv_zip, name="export_csv_zip"),
    Route("/organise/{event}/export/{table}.csv", export_csv, name="export_csv"),
    Route("/api/events/{event}/export.json", api_export, name="api_export"),
]
