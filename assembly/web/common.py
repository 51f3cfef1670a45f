"""What every audience's routes share: state access, CSRF-checked forms, replies and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.websockets import WebSocket

from assembly import domain, security
from assembly.config import Settings
from assembly.db import Database
from assembly.domain import Refused
from assembly.domain.apikeys import NO_KEY
from assembly.fairshare import PENALTY_HEADER, FairShare
from assembly.guard import Guard
from assembly.headers import same_origin
from assembly.lookups import Lookups
from assembly.models import MAX_KEY, Event, Poll
from assembly.push import Pusher
from assembly.ratelimit import RateLimiter
from assembly.render import Renderer
from assembly.report.cache import Memo
from assembly.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    STAFF_COOKIE,
    Signer,
    check_csrf,
)
from assembly.writer import BallotWriter
from live import CLOSE_POLICY, Hub


@dataclass
class State:
    """Everything the lifespan opens, read by handlers from ``request.state``."""

    settings: Settings
    db: Database
    hub: Hub
    push: Pusher
    render: Renderer
    signer: Signer
    limits: RateLimiter
    fair: FairShare
    ballots: BallotWriter
    guard: Guard
    lookups: Lookups  # who sent a ballot, looked up for many at once
    # The public story of each event, built at most every few seconds (assembly/report/cache.py).
    stories: Memo = field(default_factory=Memo)


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a browser save the response as ``filename``."""
    return {"content-disposition": f'attachment; filename="{filename}"'}


def names_asked(request: Request) -> bool:
    """Whether an organiser's download asks for display names (the Exports page's tick)."""
    return request.query_params.get("names") in ("1", "on", "yes", "true")


def state(conn: HTTPConnection) -> State:
    st: State = conn.state.app
    return st


def csrf(conn: HTTPConnection) -> str:
    """The token this request's forms carry and its posts must send back: the browser's CSRF
    token, bound to the login its staff cookie holds (if any). Logging in or out, or anyone
    else's login in the same browser, makes the earlier tokens useless."""
    token: str = conn.scope["state"]["csrf"]
    signer = state(conn).signer
    staff = signer.staff(conn.cookies.get(STAFF_COOKIE))
    return signer.form_token(token, f"{staff[0]}:{staff[1]}" if staff else "")


def base_url(conn: HTTPConnection) -> str:
    """Where people reach this server: ``PUBLIC_URL``, else the address of this request."""
    configured = state(conn).settings.public_url
    return (configured or str(conn.base_url)).rstrip("/")


def path_id(request: Request) -> int:
    """The ``{id}`` in the request's path, as ``path_int`` reads it."""
    return path_int(request.path_params["id"])


def path_int(raw: str) -> int:
    """A number from the path; anything else is a 404 sentence, never a 500."""
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 < value < 2**63:  # ids are positive 64-bit integers in every database we run on
        raise Refused("That address is not right. Go back and try again.", 404)
    return value


def secure_cookies(conn: HTTPConnection) -> bool:
    """Whether this request's cookies are marked Secure (see ``security.secure_cookies``)."""
    return security.secure_cookies(state(conn).settings.cookie_secure, conn.scope)


def client_address(conn: HTTPConnection) -> str:
    """The client's address (uvicorn puts the proxy's X-Forwarded-For here when trusted)."""
    return conn.client.host if conn.client else ""


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def checked_form(request: Request, max_files: int = 0) -> FormData:
    """The request's form, after checking its CSRF token (form field or X-CSRF-Token header).
    Only forms that upload a file (a plan, a roster) allow ``max_files``."""
    try:
        form = await request.form(max_files=max_files, max_fields=50)
    except Exception:
        raise Refused("The form could not be read. Reload the page and try again.", 400) from None
    given = form.get(CSRF_FIELD)
    token = given if isinstance(given, str) else request.headers.get(CSRF_HEADER)
    if not check_csrf(csrf(request), token):
        raise Refused(
            "This form has expired or came from another site. Reload the page and try again.", 403
        )
    return form


def idempotency_key(request: Request, form: FormData) -> str | None:
    """The POST's idempotency key: the form field every form carries, or the header. One
    longer than the database keeps is refused here, before anything looks it up or stores it."""
    value = form.get("idempotency_key")
    key = value if isinstance(value, str) else request.headers.get("idempotency-key")
    key = key.strip() if key else None
    if key and len(key) > MAX_KEY:
        raise Refused(f"The request key is too long ({MAX_KEY} characters at most).", 422)
    return key or None


