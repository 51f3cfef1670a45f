"""The speaker queue over HTTP: participants raise and lower a hand; the console calls the next
(alternating room and online if the event says so), marks speaking and done. Every change
re-draws the consoles' queue; the person called hears it on their own topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.domain.queue import seconds_between
from assembly.models import Event, FacilitatorAccount, Participant, SpeakerRequest, utcnow
from assembly.push import participant_topic
from assembly.web.actions import _act
from assembly.web.auth import staff_act
from assembly.web.common import done, path_int, repeated, state
from assembly.web.identity import remember


async def hand_context(db: AsyncSession, event: Event, me: Participant | None) -> dict[str, Any]:
    """What a participant's hand widget shows: their hand, if it is up."""
    return {"hand": await domain.my_hand(db, event, me)}


async def queue_context(db: AsyncSession, event: Event) -> dict[str, Any]:
    """What the console's queue shows: the hands up and the speaking time per channel."""
    session_id = event.current_session_id
    return {
        "queue": await domain.speaker_queue(db, event),
        "spoken_session": (
            await domain.speaking_seconds_by_channel(db, event, session_id)
            if session_id is not None
            else None
        ),
        "spoken_event": await domain.speaking_seconds_by_channel(db, event),
        "duration": duration,
        "since": _since,
    }


def _since(moment: datetime | None) -> str:
    """Minutes and seconds from ``moment`` to now, as the console's clock shows them (m:ss)."""
    seconds = seconds_between(moment, utcnow()) if moment else 0
    return f"{seconds // 60}:{seconds % 60:02d}"


def duration(seconds: int) -> str:
    """A speaking time as people say it: 95 -> "1 min 35 s"."""
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def notice(hand: SpeakerRequest, event: Event) -> str:
    """The sentence that tells a called participant what happens now."""
    if hand.channel != "online":
        return "Your turn: a microphone is coming."
    if event.call_url:
        return f"You're on: join the call at {event.call_url}"
    return "You're on: the facilitators will tell you how to join."


async def _publish(request: Request, event: Event, told: SpeakerRequest | None = None) -> str:
    """Push the queue to every console and, when ``told`` changed status, the hand widget to
    that participant's own pages (a flash too when they are called). Returns the queue's html
    for the reply."""
    st = state(request)
    async with st.db.read() as db:
        fresh = await db.get(Event, event.id) or event
        ctx = await queue_context(db, fresh)
        who = (
            await db.get(Participant, told.participant_id) if told and told.participant_id else None
        )
        hand = await domain.my_hand(db, fresh, who) if who else None
    html = st.render("console/_queue.html", event=fresh, **ctx)
    # Every role's console shows the queue (its controls only to those who run the agenda).
    await st.push.to_console(
        event.id, st.render("console/_queue.html", event=fresh, oob="true", **ctx)
    )
    if told is not None and who is not None:
        mine = st.render(
            "participant/_hand.html", event=fresh, me=who, hand=hand, csrf="", oob="true"
        )
        if told.status == "called":
            mine += st.render("_flash.html", message=notice(told, fresh), error=False, oob="true")
        await st.hub.publish(participant_topic(who.id), mine)
    return html


# --- participants ---------------------------------------------------------------------------


async def raise_hand(request: Request) -> Response:
    async def up(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.raise_hand(db, event, me, form.get("topic"))

    event, me, hand = await _act(request, "hand", up)
    if hand is None:
        return repeated(request, f"/e/{event.slug}#hand")
    await _publish(request, event)
    html = state(request).render("participant/_hand.html", event=event, me=me, hand=hand, csrf="")
    said = "Your hand is raised. The facilitators will call you."
    return remember(request, done(request, html, f"/e/{event.slug}#hand", said), event, me)


async def lower_hand(request: Request) -> Response:
    async def down(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.lower_hand(db, event, me)

    event, me, hand = await _act(request, "hand", down)
    if hand is None:
        return repeated(request, f"/e/{event.slug}#hand")
    await _publish(request, event)
    html = state(request).render("participant/_hand.html", event=event, me=me, hand=None, csrf="")
    return remember(
        request, done(request, html, f"/e/{event.slug}#hand", "Your hand is lowered."), event, me
    )


# --- the console ----------------------------------------------------------------------------


async def call_next(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        hand = await domain.call_next(db, event, account)
        who = await db.get(Participant, hand.participant_id) if hand.participant_id else None
        return hand, (who.display_name if who else "")

    event, result = await staff_act(request, "run", act)
    if result is None:
        return repeated(request, f"/console/{event.slug}#queue")
    hand, name = result
    html = await _publish(request, event, told=hand)
    said = f"Called {name or 'someone anonymous'} ({hand.channel})."
    return done(request, html, f"/console/{event.slug}#queue", said)


_MARKS = {"speaking": domain.start_speaking, "done": domain.finish_speaking}


async def mark(request: Request) -> Response:
    """Mark a speaker speaking or done (their speaking time starts or ends now)."""
    action = request.path_params["action"]
    if action not in _MARKS:
        raise Refused("A speaker can be marked speaking or done, nothing else.", 404)
    hand_id = path_int(request.path_params["id"])

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await _MARKS[action](db, event, account, hand_id)

    event, hand = await staff_act(request, "run", act)
    if hand is None:
        return repeated(request, f"/console/{event.slug}#queue")
    html = await _publish(request, event, told=hand)
    said = "Speaking now." if action == "speaking" else "Done: their speaking time is recorded."
    return done(request, html, f"/console/{event.slug}#queue", said)


async def alternate(request: Request) -> Response:
    """Turn on or off calling room and online speakers in turn."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        return await domain.set_alternate(db, event, account, f.get("on") == "1")

    event, changed = await staff_act(request, "run", act)
    if changed is None:
        return repeated(request, f"/console/{event.slug}#queue")
    html = await _publish(request, event)
    said = (
        "The next call alternates room and online."
        if changed.queue_alternate
        else "Calls go in the order hands went up."
    )
    return done(request, html, f"/console/{event.slug}#queue", said)


routes = [
    Route("/e/{event}/hand", raise_hand, methods=["POST"], name="raise_hand"),
    Route("/e/{event}/hand/lower", lower_hand, methods=["POST"], name="lower_hand"),
    Route("/console/{event}/queue/next", call_next, methods=["POST"], name="queue_next"),
    Route("/console/{event}/queue/alternate", alternate, methods=["POST"], name="queue_alternate"),
    Route("/console/{event}/queue/{id}/{action}", mark, methods=["POST"], name="queue_mark"),
]
