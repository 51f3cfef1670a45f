"""Ballots: who may vote in a poll, checking an answer against it, casting it, and a voter's
own answer (for their phone only). The writer (``assembly.writer``) uses the same check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import assembly.kinds as kinds  # a module reference: kinds import this package's Refused
from assembly.domain import secret
from assembly.domain.closing import in_grace
from assembly.domain.polls import lock_poll, polls_changed
from assembly.domain.refusal import Refused
from assembly.domain.setup import require_open
from assembly.models import Ballot, Event, Participant, Poll, PollOption, utcnow


def option_id_of(option: object) -> int:
    """The option a ballot form names, or a 422 sentence."""
    return kinds.base.option_id_of(option)


def may_vote(poll: Poll, who: Participant | None) -> bool:
    """Whether ``who`` is in ``poll``'s audience (anyone who has not joined yet counts as a
    public participant online: the event link's default)."""
    role, channel = (who.role, who.channel) if who else ("public", "online")
    if role == "observer":
        return False
    if poll.audience == "members":
        return role == "member"
    if poll.audience == "room":
        return channel == "room"
    return True


_NOT_YOURS = {
    "members": "This poll is for the assembly's members only; you can follow its result.",
    "room": "This poll is for the people in the room only; you can follow its result.",
}


def check_ballot(
    event: Event,
    the_poll: Poll | None,
    offered: Sequence[int],
    answer: kinds.Answer,
    who: Participant,
    now: datetime,
) -> None:
    """Refuse a ballot for a poll that is not this event's, not for ``who`` (its audience), not
    open (nor, for someone online, in its grace after closing: see ``closing``), of another
    kind, or that its kind does not take (``offered``: the poll's option ids, in order)."""
    require_open(event)
    if the_poll is None or the_poll.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    if not may_vote(the_poll, who):
        raise Refused(_NOT_YOURS.get(the_poll.audience, "You cannot vote in this poll."), 403)
    channel = who.channel
    if the_poll.status != "open" and not in_grace(the_poll, channel, now):
        when = the_poll.closed_at.strftime(" at %H:%M:%S") if the_poll.closed_at else ""
        if the_poll.status == "closed":
            online = ""
            if channel == "online" and the_poll.online_until is not None:
                online = f" (online votes until {the_poll.online_until.strftime('%H:%M:%S')})"
            raise Refused(f"This poll closed{when}{online}; your vote was not counted.", 409)
        raise Refused("This poll is not open yet. Wait for the facilitator to open it.", 409)
    if answer.kind != the_poll.kind:
        raise Refused("This poll changed since your page loaded. Reload it and vote again.", 409)
    kinds.KINDS[answer.kind].check(the_poll, offered, answer)


async def cast_ballot(
    db: AsyncSession, event: Event, p: Participant, poll_id: int, answer: object
) -> Ballot:
    """Store ``p``'s answer (an ``Answer``, or a single choice's option id as a form sends
    it); a second ballot replaces the first while the poll is open."""
    if not isinstance(answer, kinds.Answer):
        answer = kinds.Answer("single", (option_id_of(answer),))
    the_poll = await lock_poll(db, poll_id)
    offered = (
        list(
            await db.scalars(
                select(PollOption.id)
                .where(PollOption.poll_id == poll_id)
                .order_by(PollOption.position, PollOption.id)
            )
        )
        if the_poll is not None
        else []
    )
    now = utcnow()
    check_ballot(event, the_poll, offered, answer, p, now)
    assert the_poll is not None
    if the_poll.secret:
        return await _cast_secret(db, the_poll, p, answer, now)
    option_id, marks = kinds.KINDS[answer.kind].store(answer)
    ballot = await db.scalar(
        select(Ballot).where(Ballot.poll_id == the_poll.id, Ballot.participant_id == p.id)
    )
    if ballot is None:
        ballot = Ballot(
            poll_id=the_poll.id,
            participant_id=p.id,
            option_id=option_id,
            marks=marks,
            channel=p.channel,
            group_name=p.group_name,
            role=p.role,
        )
        db.add(ballot)
    else:
        ballot.option_id, ballot.marks = option_id, marks
        ballot.group_name, ballot.role = p.group_name, p.role
        ballot.cast_at = utcnow()
    await db.flush()
    await polls_changed(db, [the_poll.id])
    return ballot


async def _cast_secret(
    db: AsyncSession, the_poll: Poll, p: Participant, answer: kinds.Answer, now: datetime
) -> Ballot:
    """``p``'s secret ballot: a receipt, and the ballot without them (``domain.secret``)."""
    if not await secret.claim_receipts(db, [(the_poll.id, p.id)]):
        raise Refused(secret.ALREADY, 409)
    values = secret.row(the_poll, p, answer)
    await secret.insert_ballots(db, [(the_poll, values)])
    await secret.publish(db, the_poll, now)
    await polls_changed(db, [the_poll.id])
    return Ballot(**values)  # not in the session: what was stored, for the caller to read


async def my_ballot(db: AsyncSession, p: Participant | None, poll: Poll) -> kinds.Answer | None:
    """``p``'s answer in ``poll``, for their own phone only (never pushed). In a secret poll
    nobody can read it back: an answer without choices says only that ``p`` has voted."""
    if p is None:
        return None
    if poll.secret:
        return kinds.Answer(poll.kind) if await secret.has_receipt(db, p, poll) else None
    row = (
        await db.execute(
            select(Ballot.option_id, Ballot.marks).where(
                Ballot.poll_id == poll.id, Ballot.participant_id == p.id
            )
        )
    ).first()
    return None if row is None else kinds.KINDS[poll.kind].read(row[0], row[1])
