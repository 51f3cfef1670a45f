"""The agenda's clock: moving to the next session, and the current session's timer.

A timer is two columns on its session: ``timer_ends_at`` while it runs, ``timer_left_seconds``
while it is paused. Pages count down locally from what the server last sent; the server only
says something when a facilitator starts, pauses, adds minutes or resets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.events import current_session, sessions_of, set_current_session
from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.models import Event, FacilitatorAccount, Poll, Session, aware, utcnow

MAX_MINUTES = 600  # ten hours: anything longer is a typo, not a session
TIMER_ACTIONS = ("start", "pause", "add", "reset")
NO_SESSION = "There is no current session to time. Make a session current first."


@dataclass(frozen=True)
class Timer:
    """What a page shows of a session's timer: ``state`` is idle, running, paused or over;
    ``left`` the whole seconds left as of ``now`` (rounded up)."""

    state: str
    left: int
    ends_at: datetime | None

    @property
    def text(self) -> str:
        """``left`` as m:ss (h:mm:ss from an hour)."""
        hours, rest = divmod(self.left, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def timer_of(session: Session | None, now: datetime) -> Timer:
    """The timer of ``session`` as of ``now``."""
    if session is None:
        return Timer("idle", 0, None)
    if session.timer_ends_at is not None:
        ends = aware(session.timer_ends_at)
        left = max(0, math.ceil((ends - now).total_seconds()))
        return Timer("running" if left else "over", left, ends)
    if session.timer_left_seconds is not None:
        return Timer("paused", session.timer_left_seconds, None)
    return Timer("idle", 0, None)


def minutes_from(raw: object) -> int | None:
    """Whole minutes from a form field, 1 to ``MAX_MINUTES``; None when empty."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    try:
        minutes = int(text)
    except ValueError:
        raise Refused("Minutes are a whole number, from 1 to 600.", 422) from None
    if minutes < 1:
        raise Refused(
            "A timer cannot run for zero or fewer minutes: give 1 to 600. Nothing changed.", 422
        )
    if minutes > MAX_MINUTES:
        raise Refused("A timer runs for 600 minutes at most. Nothing changed.", 422)
    return minutes


async def change_timer(
    db: AsyncSession, event: Event, account: FacilitatorAccount, action: str, raw_minutes: object
) -> tuple[Session, Timer]:
    """Start, pause, add minutes to, or reset the current session's timer; audited.

    Start takes the form's minutes, else resumes a paused timer, else the session's planned
    minutes. Add takes the form's minutes, or one minute when none are given; added to a timer
    that ran out, they run from now."""
    if action not in TIMER_ACTIONS:
        raise Refused("A timer starts, pauses, gets more minutes or is reset.", 422)
    minutes = minutes_from(raw_minutes)  # checked first: a bad value changes nothing
    session = await current_session(db, event)
    if session is None:
        raise Refused(NO_SESSION, 409)
    now = utcnow()
    timer = timer_of(session, now)
    if action == "start":
        if timer.state == "running":
            raise Refused("The timer is already running. Pause it, or add minutes.", 409)
        if minutes is not None:
            seconds = minutes * 60
        elif timer.state == "paused":
            seconds = timer.left
        elif session.minutes:
            seconds = session.minutes * 60
        else:
            raise Refused(
                "This session has no planned length: say how many minutes the timer runs for.",
                422,
            )
        session.timer_ends_at, session.timer_left_seconds = now + timedelta(seconds=seconds), None
    elif action == "pause":
        if timer.state != "running":
            raise Refused("The timer is not running, so there is nothing to pause.", 409)
        session.timer_ends_at, session.timer_left_seconds = None, timer.left
    elif action == "add":
        extra = (minutes or 1) * 60
        if timer.state == "running":
            assert timer.ends_at is not None
            session.timer_ends_at = timer.ends_at + timedelta(seconds=extra)
        elif timer.state == "paused":
            session.timer_left_seconds = timer.left + extra
        elif timer.state == "over":  # "two more minutes": from now
            session.timer_ends_at = now + timedelta(seconds=extra)
        else:
            raise Refused("Start the timer first; then you can add minutes to it.", 409)
    else:
        session.timer_ends_at, session.timer_left_seconds = None, None
    audit(db, event, account, f"timer.{action}", f"session:{session.id}")
    return session, timer_of(session, now)


async def next_session(
    db: AsyncSession, event: Event, account: FacilitatorAccount
) -> tuple[Session, list[Poll]]:
    """Make the session after the current one current (the first, when none is); as
    ``set_current_session``, the open poll left behind closes."""
    sessions = await sessions_of(db, event)
    if not sessions:
        raise Refused("This event's agenda has no sessions yet. Add them on its setup page.", 409)
    ids = [s.id for s in sessions]
    if event.current_session_id in ids:
        at = ids.index(event.current_session_id)
        if at == len(ids) - 1:
            raise Refused(
                f"“{sessions[at].title}” is the last session on the agenda: there is no next "
                "one. Add a session on the setup page, or pick one with “Make current”.",
                409,
            )
        following = sessions[at + 1]
    else:
        following = sessions[0]
    return await set_current_session(db, event, following.id, account)
