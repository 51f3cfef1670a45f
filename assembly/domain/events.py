"""Events and sessions: the event at an address (with its participants), its agenda and session."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.closing import close_left_behind
from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.models import (
    Event,
    FacilitatorAccount,
    Participant,
    Poll,
    RequestKey,
    Session,
    utcnow,
)

# Never the slug from the address: text from a URL on our page would read as our instruction.
NO_SUCH_EVENT = "There is no event at this address. Check the link you were given."


async def event_by_slug(db: AsyncSession, slug: str) -> Event:
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise Refused(NO_SUCH_EVENT, 404)
    return event


async def sessions_of(db: AsyncSession, event: Event) -> list[Session]:
    rows = await db.scalars(
        select(Session).where(Session.event_id == event.id).order_by(Session.position, Session.id)
    )
    return list(rows)


async def current_session(db: AsyncSession, event: Event) -> Session | None:
    if event.current_session_id is None:
        return None
    return await db.get(Session, event.current_session_id)


async def set_current_session(
    db: AsyncSession, event: Event, session_id: int, account: FacilitatorAccount
) -> tuple[Session, list[Poll]]:
    """Make a session current; the open poll of the session it replaces closes, online voters
    keeping their grace (``closing``). Returns the session and the polls that closed."""
    # Opens and closes of the event's polls take turns on its row (see ``set_poll_status``).
    await db.execute(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    session = await db.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise Refused("That session is not on this event's agenda. Reload the console.", 404)
    closed = await close_left_behind(db, event, account, session.id, utcnow())
    event.current_session_id = session.id
    audit(db, event, account, "session.current", f"session:{session.id}")
    return session, closed


def _event_and_participants(key_used: Any) -> Select[Event, Participant, bool]:
    return (
        select(Event, Participant, key_used)
        .outerjoin(
            Participant,
            and_(
                Participant.event_id == Event.id,
                Participant.id.in_(bindparam("ids", expanding=True)),
            ),
        )
        .where(Event.slug == bindparam("slug"))
    )


# Built once: constructing the statement took longer than running it.
_WITHOUT_KEY = _event_and_participants(literal(False))
_WITH_KEY = _event_and_participants(
    exists().where(RequestKey.actor == Participant.id, RequestKey.key == bindparam("key"))
)


async def event_and_participants(
    db: AsyncSession, slug: str, participant_ids: Collection[str], key: str | None = None
) -> tuple[Event, dict[str, tuple[Participant, bool]]]:
    """The event called ``slug`` and those of ``participant_ids`` who are its participants, each
    with whether it used the idempotency ``key`` before: what ``event_by_slug``,
    ``participant`` and ``key_used`` tell, in one query instead of three.

    A request's participant cookie is named after the event's id, so the caller does not know
    yet which of its cookies counts: it passes every id its cookies carry and picks afterwards.
    """
    params = {"slug": slug, "ids": list(participant_ids)}
    if key:
        params["key"] = key
    rows = await db.execute(_WITH_KEY if key else _WITHOUT_KEY, params)
    event: Event | None = None
    found: dict[str, tuple[Participant, bool]] = {}
    for row_event, p, key_used in rows:
        event = row_event
        if p is not None:
            found[p.id] = (p, bool(key_used))
    if event is None:
        raise Refused(NO_SUCH_EVENT, 404)
    return event, found
