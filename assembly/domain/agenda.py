"""Editing an event's agenda: its sessions and their polls, added, changed, moved and deleted.
Values arrive checked (as a plan file's ``SessionPlan`` and ``PollPlan``); the refusals here
protect what people already said and voted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.pollplan import poll_settings
from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.models import Ballot, Contribution, Event, FacilitatorAccount, Poll, PollOption
from assembly.models import Session as AgendaSession
from assembly.plan import PollPlan, SessionPlan

NO_SESSION = "That session is not on this event's agenda. Reload the page."
NO_POLL = "That poll is not on this event's agenda. Reload the page."


class _Placed(Protocol):
    id: int
    position: int


P = TypeVar("P", bound=_Placed)


def _move(items: Sequence[P], item: P, direction: str) -> bool:
    """Swap ``item`` with its neighbour above ("up") or below ("down"), numbering all of them
    again; False when it is already first or last."""
    if direction not in ("up", "down"):
        raise Refused("A session or poll moves up or down.", 422)
    order = list(items)
    i = order.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return False
    order[i], order[j] = order[j], order[i]
    for position, each in enumerate(order):
        each.position = position
    return True


# --- sessions ------------------------------------------------------------------------------


async def _sessions(db: AsyncSession, event: Event) -> list[AgendaSession]:
    rows = await db.scalars(
        select(AgendaSession)
        .where(AgendaSession.event_id == event.id)
        .order_by(AgendaSession.position, AgendaSession.id)
    )
    return list(rows)


async def agenda_session(db: AsyncSession, event: Event, session_id: int) -> AgendaSession:
    """The session ``session_id`` of ``event``, or a 404 sentence."""
    session = await db.get(AgendaSession, session_id)
    if session is None or session.event_id != event.id:
        raise Refused(NO_SESSION, 404)
    return session


def _fill_session(session: AgendaSession, plan: SessionPlan) -> None:
    session.title, session.prompt = plan.title, plan.prompt
    session.minutes, session.private = plan.minutes, plan.private


async def add_session(
    db: AsyncSession, event: Event, account: FacilitatorAccount, plan: SessionPlan
) -> AgendaSession:
    """A session at the end of the agenda; the first one becomes current, as on import."""
    sessions = await _sessions(db, event)
    session = AgendaSession(event_id=event.id, position=len(sessions))
    _fill_session(session, plan)
    db.add(session)
    await db.flush()
    if event.current_session_id is None:
        event.current_session_id = session.id
    audit(db, event, account, "session.add", f"session:{session.id}")
    return session


async def edit_session(
    db: AsyncSession, event: Event, account: FacilitatorAccount, session_id: int, plan: SessionPlan
) -> AgendaSession:
    """Change a session's title, prompt, planned minutes and privacy."""
    session = await agenda_session(db, event, session_id)
    _fill_session(session, plan)
    audit(db, event, account, "session.edit", f"session:{session.id}")
    return session


async def move_session(
    db: AsyncSession, event: Event, account: FacilitatorAccount, session_id: int, direction: str
) -> AgendaSession:
    """Move a session one place up or down the agenda."""
    session = await agenda_session(db, event, session_id)
    if _move(await _sessions(db, event), session, direction):
        audit(db, event, account, f"session.move_{direction}", f"session:{session.id}")
    return session


async def delete_session(
    db: AsyncSession, event: Event, account: FacilitatorAccount, session_id: int
) -> AgendaSession:
    """Delete a session and its polls, unless it holds contributions or ballots, has an open
    poll, or is the current session of an event that is not a draft."""
    session = await agenda_session(db, event, session_id)
    said = await db.scalar(
        select(func.count()).select_from(Contribution).where(Contribution.session_id == session.id)
    )
    if said:
        raise Refused(
            f"This session holds {said} contribution(s), which would lose their place on the "
            "agenda. Keep it: rename it, or mark it private, instead.",
            409,
        )
    polls = list(await db.scalars(select(Poll).where(Poll.session_id == session.id)))
    for poll in polls:
        await _deletable(db, poll, "This session's poll “" + poll.question + "”")
    if event.current_session_id == session.id:
        if event.status != "draft":
            raise Refused(
                "This is the current session. Make another session current in the console, "
                "then delete this one.",
                409,
            )
        others = [s for s in await _sessions(db, event) if s.id != session.id]
        event.current_session_id = others[0].id if others else None
    await db.execute(delete(Poll).where(Poll.session_id == session.id))
    await db.delete(session)
    audit(db, event, account, "session.delete", f"session:{session.id}")
    await db.flush()
    return session


# --- polls ---------------------------------------------------------------------------------


