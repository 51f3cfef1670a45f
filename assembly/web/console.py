"""Facilitator console: the one feed, moderation, the agenda, polls, presence, and its socket."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assembly import domain
from assembly.domain import desk
from assembly.domain.consolepolls import console_polls
from assembly.domain.contributions import MAX_FEATURED
from assembly.domain.members import check_in_counts
from assembly.guard import staff_label
from assembly.models import Event, FacilitatorAccount
from assembly.push import console_topic_for
from assembly.web import console_polls as agenda_actions
from assembly.web.auth import current_account, require_staff, staff_act
from assembly.web.common import (
    done,
    page,
    path_id,
    refuse_socket,
    repeated,
    socket_lookup,
    state,
    widget,
)
from assembly.web.desk import desk_context
from assembly.web.feedview import console_filter
from assembly.web.outcome_actions import voice_context
from assembly.web.queue import queue_context
from assembly.web.screen import screen_address
from live import serve_websocket


# Each part of the console reads what it shows, and no more: a widget re-fetched (a filter
# typed into the search box, a reconnect) reads its own part, the page all of them.
async def _feed(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    f = console_filter(request, event.themes)
    feed = await domain.console_feed(
        db,
        event,
        f.channel,
        f.kind,
        table=f.table,
        theme=f.theme,
        order=f.order,
        search=f.q,
        session_id=f.session,
    )
    labels = await desk.table_labels(db, event)
    return {
        "event": event,
        "filter": f,
        "channel": f.channel,
        "kind": f.kind,
        "theme": f.theme,
        "order": f.order,
        "table": f.table if f.table in labels else "",
        "feed": feed,
    }


async def _agenda(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    session = await domain.current_session(db, event)
    return {
        "event": event,
        "sessions": await domain.sessions_of(db, event),
        "session": session,
        # A poll still running in a session left behind stays listed (issue 17).
        "polls": [await domain.poll_view(db, p) for p in await console_polls(db, event, session)],
    }


async def _clock(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    return {"event": event, "session": await domain.current_session(db, event)}


async def _presence(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    return {
        "event": event,
        "joined": await domain.presence_counts(db, event),
        "connected": state(request).push.connected_by_channel(event.id),
    }


async def _checkin(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    return {
        "event": event,
        "checkin": await check_in_counts(db, event),
        "tables": await desk.tables(db, event),
    }


async def _queue(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    return {"event": event, **await queue_context(db, event)}


async def _modqueue(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    return {"event": event, "modqueue": await desk.pending(db, event)}


async def _context(request: Request, db: AsyncSession, event: Event) -> dict[str, Any]:
    """The whole console: every part, and the desk's (tables, table filter, the queue)."""
    ctx = await _feed(request, db, event)
    ctx.update(await desk_context(db, event, ctx["filter"].table))
    for part in (_agenda, _presence, _checkin, _queue):
        ctx.update(await part(request, db, event))
    return ctx


async def console_page(request: Request) -> Response:
    account, event, role = await require_staff(request)
    st = state(request)
    topic = console_topic_for(event.id, domain.allows(role, "run"))
    seq = st.hub.sequence(topic)  # before the content: see serve_websocket
    # A new session for the content: SQLite's snapshot starts at a transaction's first read, so
    # the event's session could miss a change published just before ``seq`` was read.
    async with st.db.read() as db:
        ctx = await _context(request, db, event)
        # Share of voice (issue 11), with the speaking time the queue's part has read.
        ctx.update(await voice_context(db, event, ctx["spoken_session"], ctx["spoken_event"]))
    address = screen_address(request, event)
    return page(
        request,
        "console/page.html",
        account=account,
        seq=seq,
        screen_address=address,
        screen_host=urlsplit(address).netloc,
        public_url=st.settings.public_url,
        role=role,
        can_run=domain.allows(role, "run"),
        can_moderate=domain.allows(role, "moderate"),
        can_organise=domain.allows(role, "organise"),
        can_checkin=domain.allows(role, "checkin"),
        can_type_in=domain.allows(role, "type_in"),
        **ctx,
    )


