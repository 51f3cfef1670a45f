"""Polls: the poll shown, reading its view (``pollview``), locks and revisions, opening and
closing. Ballots are in ``ballots``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain import results
from assembly.domain.closing import online_until
from assembly.domain.pollview import PollView
from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.domain.secret import publish, shown_groups
from assembly.models import (
    Ballot,
    Event,
    FacilitatorAccount,
    Member,
    Poll,
    PollOption,
    Session,
    utcnow,
)


async def polls_of_session(db: AsyncSession, session: Session | None) -> list[Poll]:
    if session is None:
        return []
    rows = await db.scalars(
        select(Poll).where(Poll.session_id == session.id).order_by(Poll.position, Poll.id)
    )
    return list(rows)


async def shown_poll(db: AsyncSession, event: Event) -> Poll | None:
    """The poll people see: the current session's open poll, else its last closed one."""
    if event.current_session_id is None:
        return None
    return await db.scalar(
        select(Poll)
        .where(Poll.session_id == event.current_session_id, Poll.status.in_(("open", "closed")))
        .order_by((Poll.status == "open").desc(), Poll.closed_at.desc())
        .limit(1)
    )


async def poll_view(db: AsyncSession, poll: Poll) -> PollView:
    options = list(
        await db.scalars(
            select(PollOption).where(PollOption.poll_id == poll.id).order_by(PollOption.position)
        )
    )
    # One statement reads the poll (status, revision) and its counts: one snapshot, so a
    # revision always comes with the counts it stands for.
    rows = (
        await db.execute(
            select(Poll, *_CELL, func.count(Ballot.id))
            # Open text answers the facilitators hid count nowhere (ballots, cloud, splits).
            .outerjoin(Ballot, and_(Ballot.poll_id == Poll.id, Ballot.hidden == false()))
            .where(Poll.id == poll.id)
            .group_by(Poll.id, *_CELL)
            .execution_options(populate_existing=True)
        )
    ).all()
    if rows:
        poll = rows[0][0]
    cells: dict[results.Cell, int] = {tuple(row[1:6]): row[6] for row in rows if row[6]}  # type: ignore[misc]
    groups: dict[tuple[int | None, str], int] = {}
    for (option_id, marks, *_), n in cells.items():
        groups[option_id, marks] = groups.get((option_id, marks), 0) + n
    shown = shown_groups(poll, groups, utcnow())  # a secret poll: its tally last published
    if shown is not groups:  # ... which was never published by channel, role or group
        groups, cells = dict(shown), {}
    counts: dict[int, int] = {}
    for (option_id, _), n in groups.items():
        if option_id is not None:
            counts[option_id] = counts.get(option_id, 0) + n
    checked_in = None
    if poll.quorum is not None:
        checked_in = await db.scalar(
            select(func.count(Member.id)).where(
                Member.event_id == poll.event_id, Member.checked_in_at.is_not(None)
            )
        )
    answers = await _answers(db, poll) if poll.kind == "open_text" else []
    return PollView(poll, options, counts, poll.revision, groups, cells, checked_in, answers)


async def _answers(db: AsyncSession, poll: Poll, latest: int = 100) -> list[tuple[int, str, bool]]:
    rows = await db.execute(
        select(Ballot.id, Ballot.marks, Ballot.hidden)
        .where(Ballot.poll_id == poll.id)
        .order_by(Ballot.id.desc())
        .limit(latest)
    )
    return [(i, m, h) for i, m, h in rows]


_CELL = (Ballot.option_id, Ballot.marks, Ballot.channel, Ballot.role, Ballot.group_name)


async def poll(db: AsyncSession, event: Event, poll_id: int) -> Poll:
    p = await db.get(Poll, poll_id)
    if p is None or p.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    return p