async def agenda_poll(db: AsyncSession, event: Event, poll_id: int) -> Poll:
    """The poll ``poll_id`` of ``event``, or a 404 sentence."""
    poll = await db.get(Poll, poll_id)
    if poll is None or poll.event_id != event.id:
        raise Refused(NO_POLL, 404)
    return poll


async def _ballots(db: AsyncSession, poll: Poll) -> int:
    return await db.scalar(select(func.count()).where(Ballot.poll_id == poll.id)) or 0


async def _deletable(db: AsyncSession, poll: Poll, what: str = "This poll") -> None:
    if poll.status == "open":
        raise Refused(f"{what} is open. Close it in the console first, then delete it.", 409)
    if await _ballots(db, poll):
        raise Refused(
            f"People have voted in {what[0].lower() + what[1:]}; deleting it would lose their "
            "votes. Leave it closed instead.",
            409,
        )


async def _polls(db: AsyncSession, session_id: int | None) -> list[Poll]:
    rows = await db.scalars(
        select(Poll).where(Poll.session_id == session_id).order_by(Poll.position, Poll.id)
    )
    return list(rows)


async def options_of(db: AsyncSession, poll: Poll) -> tuple[str, ...]:
    """A poll's options' labels, in order (statements pending or hidden left out)."""
    rows = await db.scalars(
        select(PollOption.label)
        .where(PollOption.poll_id == poll.id, PollOption.status == "visible")
        .order_by(PollOption.position, PollOption.id)
    )
    return tuple(rows)


def _add_options(db: AsyncSession, poll: Poll, labels: tuple[str, ...]) -> None:
    db.add_all(PollOption(poll_id=poll.id, position=i, label=x) for i, x in enumerate(labels))


async def add_poll(
    db: AsyncSession, event: Event, account: FacilitatorAccount, session_id: int, plan: PollPlan
) -> Poll:
    """A draft poll at the end of a session's polls."""
    session = await agenda_session(db, event, session_id)
    poll = Poll(
        event_id=event.id,
        session_id=session.id,
        position=len(await _polls(db, session.id)),
        question=plan.question,
        kind=plan.kind,
        **poll_settings(plan),
    )
    db.add(poll)
    await db.flush()
    _add_options(db, poll, plan.options)
    audit(db, event, account, "poll.add", f"poll:{poll.id}")
    await db.flush()
    return poll


async def edit_poll(
    db: AsyncSession, event: Event, account: FacilitatorAccount, poll_id: int, plan: PollPlan
) -> Poll:
    """Change a poll's question and options. Once a ballot is in, or while it is open, its
    options stay as they are; its question's wording may still be fixed (and is audited)."""
    poll = await agenda_poll(db, event, poll_id)
    options = await options_of(db, poll)
    settings = poll_settings(plan)
    if plan.kind != poll.kind or any(getattr(poll, k) != v for k, v in settings.items()):
        if await _ballots(db, poll):
            raise Refused(
                "People have voted in this poll, so its kind and settings can no longer "
                "change. You can still fix the question's wording; for others, add a new poll.",
                409,
            )
        if poll.status == "open":
            raise Refused(
                "This poll is open. Close it in the console before changing its settings.", 409
            )
        poll.kind = plan.kind
        for key, value in settings.items():
            setattr(poll, key, value)
    if plan.options != options:
        if await _ballots(db, poll):
            raise Refused(
                "People have voted in this poll, so its options can no longer change. You can "
                "still fix the question's wording; for different options, add a new poll.",
                409,
            )
        if poll.status == "open":
            raise Refused(
                "This poll is open. Close it in the console before changing its options.", 409
            )
        await db.execute(delete(PollOption).where(PollOption.poll_id == poll.id))
        _add_options(db, poll, plan.options)
    poll.question = plan.question
    poll.revision += 1  # pages showing its tally take the new wording
    audit(db, event, account, "poll.edit", f"poll:{poll.id}")
    await db.flush()
    return poll


async def move_poll(
    db: AsyncSession, event: Event, account: FacilitatorAccount, poll_id: int, direction: str
) -> Poll:
    """Move a poll one place up or down among its session's polls."""
    poll = await agenda_poll(db, event, poll_id)
    if _move(await _polls(db, poll.session_id), poll, direction):
        audit(db, event, account, f"poll.move_{direction}", f"poll:{poll.id}")
    return poll


async def delete_poll(
    db: AsyncSession, event: Event, account: FacilitatorAccount, poll_id: int
) -> Poll:
    """Delete a poll that is not open and has no ballots."""
    poll = await agenda_poll(db, event, poll_id)
    await _deletable(db, poll)
    await db.delete(poll)
    audit(db, event, account, "poll.delete", f"poll:{poll.id}")
    await db.flush()
    return poll
