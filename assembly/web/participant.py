"""Participant routes: join, the event page, contributions, upvotes, ballots, and the socket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assembly import domain, sockets
from assembly.domain import Refused
from assembly.headers import content_security_policy
from assembly.models import Event, Participant
from assembly.push import participant_topic, public_topic
from assembly.render import embed_url
from assembly.security import cookie_header, room_code_matches
from assembly.streams import frame_origin
from assembly.web.common import (
    checked_form,
    client_address,
    done,
    fragment,
    idempotency_key,
    is_htmx,
    page,
    path_int,
    refuse_socket,
    repeated,
    secure_cookies,
    socket_lookup,
    state,
)
from live import serve_websocket

PARTICIPANT_MAX_AGE = 60 * 24 * 3600


# What a post/redirect/get tells a person without JavaScript, by key (never text from the URL).
SAID = {
    "sent": "Sent. It is at the top of the feed.",
    "held": "Sent to the facilitators; it appears once they have read it.",
    "voted": "Your vote is counted. You can change it until the poll closes.",
    "name": "Your name is saved.",
}


def _cookie_name(event: Event) -> str:
    return f"asm_p{event.id}"


def _cookie_id(request: HTTPConnection, event: Event) -> str | None:
    return state(request).signer.participant_id(request.cookies.get(_cookie_name(event)))


# A browser has one participant cookie per event it joined here. The lookup that finds the
# event and its participant in one query takes this many of them; a browser with more (or a
# script sending hundreds, each a signature to check) falls back to two queries.
_CANDIDATES = 4


async def _event_and_me(
    request: HTTPConnection, db: AsyncSession, key: str | None = None
) -> tuple[Event, Participant | None, bool]:
    """The event in the path, the participant behind its cookie (None when absent, forged or
    of another event) and whether that participant used ``key`` before."""
    names = [n for n in request.cookies if n.startswith("asm_p") and n[5:].isdigit()]
    signer = state(request).signer
    ids = {n: signer.participant_id(request.cookies[n]) for n in names[:_CANDIDATES]}
    candidates = [i for i in ids.values() if i]
    event, found = await domain.event_and_participants(
        db, request.path_params["event"], candidates, key
    )
    name = _cookie_name(event)
    if name in ids or name not in names:
        me, used = found.get(ids.get(name) or "", (None, False))
        return event, me, used
    me = await domain.participant(db, event, _cookie_id(request, event))
    return event, me, bool(me is not None and key and await domain.key_used(db, me.id, key))


def _remember(request: Request, response: Response, event: Event, p: Participant) -> Response:
    st = state(request)
    response.headers.append(
        "set-cookie",
        cookie_header(
            _cookie_name(event),
            st.signer.participant_cookie(p.id),
            secure_cookies(request),
            PARTICIPANT_MAX_AGE,
        ),
    )
    return response


async def _me(
    request: Request, db: AsyncSession, event: Event, channel: str = "online"
) -> tuple[Participant, bool]:
    """The participant behind the request's cookie; a new one when absent or forged."""
    existing = await domain.participant(db, event, _cookie_id(request, event))
    return await domain.join(db, event, existing, channel)