WIDGETS = {
    "feed": "console/_feed.html",
    "agenda": "console/_agenda.html",
    "clock": "console/_clock.html",
    "presence": "console/_presence.html",
    "checkin": "console/_checkin.html",
    "queue": "console/_queue.html",  # the speaker queue
    "modqueue": "console/_modqueue.html",  # contributions waiting for a moderator
}
PARTS = {
    "feed": _feed,
    "agenda": _agenda,
    "clock": _clock,
    "presence": _presence,
    "checkin": _checkin,
    "queue": _queue,
    "modqueue": _modqueue,
}


async def console_widget(request: Request) -> Response:
    # The agenda (sessions, polls) and the clock only for those who run them.
    runs = request.path_params["widget"] in ("agenda", "clock")
    event = (await require_staff(request, "run" if runs else "view"))[1]
    response = await widget(request, WIDGETS, PARTS.get(request.path_params["widget"], _context))
    if request.headers.get("HX-Trigger") == "feed-filters":
        # Filtered in place: the address bar shows the console page with this filter, so a
        # reload or a shared link opens the same view.
        query = console_filter(request, event.themes).query()
        response.headers["HX-Push-Url"] = f"/console/{event.slug}" + (f"?{query}" if query else "")
    return response


async def moderate(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await domain.moderate(
            db, event, account, path_id(request), request.path_params["action"]
        )

    event, before = await staff_act(request, "moderate", act)
    if before is None:
        return repeated(request, f"/console/{event.slug}")
    st = state(request)
    await st.push.contribution_moderated(event, before)
    c = before.contribution
    html = st.render("console/_contribution.html", event=event, c=c)
    message = ""
    if before.unfeatured:  # the screen shows three at most: the oldest made room
        gone = "".join(
            st.render("console/_contribution.html", event=event, c=old, oob="true")
            for old in before.unfeatured
        )
        await st.push.to_console(event.id, gone)
        said = " and ".join(f"“{_short(old.text)}”" for old in before.unfeatured)
        most = {3: "three"}.get(MAX_FEATURED, str(MAX_FEATURED))  # said in words when we can
        message = f"On screen. The big screen shows {most} at most, so {said} came off it."
    return done(request, html, f"/console/{event.slug}#c-{c.id}", message)


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


async def respond(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        return await domain.respond(db, event, account, path_id(request), f.get("text"))

    event, c = await staff_act(request, "moderate", act)
    if c is None:
        return repeated(request, f"/console/{event.slug}")
    st = state(request)
    await st.push.responded(event, c)
    html = st.render("console/_contribution.html", event=event, c=c)
    return done(request, html, f"/console/{event.slug}#c-{c.id}", "Response sent.")


async def new_screen_key(request: Request) -> Response:
    """Change the big screen's secret address: screens opened with the old one close."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        event.screen_key = secrets.token_hex(16)
        domain.audit(db, event, account, "screen.new_key", f"event:{event.id}")
        return event

    event, changed = await staff_act(request, "run", act)
    if changed is not None:
        await state(request).guard.sweep()  # this process at once; the others within a second
    return done(request, "", f"/console/{event.slug}#screen-access", "The screen address changed.")


async def socket(websocket: WebSocket) -> None:
    account = await current_account(websocket)
    if account is None:
        await refuse_socket(websocket, "Your login has ended. Reload the page to log in again.")
        return
    # Closed within a second of a logout, a new password, the account's removal or its
    # removal from the event's team (which ends its logins).
    label = staff_label(account.id, account.login_nonce)

    async def find(db: AsyncSession) -> Event:
        event = await domain.event_by_slug(db, websocket.path_params["event"])
        runs.append(domain.allows(await domain.authorize(db, account, event, "view"), "run"))
        return event

    runs: list[bool] = []  # agenda and poll fragments only to those who run them
    event = await socket_lookup(websocket, find)
    if event is not None:
        topic = console_topic_for(event.id, runs[-1])
        del event, account  # plain values only for as long as the socket is open
        await serve_websocket(websocket, state(websocket).hub, [topic], [label])


routes = [
    Route("/console/{event}", console_page, name="console"),
    Route("/console/{event}/w/{widget}", console_widget, name="console_widget"),
    Route("/console/{event}/c/{id}/respond", respond, methods=["POST"], name="respond"),
    Route("/console/{event}/c/{id}/{action}", moderate, methods=["POST"], name="moderate"),
    Route("/console/{event}/screen/key", new_screen_key, methods=["POST"], name="new_screen_key"),
    WebSocketRoute("/ws/console/{event}", socket, name="console_socket"),
    *agenda_actions.routes,
]
