"""Participant pages: joining, the event page and its live widgets, "what I said", the socket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assembly import domain, sockets
from assembly.domain import Refused, desk
from assembly.domain.closing import grace_left
from assembly.domain.unread import unread_replies
from assembly.headers import content_security_policy
from assembly.models import Event, Participant, utcnow
from assembly.push import participant_topic, public_topic
from assembly.render import embed_url
from assembly.security import room_code_expired, room_code_matches
from assembly.streams import frame_origin
from assembly.web.actions import SAID
from assembly.web.auth import current_account
from assembly.web.common import client_address, page, refuse_socket, socket_lookup, state
from assembly.web.feedview import FeedView, feed_view
from assembly.web.identity import event_and_me, me_or_new, remember
from assembly.web.queue import hand_context
from assembly.web.replies_seen import remember_seen, seen_reply
from live import serve_websocket


async def _prompt(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    return {"session": await domain.current_session(db, event)}


def _online(me: Participant | None) -> bool:
    return me is None or me.channel == "online"  # the event link joins online


async def _poll(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    poll = await domain.shown_poll(db, event)
    return {
        "view": await domain.poll_view(db, poll) if poll else None,
        "mine": await domain.my_ballot(db, me, poll) if poll else None,
        "can_vote": domain.may_vote(poll, me) if poll else False,
        # Seconds this viewer may still vote in a poll just closed (online voters' grace).
        "grace": grace_left(poll, utcnow())
        if poll and (me is None or me.channel == "online")
        else 0,
    }


async def _feed(
    db: AsyncSession, event: Event, me: Participant | None, view: FeedView | None = None
) -> dict[str, Any]:
    view = view or FeedView()
    feed = await domain.public_feed(db, event, order=view.order, kind=view.kind)
    upvoted = await domain.upvoted_by(db, me, [c.id for c in feed])
    return {"feed": feed, "upvoted": upvoted, "feed_view": view}


async def _stream(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    """The stream, or a private session's notice: online participants only."""
    return {"session": await domain.current_session(db, event), "online": _online(me)}


# Each live widget: its template, and what it needs to render on its own.
WIDGETS = {
    "prompt": ("_prompt.html", _prompt),
    "poll": ("participant/_poll.html", _poll),
    "feed": ("participant/_feed.html", _feed),
    "hand": ("participant/_hand.html", hand_context),  # the speaker queue
    "timer": ("_timer.html", _prompt),
    "stream": ("participant/_stream.html", _stream),
}


async def _page_context(
    db: AsyncSession, event: Event, me: Participant | None, view: FeedView
) -> dict[str, Any]:
    ctx: dict[str, Any] = {"event": event, "me": me}
    for name, (_, load) in WIDGETS.items():
        ctx.update(await (_feed(db, event, me, view) if name == "feed" else load(db, event, me)))
    return ctx


async def _hidden(conn: HTTPConnection, event: Event) -> bool:
    """Whether ``event`` is a draft this caller may not see: only its team sees a draft."""
    if event.status != "draft":
        return False
    account = await current_account(conn)
    if account is None:
        return True
    async with state(conn).db.read() as db:
        return await domain.role_on(db, account, event) is None


async def _seen(conn: HTTPConnection, event: Event) -> None:
    """Refuse a part of a draft event's page to anyone but its team."""
    if await _hidden(conn, event):
        raise Refused(domain.NOT_OPEN_YET, 404)


async def event_page(request: Request) -> Response:
    st = state(request)
    # Most page loads are returning participants: they need no write, so no turn at the writer.
    async with st.db.read() as db:
        event, me, _ = await event_and_me(request, db)
    if await _hidden(request, event):
        # The address is right and the event exists: it says when it opens (status 200).
        return page(request, "participant/not_open.html", event=event)
    # Read before the page's content: anything published after this makes the socket resync.
    seq = st.hub.sequence(public_topic(event.id))
    if me is None:
        await st.limits.check("join", None, client_address(request))
        async with st.db.write() as db:
            me, _ = await domain.join(db, event, None, "online")
        st.push.joined(event.id)
    async with st.db.read() as db:
        ctx = await _page_context(db, event, me, feed_view(request))
        ctx["table_lead"] = await desk.table_of(db, event, me)  # their table's summary form
        ctx["unread"] = await unread_replies(db, me, seen_reply(request, event))
    ctx["seq"] = seq
    ctx["expired_code"] = request.query_params.get("code") == "expired"
    ctx["said"] = SAID.get(request.query_params.get("said", ""), "")
    response = page(request, "participant/page.html", **ctx)
    embed = embed_url(event.stream_url) if me.channel == "online" else ""
    if embed:  # the one third-party host a page may load: the organiser's stream player
        response.headers["content-security-policy"] = content_security_policy(frame_origin(embed))
    return remember(request, response, event, me)


