"""The speaker queue: participants raise and lower a hand; facilitators call the next, mark
them speaking and done. Speaking time is kept per channel for share of voice."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.domain.setup import require_open
from assembly.models import (
    CHANNELS,
    MAX_TOPIC,
    Event,
    FacilitatorAccount,
    Participant,
    SpeakerRequest,
    aware,
    utcnow,
)

UP = ("waiting", "called", "speaking")  # a hand still up
NOT_RAISED = "Your hand is not raised. Raise it if you want to speak."
# The channels calls alternate between (everyone else is called in their turn).
_OTHER = {"room": "online", "online": "room"}


@dataclass
class Hand:
    """A raised hand as the console lists it: the request and the name its participant gave."""

    request: SpeakerRequest
    name: str


def _topic(value: object) -> str:
    topic = " ".join(value.split()) if isinstance(value, str) else ""
    if len(topic) > MAX_TOPIC:
        raise Refused(
            f"Your topic is {len(topic)} characters; the limit is {MAX_TOPIC}. "
            "Say it in one short line, then raise your hand.",
            422,
        )
    return topic


async def my_hand(db: AsyncSession, event: Event, p: Participant | None) -> SpeakerRequest | None:
    """``p``'s hand if it is up (waiting, called or speaking), else None."""
    if p is None:
        return None
    found: SpeakerRequest | None = await db.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.event_id == event.id,
            SpeakerRequest.participant_id == p.id,
            SpeakerRequest.status.in_(UP),
        )
    )
    return found


async def raise_hand(
    db: AsyncSession, event: Event, p: Participant, topic: object
) -> SpeakerRequest:
    """Put ``p`` in the queue with an optional one-line topic; a hand already up is a 409."""
    require_open(event)
    text = _topic(topic)
    if await my_hand(db, event, p) is not None:
        raise Refused(
            "Your hand is already raised. Lower it first if you want to change your topic.", 409
        )
    hand = SpeakerRequest(
        event_id=event.id,
        session_id=event.current_session_id,
        participant_id=p.id,
        channel=p.channel,
        group_name=p.group_name,
        topic=text,
        status="waiting",
        raised_at=utcnow(),
    )
    db.add(hand)
    await db.flush()
    return hand


async def lower_hand(db: AsyncSession, event: Event, p: Participant) -> SpeakerRequest:
    """Take ``p`` out of the queue (waiting or called); a hand not raised is a 409."""
    hand = await my_hand(db, event, p)
    if hand is None:
        raise Refused(NOT_RAISED, 409)
    if hand.status == "speaking":
        raise Refused("You are speaking now: the facilitators mark you done when you finish.", 409)
    hand.status = "lowered"
    return hand


async def speaker_queue(db: AsyncSession, event: Event) -> list[Hand]:
    """The hands up, as the console lists them: speaking, then called, then waiting, each in
    the order they were raised."""
    rows = await db.execute(
        select(SpeakerRequest, Participant.display_name)
        .outerjoin(Participant, Participant.id == SpeakerRequest.participant_id)
        .where(SpeakerRequest.event_id == event.id, SpeakerRequest.status.in_(UP))
        .order_by(SpeakerRequest.raised_at, SpeakerRequest.id)
    )
    hands = [Hand(r, name or "") for r, name in rows]
    return sorted(hands, key=lambda h: -UP.index(h.request.status))  # stable: raised order


async def _last_called_channel(db: AsyncSession, event: Event) -> str | None:
    channel: str | None = await db.scalar(
        select(SpeakerRequest.channel)
        .where(SpeakerRequest.event_id == event.id, SpeakerRequest.called_at.is_not(None))
        .order_by(SpeakerRequest.called_at.desc(), SpeakerRequest.id.desc())
        .limit(1)
    )
    return channel


