"""The report's reads: grouped counts and short lists, never a whole event's rows in memory.

Counts cover every contribution but the hidden ones (as share of voice counts them); lists
show only visible contributions. ``excluded`` names sessions left out (the public story leaves
out private sessions, which docs/plan.md keeps "out of the stream and the public outcomes").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly import domain
from assembly.models import (
    KINDS,
    AuditEntry,
    Contribution,
    Event,
    Participant,
    Poll,
    Response,
    Session,
)
from assembly.outcomes.voice import Counts


async def people(db: AsyncSession, event: Event, column: str) -> dict[str, int]:
    """Participants who joined, counted by ``column`` (channel, role or group_name)."""
    col = getattr(Participant, column)
    rows = await db.execute(
        select(col, func.count()).where(Participant.event_id == event.id).group_by(col)
    )
    return {str(key or ""): int(n) for key, n in rows}


def _said(event: Event, excluded: Collection[int]) -> Select[Contribution]:
    """The event's contributions counted in figures (not hidden, not in an excluded session)."""
    q = select(Contribution).where(
        Contribution.event_id == event.id, Contribution.status != "hidden"
    )
    if excluded:
        q = q.where(
            Contribution.session_id.is_(None) | Contribution.session_id.not_in(list(excluded))
        )
    return q


async def voice(
    db: AsyncSession, event: Event, excluded: Collection[int]
) -> tuple[dict[str, Counts], dict[str, int]]:
    """Share of voice counts and speaking seconds by channel, without the excluded sessions'."""
    counts = await domain.voice_counts(db, event, excluded=excluded)
    spoken = await domain.speaking_seconds_by_channel(db, event, excluded=excluded)
    return counts, spoken


async def outcome_counts(
    db: AsyncSession, event: Event, excluded: Collection[int]
) -> tuple[dict[str, int], list[str]]:
    """Contributions per outcome, and the reasons given for those not taken forward (of
    visible contributions only: a hidden one's reason could repeat what was hidden)."""
    said = _said(event, excluded).subquery()
    rows = await db.execute(select(said.c.outcome, func.count()).group_by(said.c.outcome))
    counts = {str(outcome): int(n) for outcome, n in rows}
    reasons = await db.scalars(
        select(said.c.outcome_reason).where(
            said.c.outcome == "not_taken_forward", said.c.status == "visible"
        )
    )
    return counts, [str(r) for r in reasons]


async def first_responses(
    db: AsyncSession, event: Event, excluded: Collection[int]
) -> list[tuple[datetime, datetime | None]]:
    """(posted, first response) for each counted contribution that has a response."""
    said = _said(event, excluded).subquery()
    first = (
        select(Response.contribution_id, func.min(Response.created_at).label("at"))
        .group_by(Response.contribution_id)
        .subquery()
    )
    rows = await db.execute(
        select(said.c.created_at, first.c.at).join(first, first.c.contribution_id == said.c.id)
    )
    return [(posted, at) for posted, at in rows]


async def sessions(db: AsyncSession, event: Event) -> list[Session]:
    rows = await db.scalars(
        select(Session).where(Session.event_id == event.id).order_by(Session.position, Session.id)
    )
    return list(rows)


def _shown(session: Session) -> Select[Contribution]:
    return select(Contribution).where(
        Contribution.session_id == session.id, Contribution.status == "visible"
    )


async def top(db: AsyncSession, session: Session, limit: int = 5) -> list[Contribution]:
    """The session's visible contributions with the most upvotes (ties: the earlier first)."""
    q = _shown(session).order_by(Contribution.upvotes.desc(), Contribution.id).limit(limit)
    return list(await db.scalars(q))


async def top_by_kind(
    db: AsyncSession, session: Session, limit: int = 3
) -> list[tuple[str, list[Contribution]]]:
    """For each kind said in the session, its most upvoted visible contributions."""
    found = []
    for kind in KINDS:
        q = (
            _shown(session)
            .where(Contribution.kind == kind)
            .order_by(Contribution.upvotes.desc(), Contribution.id)
            .limit(limit)
        )
        items = list(await db.scalars(q))
        if items:
            found.append((kind, items))
    return found


async def featured(db: AsyncSession, session: Session, limit: int = 10) -> list[Contribution]:
    q = _shown(session).where(Contribution.featured.is_(True)).order_by(Contribution.id)
    return list(await db.scalars(q.limit(limit)))


@dataclass(frozen=True)
class Settled:
    """A session's contributions with an outcome or a response (visible ones), the first
    ``limit`` of them by upvotes, and how many there are in all."""

    items: list[Contribution]
    total: int


async def settled(db: AsyncSession, session: Session, limit: int = 50) -> Settled:
    """You said, we did: what became of the session's contributions."""
    has_response = select(Response.id).where(Response.contribution_id == Contribution.id).exists()
    q = _shown(session).where((Contribution.outcome != "open") | has_response)
    total = await db.scalar(select(func.count()).select_from(q.subquery())) or 0
    items = await db.scalars(q.order_by(Contribution.upvotes.desc(), Contribution.id).limit(limit))
    return Settled(list(items), int(total))


async def polls(db: AsyncSession, session: Session) -> list[domain.PollView]:
    """The session's polls that were opened, each as pages show it."""
    rows = await db.scalars(
        select(Poll)
        .where(Poll.session_id == session.id, Poll.status != "draft")
        .order_by(Poll.position, Poll.id)
    )
    return [await domain.poll_view(db, p) for p in rows]


async def last_audit(db: AsyncSession, event: Event) -> int | None:
    """The id of ``event``'s latest audit entry: it changes with every moderation, facilitation
    and setup action (the public story's cache is built anew when it does)."""
    found: int | None = await db.scalar(
        select(func.max(AuditEntry.id)).where(AuditEntry.event_id == event.id)
    )
    return found


async def last_change(db: AsyncSession, event: Event) -> datetime | None:
    """The latest moment anything the story tells changed: a contribution posted, a
    response given, an outcome set (its audit entry), a poll opened or closed."""
    moments = [
        await db.scalar(
            select(func.max(Contribution.created_at)).where(Contribution.event_id == event.id)
        ),
        await db.scalar(
            select(func.max(Response.created_at))
            .join(Contribution, Contribution.id == Response.contribution_id)
            .where(Contribution.event_id == event.id)
        ),
        await db.scalar(select(func.max(Poll.opened_at)).where(Poll.event_id == event.id)),
        await db.scalar(select(func.max(Poll.closed_at)).where(Poll.event_id == event.id)),
        await db.scalar(
            select(func.max(AuditEntry.at)).where(
                AuditEntry.event_id == event.id, AuditEntry.action.startswith("contribution.outc")
            )
        ),
    ]
    known = [m for m in moments if m is not None]
    return max(known, key=lambda m: m.replace(tzinfo=None)) if known else None