async def lock_poll(db: AsyncSession, poll_id: int) -> Poll | None:
    """The poll as committed now, its row locked until this transaction ends (PostgreSQL; on
    SQLite the transaction already holds the one write lock). Ballots, withdrawals, opening
    and closing all take this lock, so a ballot is either counted before a close or refused."""
    return await db.scalar(
        select(Poll)
        .where(Poll.id == poll_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: ballots' foreign keys still pass
        .execution_options(populate_existing=True)
    )


async def polls_changed(db: AsyncSession, poll_ids: Collection[int]) -> None:
    """Raise the revision of these polls, whose tallies this transaction changes."""
    if poll_ids:
        await db.execute(
            update(Poll)
            .where(Poll.id.in_(sorted(poll_ids)))
            .values(revision=Poll.revision + 1)
            .execution_options(synchronize_session=False)
        )


async def set_poll_status(
    db: AsyncSession, event: Event, account: FacilitatorAccount, poll_id: int, status: str
) -> Poll:
    """Open (closing the event's other open poll) or close a poll.

    One open poll per event holds under concurrency: opens and closes of an event's polls take
    turns on the event's row, and a partial unique index backs it. The poll's own row is locked
    before ``now`` is read, so every ballot counted was committed before ``closed_at``.
    """
    if status not in ("open", "closed"):
        raise Refused("A poll can be opened or closed.", 400)
    # Re-read under the lock: a concurrent request may have changed the current session.
    await db.execute(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    the_poll = await lock_poll(db, poll_id)
    if the_poll is None or the_poll.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    now: datetime = utcnow()
    if status == "open":
        if the_poll.session_id != event.current_session_id:
            raise Refused("Make this poll's session current before opening the poll.", 409)
        # One open poll per event: the one on the phones is always the one on the screen.
        # ... and the one it replaces closes as a facilitator's close would, grace included.
        await db.execute(
            update(Poll)
            .where(Poll.event_id == event.id, Poll.status == "open", Poll.id != the_poll.id)
            .values(
                status="closed",
                closed_at=now,
                online_until=online_until(event, now),
                revision=Poll.revision + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if the_poll.secret and the_poll.status == "closed":
            await publish(db, the_poll, now)  # closed for everyone: all of it was public
        the_poll.status, the_poll.opened_at, the_poll.closed_at = "open", now, None
        the_poll.online_until = None
    else:
        if the_poll.status != "open":
            raise Refused("This poll is not open, so it cannot be closed.", 409)
        the_poll.status, the_poll.closed_at = "closed", now
        the_poll.online_until = online_until(event, now)
    try:
        await polls_changed(db, [the_poll.id])  # flushes the change above first
        await db.flush()
    except IntegrityError:  # the index: another open poll got in without the event's lock
        raise Refused(
            "Another poll of this event was opened at the same moment. "
            "Reload the console to see which one is open.",
            409,
        ) from None
    audit(db, event, account, f"poll.{status}", f"poll:{the_poll.id}")
    return the_poll


async def reveal_poll(
    db: AsyncSession, event: Event, account: FacilitatorAccount, poll_id: int
) -> Poll:
    """Show an ``on_reveal`` poll's result in the room, once: while it is open (the tally is
    live from then on) or after it closed."""
    the_poll = await lock_poll(db, poll_id)
    if the_poll is None or the_poll.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    if the_poll.results == "live":
        raise Refused("This poll's result is live: the room already sees it.", 409)
    if the_poll.results == "never":
        raise Refused(
            "This poll's result is never shown in the room: it stays on the console.", 409
        )
    if the_poll.revealed_at is not None:
        raise Refused("This poll's result is already revealed: the room sees it.", 409)
    if the_poll.status == "draft":
        raise Refused("Open the poll first: there is no result to reveal yet.", 409)
    the_poll.revealed_at = utcnow()
    await polls_changed(db, [the_poll.id])
    await db.flush()
    audit(db, event, account, "poll.reveal", f"poll:{the_poll.id}")
    return the_poll