async def _prompt(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    return {"session": await domain.current_session(db, event)}


async def _poll(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    poll = await domain.shown_poll(db, event)
    return {
        "view": await domain.poll_view(db, poll) if poll else None,
        "mine": await domain.my_ballot(db, me, poll.id) if poll else None,
    }


async def _feed(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    feed = await domain.public_feed(db, event)
    return {"feed": feed, "upvoted": await domain.upvoted_by(db, me, [c.id for c in feed])}


# Each live widget: its template, and what it needs to render on its own.
WIDGETS = {
    "prompt": ("_prompt.html", _prompt),
    "poll": ("participant/_poll.html", _poll),
    "feed": ("participant/_feed.html", _feed),
}


async def _page_context(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"event": event, "me": me}
    for _, load in WIDGETS.values():
        ctx.update(await load(db, event, me))
    return ctx


async def event_page(request: Request) -> Response:
    st = state(request)
    # Most page loads are returning participants: they need no write, so no turn at the writer.
    async with st.db.read() as db:
        event, me, _ = await _event_and_me(request, db)
    # Read before the page's content: anything published after this makes the socket resync.
    seq = st.hub.sequence(public_topic(event.id))
    if me is None:
        await st.limits.check("join", None, client_address(request))
        async with st.db.write() as db:
            me, _ = await domain.join(db, event, None, "online")
        st.push.joined(event.id)
    async with st.db.read() as db:
        ctx = await _page_context(db, event, me)
    ctx["seq"] = seq
    ctx["expired_code"] = request.query_params.get("code") == "expired"
    ctx["said"] = SAID.get(request.query_params.get("said", ""), "")
    response = page(request, "participant/page.html", **ctx)
    embed = embed_url(event.stream_url) if me.channel == "online" else ""
    if embed:  # the one third-party host a page may load: the organiser's stream player
        response.headers["content-security-policy"] = content_security_policy(frame_origin(embed))
    return _remember(request, response, event, me)


async def widget(request: Request) -> Response:
    """One widget of the participant page, as it is now (re-fetched after a reconnect)."""
    if request.path_params["widget"] not in WIDGETS:
        raise Refused("There is no such part of the page.", 404)
    template, load = WIDGETS[request.path_params["widget"]]
    st = state(request)
    async with st.db.read() as db:
        event, me, _ = await _event_and_me(request, db)
        ctx = await load(db, event, me)
    return page(request, template, event=event, me=me, **ctx)


async def join_room(request: Request) -> Response:
    """The room QR: a current code joins the room; a forged or stale one lands online."""
    st = state(request)
    code = request.path_params.get("code") or str(request.query_params.get("code", ""))
    if not code.strip():
        return page(request, "participant/join.html", code="")
    async with st.db.read() as db:
        events = list(await db.scalars(select(Event).where(Event.status == "open")))
    for event in events:
        if room_code_matches(event.room_secret, st.settings.room_code_period, code):
            await st.limits.check("join", None, client_address(request))
            async with st.db.write() as db:
                me, changed = await _me(request, db, event, "room")
            if changed:
                st.push.joined(event.id)
            return _remember(request, RedirectResponse(f"/e/{event.slug}", 303), event, me)
    if len(events) == 1:
        return RedirectResponse(f"/e/{events[0].slug}?code=expired", 303)
    return page(request, "participant/join.html", status=404, code=code)


T = TypeVar("T")
Action = Callable[[AsyncSession, Event, Participant, FormData], Awaitable[T]]


@dataclass
class _Checked:
    """A participant's POST that passed the cheap checks (no turn at the writer yet)."""

    form: FormData
    event: Event
    known: Participant | None  # None: the cookie is missing or forged; one is made on writing
    key: str | None
    repeated: bool  # the idempotency key shows it was done before


async def _check(request: Request, limit: str, observers: bool = False) -> _Checked:
    """CSRF, identity, role, rate limits and a reused key: everything that can refuse cheaply
    happens before taking a turn at the writer, so a flood of refused requests from one phone
    does not hold up everyone else's."""
    form = await checked_form(request)
    st = state(request)
    key = idempotency_key(request, form)
    async with st.db.read() as db:
        event, known, used = await _event_and_me(request, db, key)
    if known is not None and used:
        return _Checked(form, event, known, key, repeated=True)
    if known is not None and known.role == "observer" and not observers:
        raise Refused(
            "Observers can follow the assembly but not take part in it. "
            "Ask the organisers if you should be taking part.",
            403,
        )
    address = client_address(request)
    if known is None:
        await st.limits.check("join", None, address)
    if limit:
        await st.limits.check(limit, known.id if known else None, address)
    return _Checked(form, event, known, key, repeated=False)


async def _act(
    request: Request, limit: str, action: Action[T], observers: bool = False
) -> tuple[Event, Participant, T | None]:
    """Run a participant's POST: the cheap checks, then in one transaction the identity (a new
    participant if the cookie is missing or forged), the idempotency key and ``action``. The
    result is None when the key shows the request was already done."""
    checked = await _check(request, limit, observers)
    if checked.repeated:
        assert checked.known is not None
        return checked.event, checked.known, None  # answered, not redone
    return await _write(request, checked, action)


async def _write(
    request: Request, checked: _Checked, action: Action[T]
) -> tuple[Event, Participant, T | None]:
    event = checked.event
    async with state(request).db.write() as db:
        me, _ = await _me(request, db, event)
        if not await domain.claim_key(db, me.id, checked.key):
            return event, me, None
        result = await action(db, event, me, checked.form)
    return event, me, result


async def set_name(request: Request) -> Response:
    async def name(db: AsyncSession, event: Event, me: Participant, form: FormData) -> bool:
        domain.set_display_name(me, form.get("display_name"))
        return True

    event, me, ok = await _act(request, "name", name)
    if ok is None:
        return repeated(request, f"/e/{event.slug}")
    html = state(request).render("participant/_name.html", event=event, me=me, csrf="")
    who = me.display_name or "anonymous"
    response = done(request, html, f"/e/{event.slug}?said=name", f"Your name is now {who}.")
    return _remember(request, response, event, me)


async def post_contribution(request: Request) -> Response:
    async def contribute(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.post_contribution(db, event, me, form.get("kind"), form.get("text"))

    event, me, c = await _act(request, "contribution", contribute)
    if c is None:
        return repeated(request, f"/e/{event.slug}#feed")
    st = state(request)
    # Committed: only now is it acknowledged and shown to anyone.
    await st.push.contribution_added(event, c)
    said = "sent" if c.status == "visible" else "held"
    html = st.render("participant/_form.html", event=event, csrf="")
    response = done(request, html, f"/e/{event.slug}?said={said}#feed", SAID[said])
    return _remember(request, response, event, me)


async def upvote(request: Request) -> Response:
    async def up(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        on = form.get("on") != "0"
        c, changed = await domain.set_upvote(db, event, me, path_int(request.path_params["id"]), on)
        return c, changed, on

    event, me, result = await _act(request, "upvote", up)
    if result is None:
        return repeated(request, f"/e/{event.slug}")
    # Upvoting is idempotent: whether or not it changed, the state is now what was asked.
    c, changed, mine = result
    st = state(request)
    if changed:
        st.push.upvotes_changed(c.id)
    html = st.render("participant/_upvote.html", event=event, c=c, mine=mine, csrf="")
    return _remember(request, done(request, html, f"/e/{event.slug}#c-{c.id}"), event, me)


async def ballot(request: Request) -> Response:
    poll_id = path_int(request.path_params["poll"])
    checked = await _check(request, "ballot")
    event, me = checked.event, checked.known
    if checked.repeated:
        return repeated(request, f"/e/{event.slug}#poll")
    if me is not None:
        # A known participant's ballot joins the writer's next group commit.
        option_id = domain.option_id_of(checked.form.get("option"))
        poll = await state(request).ballots.cast(event, me, poll_id, option_id, checked.key)
        if poll is None:
            return repeated(request, f"/e/{event.slug}#poll")
    else:
        # This browser's first action: the participant is created with the ballot.
        async def vote(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
            return (await domain.cast_ballot(db, event, me, poll_id, form.get("option"))).option_id

        event, me, written = await _write(request, checked, vote)
        if written is None:
            return repeated(request, f"/e/{event.slug}#poll")
        option_id = written
        async with state(request).db.read() as db:
            poll = await domain.poll(db, event, poll_id)
    st = state(request)
    st.push.ballot_cast(poll_id)
    if not is_htmx(request):
        return _remember(
            request, RedirectResponse(f"/e/{event.slug}?said=voted#poll", 303), event, me
        )
    # No recount per ballot: the reply shows the last tally; the coalesced push follows.
    view = await st.push.latest_view(poll)
    html = st.render("participant/_poll.html", event=event, view=view, mine=option_id, csrf="")
    label = next((o.label for o in view.options if o.id == option_id), "")
    return _remember(request, fragment(request, html, f"Vote for “{label}” counted."), event, me)


async def my_page(request: Request) -> Response:
    """What this participant has said, with a way to delete it, and a way to leave."""
    st = state(request)
    async with st.db.read() as db:
        event, me, _ = await _event_and_me(request, db)
        mine = await domain.contributions_of(db, me) if me else []
    return page(request, "participant/me.html", event=event, me=me, mine=mine)


async def delete_contribution(request: Request) -> Response:
    async def delete(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.delete_own_contribution(
            db, event, me, path_int(request.path_params["id"])
        )

    event, me, c = await _act(request, "", delete, observers=True)
    if c is not None:
        await state(request).push.contribution_removed(event, c)
    return done(request, "", f"/e/{event.slug}/me", "Deleted. Nobody can see it any more.")


async def leave(request: Request) -> Response:
    async def go(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.leave(db, event, me)

    event, me, left = await _act(request, "", go, observers=True)
    st = state(request)
    if left is not None:
        for c in left.contributions:
            await st.push.contribution_removed(event, c)
        for poll_id in left.polls:  # their ballots were withdrawn: recount
            st.push.ballot_cast(poll_id)
    st.push.joined(event.id)
    response = page(request, "participant/left.html", event=event)
    response.headers.append("set-cookie", f"{_cookie_name(event)}=; Path=/; Max-Age=0; HttpOnly")
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
    found = await socket_lookup(websocket, lambda db: _event_and_me(websocket, db))
    if found is None:
        return None
    event, me, _ = found  # one query, as for the page
    topics = [public_topic(event.id)]
    if me is not None:
        topics.append(participant_topic(me.id))
    return event.id, (me.channel if me else "online"), topics, (me.id if me else None)


routes = [
    Route("/j", join_room, name="join_form"),
    Route("/j/{code}", join_room, name="join"),
    Route("/e/{event}", event_page, name="event"),
    Route("/e/{event}/w/{widget}", widget, name="event_widget"),
    Route("/e/{event}/name", set_name, methods=["POST"], name="set_name"),
    Route("/e/{event}/contributions", post_contribution, methods=["POST"], name="contribute"),
    Route("/e/{event}/c/{id}/upvote", upvote, methods=["POST"], name="upvote"),
    Route("/e/{event}/polls/{poll}/ballot", ballot, methods=["POST"], name="ballot"),
    Route("/e/{event}/me", my_page, name="my_page"),
    Route("/e/{event}/c/{id}/delete", delete_contribution, methods=["POST"], name="delete_own"),
    Route("/e/{event}/leave", leave, methods=["POST"], name="leave"),
    WebSocketRoute("/ws/e/{event}", socket, name="event_socket"),
]