async def call_next(
    db: AsyncSession, event: Event, account: FacilitatorAccount | None
) -> SpeakerRequest:
    """Call the longest waiting; when the event alternates, after a room speaker the longest
    waiting online one if any (and the other way round). An empty queue is a 409."""
    waiting = list(
        await db.scalars(
            select(SpeakerRequest)
            .where(SpeakerRequest.event_id == event.id, SpeakerRequest.status == "waiting")
            .order_by(SpeakerRequest.raised_at, SpeakerRequest.id)
            # Two facilitators calling at once call two different people (PostgreSQL).
            .with_for_update(skip_locked=True)
        )
    )
    if not waiting:
        raise Refused("Nobody is waiting to speak. Call the next when a hand goes up.", 409)
    chosen = waiting[0]
    if event.queue_alternate:
        wanted = _OTHER.get(await _last_called_channel(db, event) or "")
        chosen = next((h for h in waiting if h.channel == wanted), chosen)
    chosen.status = "called"
    chosen.called_at = utcnow()
    audit(db, event, account, "queue.call", f"speaker:{chosen.id}")
    return chosen


async def _request(db: AsyncSession, event: Event, request_id: int) -> SpeakerRequest:
    found = await db.get(SpeakerRequest, request_id, with_for_update=True)
    if found is None or found.event_id != event.id:
        raise Refused("That raised hand is not in this event's queue. Reload the console.", 404)
    return found


async def start_speaking(
    db: AsyncSession, event: Event, account: FacilitatorAccount | None, request_id: int
) -> SpeakerRequest:
    """Mark a waiting or called speaker as speaking: their speaking time starts now."""
    hand = await _request(db, event, request_id)
    if hand.status not in ("waiting", "called"):
        said = {"speaking": "is already speaking", "done": "has already spoken"}
        raise Refused(
            f"That speaker {said.get(hand.status, 'lowered their hand')}. Reload the console.",
            409,
        )
    now = utcnow()
    hand.called_at = hand.called_at or now
    hand.status, hand.started_at = "speaking", now
    audit(db, event, account, "queue.speaking", f"speaker:{hand.id}")
    return hand


async def finish_speaking(
    db: AsyncSession, event: Event, account: FacilitatorAccount | None, request_id: int
) -> SpeakerRequest:
    """Mark a speaker done: their speaking time ends now. Only someone speaking can be done."""
    hand = await _request(db, event, request_id)
    if hand.status != "speaking":
        raise Refused(
            "That person is not speaking: mark them speaking first, then done when they finish.",
            409,
        )
    hand.status, hand.ended_at = "done", utcnow()
    audit(db, event, account, "queue.done", f"speaker:{hand.id}")
    return hand


async def set_alternate(
    db: AsyncSession, event: Event, account: FacilitatorAccount | None, on: bool
) -> Event:
    """Whether calls alternate room and online speakers."""
    event.queue_alternate = on
    audit(db, event, account, "queue.alternate_on" if on else "queue.alternate_off", "")
    return event


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    return max(0, int((aware(end) - aware(start)).total_seconds()))


async def speaking_seconds_by_channel(
    db: AsyncSession, event: Event, session_id: int | None = None, excluded: Collection[int] = ()
) -> dict[str, int]:
    """Seconds spoken by finished speakers, per channel (every channel, 0 when silent), in the
    whole event or in one session (``session_id``: the session they raised their hand in),
    leaving out the ``excluded`` sessions'."""
    query = select(
        SpeakerRequest.channel, SpeakerRequest.started_at, SpeakerRequest.ended_at
    ).where(
        SpeakerRequest.event_id == event.id,
        SpeakerRequest.status == "done",
        SpeakerRequest.started_at.is_not(None),
        SpeakerRequest.ended_at.is_not(None),
    )
    if session_id is not None:
        query = query.where(SpeakerRequest.session_id == session_id)
    if excluded:
        query = query.where(
            SpeakerRequest.session_id.is_(None) | SpeakerRequest.session_id.not_in(list(excluded))
        )
    totals = dict.fromkeys(CHANNELS, 0)
    for channel, start, end in await db.execute(query):
        if start is not None and end is not None:
            totals[channel] = totals.get(channel, 0) + seconds_between(start, end)
    return totals
