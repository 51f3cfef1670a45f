"""Privacy: a participant's own contributions, deleting them, leaving, anonymising, purging."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.contributions import contribution
from assembly.domain.polls import polls_changed
from assembly.domain.refusal import Refused
from assembly.models import (
    Ballot,
    BallotReceipt,
    Contribution,
    Event,
    Participant,
    Poll,
    SpeakerRequest,
    Upvote,
    utcnow,
)


async def contributions_of(db: AsyncSession, p: Participant) -> list[Contribution]:
    rows = await db.scalars(
        select(Contribution)
        .where(Contribution.participant_id == p.id)
        .order_by(Contribution.id.desc())
    )
    return list(rows)


async def delete_own_contribution(
    db: AsyncSession, event: Event, p: Participant, contribution_id: int
) -> Contribution:
    """Delete one of ``p``'s own contributions, with its upvotes and responses."""
    c = await contribution(db, event, contribution_id)
    if c.participant_id != p.id:
        raise Refused("You can only delete what you wrote yourself.", 403)
    await db.delete(c)
    return c


@dataclass
class Left:
    """What leaving changed: contributions every screen must drop, and polls to recount."""

    contributions: list[Contribution]
    polls: list[int]  # open polls whose tallies lost this participant's ballot


async def leave(db: AsyncSession, event: Event, p: Participant) -> Left:
    """Remove ``p`` and what they wrote. Ballots in closed polls stay as anonymous totals;
    ballots in polls still open are withdrawn, and those polls' revisions raised. A secret
    ballot stays wherever it is: it is final, and nothing says which one was theirs."""
    removed = await contributions_of(db, p)
    for c in removed:
        await db.delete(c)
    # Locked like a ballot group locks them: a poll cannot close while its ballots are withdrawn.
    polls = list(
        await db.scalars(
            select(Poll.id)
            .where(
                Poll.event_id == event.id,
                Poll.status == "open",
                Poll.id.in_(select(Ballot.poll_id).where(Ballot.participant_id == p.id)),
            )
            .order_by(Poll.id)
            .with_for_update(key_share=True)
        )
    )
    if polls:
        await db.execute(
            delete(Ballot).where(Ballot.participant_id == p.id, Ballot.poll_id.in_(polls))
        )
        await polls_changed(db, polls)
    await anonymise(db, [p.id])
    return Left(removed, polls)


async def anonymise(db: AsyncSession, participant_ids: list[str]) -> None:
    """Cut every link from stored data to these participants, then delete them."""
    if not participant_ids:
        return
    await db.execute(
        update(Ballot).where(Ballot.participant_id.in_(participant_ids)).values(participant_id=None)
    )
    # Receipts say who voted in a secret poll; they go with the person, their ballots (which
    # never named them) stay. Someone who comes back is a new participant with no receipt.
    await db.execute(delete(BallotReceipt).where(BallotReceipt.participant_id.in_(participant_ids)))
    await db.execute(
        update(Contribution)
        .where(Contribution.participant_id.in_(participant_ids))
        .values(participant_id=None, author_name="")
    )
    # Their upvotes go, and so does each from its contribution's count (as in `set_upvote`).
    gone = Counter(
        await db.scalars(
            delete(Upvote)
            .where(Upvote.participant_id.in_(participant_ids))
            .returning(Upvote.contribution_id)
        )
    )
    by_amount: dict[int, list[int]] = {}
    for contribution_id, n in gone.items():
        by_amount.setdefault(n, []).append(contribution_id)
    for n, ids in by_amount.items():
        await db.execute(
            update(Contribution)
            .where(Contribution.id.in_(ids))
            .values(upvotes=Contribution.upvotes - n)
            .execution_options(synchronize_session=False)
        )
    # Speaker queue: a hand still waiting goes down; their topic goes; speaking time stays.
    await db.execute(
        update(SpeakerRequest)
        .where(
            SpeakerRequest.participant_id.in_(participant_ids),
            SpeakerRequest.status.in_(("waiting", "called")),
        )
        .values(status="lowered")
    )
    await db.execute(
        update(SpeakerRequest)
        .where(SpeakerRequest.participant_id.in_(participant_ids))
        .values(participant_id=None, topic="")
    )
    await db.execute(delete(Participant).where(Participant.id.in_(participant_ids)))


async def purge(db: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """Anonymise participants older than their event's retention period; counts by event."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    events = await db.scalars(select(Event).where(Event.retention_days.is_not(None)))
    for event in list(events):
        assert event.retention_days is not None
        cutoff = now - timedelta(days=event.retention_days)
        ids = list(
            await db.scalars(
                select(Participant.id).where(
                    Participant.event_id == event.id, Participant.joined_at < cutoff
                )
            )
        )
        await anonymise(db, ids)
        counts[event.slug] = len(ids)
    return counts
