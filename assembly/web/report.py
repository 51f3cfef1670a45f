"""The organisers' outcomes report: the printable page and its PDF (``assembly.report``).

Both are for the event's organisers (the ``organise`` capability), as exports are. ``?names=1``
adds authors' names; without it the report is as anonymous as the public story.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from assembly.domain import Refused
from assembly.headers import SELF_CONTAINED_CSP
from assembly.report import PdfUnavailable, html_to_pdf, report_html
from assembly.report.pdf import PRINT_INSTEAD
from assembly.web.auth import require_staff
from assembly.web.common import attachment, names_asked, state


async def _html(request: Request) -> tuple[str, str]:
    _, event, _ = await require_staff(request, "organise")
    names = names_asked(request)
    async with state(request).db.read() as db:
        return event.slug, await report_html(db, event, names=names)


async def report_page(request: Request) -> Response:
    _, html = await _html(request)
    response = HTMLResponse(html)
    response.headers["content-security-policy"] = SELF_CONTAINED_CSP
    response.headers["cache-control"] = "no-store"  # it may hold names
    return response


async def report_pdf(request: Request) -> Response:
    slug, html = await _html(request)
    try:
        # Laying out a long report takes a while: off the event loop, which serves the room.
        pdf = await run_in_threadpool(html_to_pdf, html)
    except PdfUnavailable as exc:
        raise Refused(f"{exc} {PRINT_INSTEAD}", 501) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            **attachment(f"{slug}-outcomes.pdf"),
            "cache-control": "no-store",
        },
    )


routes = [
    Route("/organise/{event}/report.html", report_page, name="report_html"),
    Route("/organise/{event}/report.pdf", report_pdf, name="report_pdf"),
]