def repeated(request: Request, redirect_to: str) -> Response:
    """The answer to a retried POST whose first attempt was already done: nothing is redone."""
    if is_htmx(request):
        response = fragment(request, "", "Already done: this was received the first time.")
        response.headers["HX-Reswap"] = "none"
        return response
    return RedirectResponse(redirect_to, status_code=303)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", csrf(request))
    return HTMLResponse(state(request).render(template, **context), status_code=status)


def fragment(request: Request, html: str, flash: str = "") -> HTMLResponse:
    """An htmx reply: ``html`` plus an out-of-band status line for screen readers and eyes."""
    return HTMLResponse(html + _flash(request, flash))


def done(request: Request, html: str, redirect_to: str, flash: str = "") -> Response:
    """Reply to a form post: the fragment for htmx, a redirect (post/redirect/get) without JS."""
    if is_htmx(request):
        return fragment(request, html, flash)
    return RedirectResponse(redirect_to, status_code=303)


def _flash(request: Request, message: str, error: bool = False) -> str:
    return state(request).render("_flash.html", message=message, error=error, oob="true")


async def refused(request: Request, exc: Exception) -> Response:
    """Turn a ``Refused`` into its sentence: an out-of-band alert for htmx, a page otherwise."""
    assert isinstance(exc, Refused)
    if request.url.path.startswith("/api/"):
        return api_refusal(exc)  # the API's callers are programs: JSON, and no fair-share mark
    if is_htmx(request):
        response = HTMLResponse(_flash(request, exc.message, error=True), status_code=exc.status)
        response.headers["HX-Reswap"] = "none"
    else:
        referer = request.headers.get("referer") or ""
        back = referer if referer.startswith(str(request.base_url)) else "/"  # never off-site
        response = page(request, "error.html", status=exc.status, message=exc.message, back=back)
    if exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    if exc.penalise:
        response.headers[PENALTY_HEADER] = "1"
    return response


def api_refusal(exc: Refused) -> JSONResponse:
    """``exc`` as the API says it: ``{"error": sentence}`` with its status (and how to retry)."""
    response = JSONResponse({"error": exc.message}, status_code=exc.status)
    if exc.status == 401:  # RFC 6750: say which scheme, and whether the key itself was wrong
        response.headers["WWW-Authenticate"] = (
            "Bearer" if exc.message == NO_KEY else 'Bearer error="invalid_token"'
        )
    if exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


LoadContext = Callable[[Request, AsyncSession, Event], Awaitable[dict[str, Any]]]


async def widget(request: Request, templates: Mapping[str, str], load: LoadContext) -> Response:
    """One live widget of a page as it is now: what a page re-fetches after a reconnect."""
    name = request.path_params["widget"]
    if name not in templates:
        raise Refused("There is no such part of this page.", 404)
    async with state(request).db.read() as db:
        event = await domain.event_by_slug(db, request.path_params["event"])
        ctx = await load(request, db, event)
    return page(request, templates[name], **ctx)


T = TypeVar("T")


async def refuse_socket(websocket: WebSocket, reason: str) -> None:
    """Accept ``websocket`` only to close it with 1008 and ``reason``: a refused handshake
    reaches the page as 1006, which its ws extension retries for ever; 1008 it does not, and
    ``static/app.js`` shows the reason."""
    await websocket.accept()
    # A close frame's reason holds 123 bytes; without one the page says its access ended.
    await websocket.close(CLOSE_POLICY, reason if len(reason.encode()) <= 123 else "")


async def socket_lookup(
    websocket: WebSocket, find: Callable[[AsyncSession], Awaitable[T]]
) -> T | None:
    """What ``find`` reads for a socket, or None after closing it (policy violation) when
    ``find`` refuses (an unknown event) or the page that opened it belongs to another site."""
    if not same_origin(websocket.headers):
        await websocket.close(1008)
        return None
    async with state(websocket).db.read() as db:
        try:
            return await find(db)
        except Refused as exc:
            await refuse_socket(websocket, exc.message)
            return None


async def socket_event(websocket: WebSocket) -> Event | None:
    """The event a socket asks for (see ``socket_lookup``)."""
    return await socket_lookup(
        websocket, lambda db: domain.event_by_slug(db, websocket.path_params["event"])
    )


def closed_said(event: Event, closed: list[Poll]) -> str:
    """What a session change says of the polls it closed (and the online voters' grace)."""
    said = ""
    for poll in closed:
        said += f" The poll “{poll.question}” closed" + (
            f"; online voters have {event.stream_delay} s more (the stream's delay)."
            if poll.online_until
            else "."
        )
    return said
