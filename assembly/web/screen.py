"""The big screen: join QR and code, current prompt, open poll's results, featured contributions.

The screen shows the live room code, so it is only for the event's team: a facilitator logged in
on the projector's laptop, or a browser that opened the screen's secret address (shown on the
console, changed there, which closes every screen opened with the old one).
"""

from __future__ import annotations

import hmac
import io
import time
from functools import lru_cache
from typing import Any

import qrcode
import qrcode.image.svg
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assembly import domain
from assembly.domain import Refused
from assembly.guard import screen_label, staff_label
from assembly.models import Event
from assembly.push import screen_topic
from assembly.security import SCREEN_MAX_AGE, cookie_header, room_code
from assembly.web.auth import LoginRequired, current_account
from assembly.web.common import (
    base_url,
    page,
    refuse_socket,
    secure_cookies,
    socket_event,
    state,
    widget,
)
from live import serve_websocket


@lru_cache(maxsize=64)
def qr_svg(data: str) -> str:
    """The QR code for ``data`` as inline SVG (paths, no fixed size, so CSS scales it). Kept:
    drawing one costs about 14 ms, and a code is the same for every screen for minutes."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: this goes inside HTML


def join_url(request: Request, event: Event) -> tuple[str, str]:
    """(the room code now, the URL the QR encodes)."""
    code = room_code(event.room_secret, state(request).settings.room_code_period)
    return code, f"{base_url(request)}/j/{code}"


def screen_address(conn: HTTPConnection, event: Event) -> str:
    """The secret address that opens ``event``'s big screen without a login."""
    return f"{base_url(conn)}/screen/{event.slug}/open/{event.screen_key}"


def _cookie_name(event: Event) -> str:
    return f"asm_s{event.id}"


async def screen_access(conn: HTTPConnection, event: Event) -> str | None:
    """The credential this caller may open ``event``'s screen with, as the label its socket
    carries (see ``assembly.guard``), or None."""
    account = await current_account(conn)
    if account is not None:
        async with state(conn).db.read() as db:
            on_team = await domain.role_on(db, account, event) is not None
        if on_team:
            return staff_label(account.id, account.login_nonce)
    if event.status == "draft":
        return None  # a draft is the team's alone: its screen address opens nothing yet
    key = state(conn).signer.screen_key(conn.cookies.get(_cookie_name(event)), event.id)
    if key is not None and hmac.compare_digest(key, event.screen_key):
        return screen_label(event.id, key)
    return None


_NO_ACCESS = (
    "The big screen is for the event's team. Log in, or open the screen address shown on the "
    "facilitators' console."
)


async def _context(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    """A widget's content, for the team or the screen address only."""
    if await screen_access(request, event) is None:
        raise Refused(_NO_ACCESS, 403)
    return await _content(request, db, event)


async def _content(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    code, url = join_url(request, event)
    poll = await domain.shown_poll(db, event)
    period = state(request).settings.room_code_period
    return {
        "event": event,
        "code": code,
        "join_url": url,
        "qr": qr_svg(url),
        # Refresh a little after the code rotates, never more than once a minute.
        "qr_refresh": max(5, min(60, int(period - time.time() % period) + 1)),
        "session": await domain.current_session(db, event),
        "view": await domain.poll_view(db, poll) if poll else None,
        "featured": await domain.featured(db, event),
    }


async def screen_page(request: Request) -> Response:
    st = state(request)
    async with st.db.read() as db:
        event = await domain.event_by_slug(db, request.path_params["event"])
    if await screen_access(request, event) is None:
        raise LoginRequired(request.url.path)
    seq = st.hub.sequence(screen_topic(event.id))  # before the content: see serve_websocket
    async with st.db.read() as db:
        ctx = await _content(request, db, event)  # access checked above, once
    return page(request, "screen/page.html", seq=seq, **ctx)


async def open_screen(request: Request) -> Response:
    """The screen's secret address: this browser may show the big screen from now on."""
    st = state(request)
    async with st.db.read() as db:
        event = await domain.event_by_slug(db, request.path_params["event"])
    key = request.path_params["key"]
    if not hmac.compare_digest(key.encode(), event.screen_key.encode()):
        raise Refused(
            "This screen address is not current: the facilitators may have changed it. "
            "Ask them for the address shown on their console now.",
            403,
        )
    response = RedirectResponse(f"/screen/{event.slug}", 303)
    cookie = cookie_header(
        _cookie_name(event),
        st.signer.screen_cookie(event.id, key),
        secure_cookies(request),
        SCREEN_MAX_AGE,
    )
    response.headers.append("set-cookie", cookie)
    return response


WIDGETS = {
    "qr": "screen/_qr.html",
    "prompt": "_prompt.html",
    "poll": "screen/_poll.html",
    "featured": "screen/_featured.html",
}


async def screen_widget(request: Request) -> Response:
    return await widget(request, WIDGETS, _context)


async def socket(websocket: WebSocket) -> None:
    event = await socket_event(websocket)
    if event is None:
        return
    label = await screen_access(websocket, event)
    if label is None:
        await refuse_socket(websocket, _NO_ACCESS)
        return
    topic = screen_topic(event.id)
    del event  # plain values only for as long as the socket is open
    await serve_websocket(websocket, state(websocket).hub, [topic], [label])


routes = [
    Route("/screen/{event}", screen_page, name="screen"),
    Route("/screen/{event}/open/{key}", open_screen, name="open_screen"),
    Route("/screen/{event}/w/{widget}", screen_widget, name="screen_widget"),
    WebSocketRoute("/ws/screen/{event}", socket, name="screen_socket"),
]
