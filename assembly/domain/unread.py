"""Replies a participant has not seen: facilitators' responses to their contributions newer
than the last one they viewed (the id kept in their browser, see ``assembly.web.replies_seen``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Contribution, Participant, Response


async def unread_replies(db: AsyncSession, me: Participant | None, seen: int) -> list[Contribution]:
    """``me``'s contributions with a response newer than response id ``seen``, newest reply
    first."""
    if me is None or (me.last_reply_id or 0) <= seen:
        return []  # nothing newer than what they saw: no query (most page loads)
    newest = func.max(Response.id).label("newest")
    rows = (
        await db.execute(
            select(Contribution, newest)
            .join(Response, Response.contribution_id == Contribution.id)
            .where(Contribution.participant_id == me.id, Response.id > seen)
            .group_by(Contribution.id)
            .order_by(newest.desc())
        )
    ).all()
    return [c for c, _ in rows]
