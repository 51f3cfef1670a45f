"""The organiser's round-ups per theme: all of them in one zip, or one theme's page alone."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from assembly.domain import Refused
from assembly.exports.dataset_people import session_titles
from assembly.exports.roundups import roundup_html, roundups, roundups_zip
from assembly.headers import SELF_CONTAINED_CSP
from assembly.web.auth import require_staff
from assembly.web.common import attachment, state


async def roundups_download(request: Request) -> Response:
    _, event, _ = await require_staff(request, "organise")
    async with state(request).db.read() as db:
        content = await roundups_zip(db, event)
    name = f"{event.slug}-roundups.zip"
    return Response(
        content,
        media_type="application/zip",
        headers=attachment(name),
    )


async def roundup_page(request: Request) -> Response:
    _, event, _ = await require_staff(request, "organise")
    slug = request.path_params["theme"]
    async with state(request).db.read() as db:
        found = next(iter(await roundups(db, event, only=slug)), None)
        sessions = await session_titles(db, event)
    if found is None:
        themes = ", ".join(event.themes) or "none yet"
        raise Refused(f"This event has no such theme. Its themes: {themes}.", 404)
    html = roundup_html(found, event, sessions)
    return HTMLResponse(html, headers={"Content-Security-Policy": SELF_CONTAINED_CSP})


routes = [
    Route("/organise/{event}/roundups.zip", roundups_download, name="roundups_zip"),
    Route("/organise/{event}/roundups/{theme}.html", roundup_page, name="roundup_html"),
]
