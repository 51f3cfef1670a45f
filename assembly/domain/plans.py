"""Plans: an event created (or a draft's plan replaced) from a ``Plan``, and read back into one.

The plan holds the event's settings, sessions, polls and options; never its participants, its
room secret or its screen key, which an imported event gets fresh.
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.pollplan import plan_of_poll, poll_settings
from assembly.domain.refusal import Refused
from assembly.models import Event, Poll, PollOption, Session
from assembly.plan import EventPlan, Plan, SessionPlan


async def _event(db: AsyncSession, slug: str) -> Event | None:
    return await db.scalar(select(Event).where(Event.slug == slug))


def _conflict(
    event: Event | None, slug: str, replace: bool, how: str = "with --replace"
) -> str | None:
    if event is None:
        return None
    if not replace:
        return (
            f"there is already an event called {slug}; give this plan another slug, or "
            f"replace that event's plan {how} while it is a draft"
        )
    if event.status != "draft":
        return (
            f"the event {slug} is {event.status}, and only a draft's plan can be replaced "
            "(its participants and results would be lost); give this plan another slug"
        )
    return None


async def plan_conflict(
    db: AsyncSession, slug: str, replace: bool, how: str = "with --replace"
) -> str | None:
    """Why a plan for ``slug`` cannot be imported now (an event already has it), or None;
    ``how`` says how its plan is replaced (the CLI's option, or the organiser page's upload)."""
    return _conflict(await _event(db, slug), slug, replace, how)


async def import_plan(db: AsyncSession, plan: Plan, replace: bool = False) -> tuple[Event, bool]:
    """Create the plan's event, or with ``replace`` put the plan in place of a draft event's
    (which keeps its id, room secret and screen key); its first session becomes current.
    Returns the event and whether it replaced one."""
    event = await _event(db, plan.event.slug)
    conflict = _conflict(event, plan.event.slug, replace)
    if conflict:
        raise Refused(conflict[0].upper() + conflict[1:] + ".", 409)
    replaced = event is not None
    if event is None:
        event = Event(room_secret=secrets.token_hex(16), screen_key=secrets.token_hex(16))
        db.add(event)
    else:
        # Polls go with their sessions (the database cascades both).
        await db.execute(delete(Session).where(Session.event_id == event.id))
        await db.execute(delete(Poll).where(Poll.event_id == event.id))
    set_event(event, plan.event)
    await db.flush()
    sessions = [
        Session(
            event_id=event.id,
            position=i,
            title=s.title,
            prompt=s.prompt,
            minutes=s.minutes,
            private=s.private,
        )
        for i, s in enumerate(plan.sessions)
    ]
    db.add_all(sessions)
    await db.flush()
    for session, session_plan in zip(sessions, plan.sessions, strict=True):
        polls = [
            Poll(
                event_id=event.id,
                session_id=session.id,
                position=i,
                question=p.question,
                kind=p.kind,
                **poll_settings(p),
            )
            for i, p in enumerate(session_plan.polls)
        ]
        db.add_all(polls)
        await db.flush()
        for poll, poll_plan in zip(polls, session_plan.polls, strict=True):
            db.add_all(
                PollOption(poll_id=poll.id, position=i, label=label)
                for i, label in enumerate(poll_plan.options)
            )
    event.current_session_id = sessions[0].id if sessions else None
    await db.flush()
    return event, replaced


# The event's settings in a plan have the names of the event's columns; the lists are tuples in
# the (frozen) plan and lists in the JSON columns.
_EVENT_FIELDS = tuple(f.name for f in dataclasses.fields(EventPlan))
_LISTS = ("groups", "themes", "word_list")


def set_event(event: Event, plan: EventPlan) -> None:
    """Put the settings of ``plan`` (its slug and status included) on ``event``."""
    for name in _EVENT_FIELDS:
        value = getattr(plan, name)
        setattr(event, name, list(value) if name in _LISTS else value)


def _event_plan(event: Event) -> EventPlan:
    values: dict[str, Any] = {}
    for name in _EVENT_FIELDS:
        value = getattr(event, name)
        values[name] = tuple(value) if name in _LISTS else value
    return EventPlan(**values)


async def export_plan(db: AsyncSession, slug: str) -> Plan:
    """The plan of the event called ``slug``: what ``import_plan`` would build it again from.
    Polls outside any session are not part of a plan, and are left out."""
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise Refused(f"There is no event called {slug}. Check the slug (the /e/SLUG part).", 404)
    sessions = list(
        await db.scalars(
            select(Session)
            .where(Session.event_id == event.id)
            .order_by(Session.position, Session.id)
        )
    )
    polls = list(
        await db.scalars(
            select(Poll).where(Poll.event_id == event.id).order_by(Poll.position, Poll.id)
        )
    )
    options: dict[int, list[str]] = {p.id: [] for p in polls}
    rows = await db.execute(
        select(PollOption.poll_id, PollOption.label)
        .join(Poll, Poll.id == PollOption.poll_id)
        .where(Poll.event_id == event.id)
        .order_by(PollOption.poll_id, PollOption.position, PollOption.id)
    )
    for poll_id, label in rows:
        options[poll_id].append(label)
    return Plan(
        event=_event_plan(event),
        sessions=tuple(
            SessionPlan(
                title=s.title,
                prompt=s.prompt,
                minutes=s.minutes,
                private=s.private,
                polls=tuple(
                    plan_of_poll(p, tuple(options[p.id])) for p in polls if p.session_id == s.id
                ),
            )
            for s in sessions
        ),
    )
