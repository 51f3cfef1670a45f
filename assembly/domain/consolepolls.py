"""The polls a console's agenda lists: the current session's, and any poll of another session
still taking votes (open, or closed with online voters' grace left), so that making another
session current never hides a poll that is still running."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.polls import polls_of_session
from assembly.models import Event, Poll, Session, utcnow


async def console_polls(db: AsyncSession, event: Event, session: Session | None) -> list[Poll]:
    """Polls still running elsewhere first (the ones a facilitator must see to close), then the
    current session's in their order."""
    running = or_(
        Poll.status == "open",
        and_(Poll.status == "closed", Poll.online_until > utcnow()),
    )
    elsewhere = select(Poll).where(Poll.event_id == event.id, running)
    if session is not None:
        elsewhere = elsewhere.where(Poll.session_id != session.id)
    left = list(await db.scalars(elsewhere.order_by(Poll.id)))
    return left + await polls_of_session(db, session)