async def widget(request: Request) -> Response:
    """One widget of the participant page, as it is now (re-fetched after a reconnect)."""
    if request.path_params["widget"] not in WIDGETS:
        raise Refused("There is no such part of the page.", 404)
    template, load = WIDGETS[request.path_params["widget"]]
    st = state(request)
    async with st.db.read() as db:
        event, me, _ = await event_and_me(request, db)
        view = feed_view(request)
        ctx = await (_feed(db, event, me, view) if load is _feed else load(db, event, me))
    await _seen(request, event)
    return page(request, template, event=event, me=me, **ctx)


async def join_room(request: Request) -> Response:
    """The room QR: a current code joins the room. An expired one (a photo of the screen, a
    code read out before a break) lands online with a box to type the code now; one that was
    never valid (a typo) joins nobody and asks for the code again: being put online with "the
    code had expired" made people think the screen was wrong."""
    st = state(request)
    code = request.path_params.get("code") or str(request.query_params.get("code", ""))
    if not code.strip():
        return page(request, "participant/join.html", problem="", events=[])
    async with st.db.read() as db:
        events = list(await db.scalars(select(Event).where(Event.status == "open")))
    for event in events:
        if room_code_matches(event.room_secret, st.settings.room_code_period, code):
            await st.limits.check("join", None, client_address(request))
            async with st.db.write() as db:
                me, changed = await me_or_new(request, db, event, "room")
            if changed:
                st.push.joined(event.id)
            return remember(request, RedirectResponse(f"/e/{event.slug}", 303), event, me)
    period = st.settings.room_code_period
    expired = [e for e in events if room_code_expired(e.room_secret, period, code)]
    if len(events) == 1 and expired:
        return RedirectResponse(f"/e/{events[0].slug}?code=expired", 303)
    # Never repeat the code: it came from the address, and an address can say anything.
    problem = "expired" if expired else "unknown"
    return page(request, "participant/join.html", status=404, problem=problem, events=events)


async def my_page(request: Request) -> Response:
    """What this participant has said, with a way to delete it, and a way to leave."""
    st = state(request)
    async with st.db.read() as db:
        event, me, _ = await event_and_me(request, db)
        mine = await domain.contributions_of(db, me) if me else []
    await _seen(request, event)
    response = page(request, "participant/me.html", event=event, me=me, mine=mine)
    # Every reply is on this page: all read, up to the newest one their row was stamped with.
    remember_seen(request, response, event, (me.last_reply_id or 0) if me else 0)
    return response


async def socket(websocket: WebSocket) -> None:
    st = state(websocket)
    listener = await _listener(websocket)
    if listener is None:
        return
    # Plain values only from here: the socket may stay open for hours, and an ORM object with
    # its session is a few KB per socket.
    event_id, channel, topics, who = listener
    mine = f"p:{who}"
    if who is not None and not st.fair.sockets.take(mine, sockets.PER_PARTICIPANT):
        await refuse_socket(websocket, sockets.TOO_MANY_TABS)  # see assembly/sockets.py
        return
    st.push.socket_opened(event_id, channel, who)
    try:
        await serve_websocket(websocket, st.hub, topics)
    finally:
        st.push.socket_closed(event_id, channel, who)
        if who is not None:
            st.fair.sockets.give_back(mine)


async def _listener(websocket: WebSocket) -> tuple[int, str, list[str], str | None] | None:
    """The event id, channel, topics and participant id (None: no valid cookie) of a
    participant's socket, or None once it is closed."""
    found = await socket_lookup(websocket, lambda db: event_and_me(websocket, db))
    if found is None:
        return None
    event, me, _ = found  # one query, as for the page
    if await _hidden(websocket, event):
        await refuse_socket(websocket, domain.NOT_OPEN_YET)
        return None
    topics = [public_topic(event.id)]
    if me is not None:
        topics.append(participant_topic(me.id))
    return event.id, (me.channel if me else "online"), topics, (me.id if me else None)


routes = [
    Route("/j", join_room, name="join_form"),
    Route("/j/{code}", join_room, name="join"),
    Route("/e/{event}", event_page, name="event"),
    Route("/e/{event}/w/{widget}", widget, name="event_widget"),
    Route("/e/{event}/me", my_page, name="my_page"),
    WebSocketRoute("/ws/e/{event}", socket, name="event_socket"),
]
