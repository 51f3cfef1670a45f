"""Closing polls fairly to the stream: room ballots stop at the close, online ballots go on for
the event's stream delay, because people online see the room that many seconds late.

A poll closes this way when the facilitator closes it, opens another poll, or makes another
session current. ``Poll.online_until`` holds the end of the grace; the close reads its time under
the poll's row lock, so every ballot is either in time for its channel or refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.records import audit
from assembly.models import Event, FacilitatorAccount, Poll, aware


def online_until(event: Event, now: datetime) -> datetime | None:
    """When online voting ends for a poll of ``event`` closed at ``now`` (None: at once)."""
    return now + timedelta(seconds=event.stream_delay) if event.stream_delay > 0 else None


def in_grace(poll: Poll, channel: str, now: datetime) -> bool:
    """Whether a closed ``poll`` still takes a ballot from ``channel`` at ``now``."""
    return (
        poll.status == "closed"
        and channel == "online"
        and poll.online_until is not None
        and now < aware(poll.online_until)
    )


def grace_left(poll: Poll, now: datetime) -> int:
    """Whole seconds online voters have left on a closed poll (0 when none)."""
    if poll.status != "closed" or poll.online_until is None:
        return 0
    return max(0, int((aware(poll.online_until) - now).total_seconds() + 0.999))


async def close_left_behind(
    db: AsyncSession, event: Event, account: FacilitatorAccount, session_id: int, now: datetime
) -> list[Poll]:
    """Close the event's open polls outside session ``session_id`` (the one becoming current),
    online voters keeping their grace; returns them. The caller holds the event's row lock."""
    closing = list(
        await db.scalars(
            select(Poll)
            .where(Poll.event_id == event.id, Poll.status == "open", Poll.session_id != session_id)
            .order_by(Poll.id)
            .with_for_update(key_share=True)
        )
    )
    if closing:
        until = online_until(event, now)
        await db.execute(
            update(Poll)
            .where(Poll.id.in_([p.id for p in closing]))
            .values(status="closed", closed_at=now, online_until=until, revision=Poll.revision + 1)
            .execution_options(synchronize_session=False)
        )
        for p in closing:
            p.status, p.closed_at, p.online_until = "closed", now, until
            audit(db, event, account, "poll.closed", f"poll:{p.id}")
    return closing
