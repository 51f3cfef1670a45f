"""The big screen: join QR and code, current prompt, open poll's results, featured contributions."""

from __future__ import annotations

import io
import time
from typing import Any

import qrcode
import qrcode.image.svg
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assembly import domain
from assembly.models import Event
from assembly.push import screen_topic
from assembly.security import room_code
from assembly.web.common import page, socket_event, state, widget
from live import serve_websocket


def qr_svg(data: str) -> str:
    """The QR code for ``data`` as inline SVG (paths, no fixed size, so CSS scales it)."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: this goes inside HTML


def base_url(request: Request) -> str:
    configured = state(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def join_url(request: Request, event: Event) -> tuple[str, str]:
    """(the room code now, the URL the QR encodes)."""
    code = room_code(event.room_secret, state(request).settings.room_code_period)
    return code, f"{base_url(request)}/j/{code}"


async def _context(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
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
    seq = st.hub.sequence(screen_topic(event.id))  # before the content: see serve_websocket
    async with st.db.read() as db:
        ctx = await _context(request, db, event)
    return page(request, "screen/page.html", seq=seq, **ctx)


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
    if event is not None:
        topic = screen_topic(event.id)
        del event  # plain values only for as long as the socket is open
        await serve_websocket(websocket, state(websocket).hub, [topic])


routes = [
    Route("/screen/{event}", screen_page, name="screen"),
    Route("/screen/{event}/w/{widget}", screen_widget, name="screen_widget"),
    WebSocketRoute("/ws/screen/{event}", socket, name="screen_socket"),
]
