"""Secret ballots: stored without their voter, one per person, and counted in public only a few
at a time. docs/secret-ballots.md says what this does and does not guarantee.

A secret ballot is two rows written in one transaction and joined by nothing: a receipt
(poll, participant), which stops a second ballot, and the ballot (a random id, the poll, what
it says and the channel, role and group results are split by; no participant, and as its time
the poll's opening). Receipts and ballots are each inserted in their own random order. The
tally people see moves only when ``outcomes.secrecy.K`` new ballots are in, or once the poll
has closed for everyone; until then every view shows the tally last published (``Poll.
published_tally``), which is decided under the poll's row lock, so every worker agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

import assembly.kinds as kinds  # a module reference: kinds import this package's Refused
from assembly.domain.refusal import upsert_insert
from assembly.models import Ballot, BallotReceipt, Participant, Poll, RequestKey
from assembly.outcomes.secrecy import secret_ids, secret_rows, should_publish, shuffled

IN = "Your secret ballot is in. It is final and is not stored with your name."
ALREADY = (
    "You have already voted in this secret ballot. A secret ballot is final, so it cannot "
    "be changed or cast again."
)
_ID_DRAWS = 8  # a clash of random ids is about one in two million; eight in a row is a bug


def final(poll: Poll, now: datetime) -> bool:
    """Whether ``poll`` takes no more ballots from anyone (closed, online grace over)."""
    if poll.status != "closed":
        return False
    until = poll.online_until
    if until is None:
        return True
    return now >= (until if until.tzinfo else until.replace(tzinfo=UTC))


Groups = dict[tuple[int | None, str], int]


def shown_groups(poll: Poll, groups: Groups, now: datetime) -> Groups:
    """What a view of ``poll`` counts: all of ``groups`` unless the poll is secret and still
    takes ballots; then the tally last published (nothing before the first publish)."""
    if not poll.secret or final(poll, now):
        return groups
    return {(row[0], row[1]): row[2] for row in poll.published_tally or ()}  # type: ignore[misc]


async def _groups(db: AsyncSession, poll_id: int) -> list[list[Any]]:
    # The same grouping as `polls.poll_view`: what the kinds' tallies count.
    rows = await db.execute(
        select(Ballot.option_id, Ballot.marks, func.count())
        .where(Ballot.poll_id == poll_id)
        .group_by(Ballot.option_id, Ballot.marks)
    )
    return [[option_id, marks, n] for option_id, marks, n in rows]


async def publish(db: AsyncSession, poll: Poll, now: datetime) -> bool:
    """Publish ``poll``'s tally if ``K`` new ballots are in since the last publish or it closed
    for everyone; True if it did. The caller holds the poll's row lock."""
    # Counting is cheaper than grouping, and most ballots publish nothing.
    total = await db.scalar(select(func.count()).where(Ballot.poll_id == poll.id)) or 0
    if not should_publish(total, poll.published_ballots, final(poll, now)):
        return False
    groups = await _groups(db, poll.id)
    total = sum(n for _, _, n in groups)
    await db.execute(
        update(Poll)
        .where(Poll.id == poll.id)
        .values(published_ballots=total, published_tally=groups)
        .execution_options(synchronize_session=False)
    )
    poll.published_ballots, poll.published_tally = total, groups
    return True


async def has_receipt(db: AsyncSession, p: Participant, poll: Poll) -> bool:
    """Whether ``p`` has cast a ballot in the secret ``poll`` (not what it said)."""
    found = await db.scalar(
        select(BallotReceipt.poll_id).where(
            BallotReceipt.poll_id == poll.id, BallotReceipt.participant_id == p.id
        )
    )
    return found is not None


def row(poll: Poll, p: Participant, answer: kinds.Answer) -> dict[str, Any]:
    """The ballot row of ``p``'s answer: what results are split by, and not who cast it."""
    option_id, marks = kinds.KINDS[answer.kind].store(answer)
    return {
        "poll_id": poll.id,
        "option_id": option_id,
        "marks": marks,
        "channel": p.channel,
        "group_name": p.group_name,
        "role": p.role,
    }


async def claim_receipts(
    db: AsyncSession, voters: Iterable[tuple[int, str]]
) -> set[tuple[int, str]]:
    """Insert a receipt per (poll, participant), in a random order; those that were new (the
    others had voted already)."""
    values = [{"poll_id": poll_id, "participant_id": who} for poll_id, who in shuffled(voters)]
    if not values:
        return set()
    rows = await db.execute(
        upsert_insert(db)(BallotReceipt)
        .values(values)
        .on_conflict_do_nothing()
        .returning(BallotReceipt.poll_id, BallotReceipt.participant_id)
    )
    return {(poll_id, who) for poll_id, who in rows}


async def insert_ballots(db: AsyncSession, rows: Sequence[tuple[Poll, dict[str, Any]]]) -> None:
    """Insert secret ballot rows: shuffled, random ids, each poll's opening as their time."""
    pending: list[dict[str, Any]] = []
    for poll, values in rows:
        pending += secret_rows([values], poll.opened_at or datetime(1970, 1, 1, tzinfo=UTC))
    pending = shuffled(pending)
    for _ in range(_ID_DRAWS):
        for values, ballot_id in zip(pending, secret_ids(len(pending)), strict=True):
            values["id"] = ballot_id
        stored = set(
            await db.scalars(
                upsert_insert(db)(Ballot)
                .values(pending)
                .on_conflict_do_nothing()
                .returning(Ballot.id)
            )
        )
        pending = [values for values in pending if values["id"] not in stored]
        if not pending:
            return
    raise RuntimeError("could not draw free ids for secret ballots")


async def forget_keys(db: AsyncSession, keys: Iterable[tuple[str, str]]) -> None:
    """Release idempotency keys claimed for ballots refused afterwards: nothing is stored."""
    pairs = list(keys)
    if pairs:
        await db.execute(
            delete(RequestKey).where(tuple_(RequestKey.actor, RequestKey.key).in_(pairs))
        )
