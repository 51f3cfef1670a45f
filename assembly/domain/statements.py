"""What participants and facilitators do to a poll besides voting: participants add statements
to a statements poll that allows it (held for a moderator when the event pre-moderates, as
contributions are), moderators approve or hide them, and hide (or show again) open text answers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.ballots import may_vote
from assembly.domain.polls import lock_poll, polls_changed
from assembly.domain.records import audit
from assembly.domain.refusal import Refused, short_text
from assembly.domain.setup import require_open
from assembly.models import Ballot, Event, FacilitatorAccount, Participant, Poll, PollOption
from assembly.plan.rules import STATEMENT

MAX_STATEMENTS = 200  # a poll's statements, all told: what a phone's form may carry
STATEMENT_ACTIONS = {"approve": "visible", "hide": "hidden"}
ANSWER_ACTIONS = {"hide": True, "show": False}
_NO_POLL = "That poll does not exist. Reload the page to see the current poll."


def statement_text(value: object) -> str:
    """A statement as written (whitespace runs as one space), or a 422 sentence."""
    empty = "The statement is empty. Write one short sentence, then add it."
    return short_text(value, STATEMENT, "The statement", empty, "add it")


async def add_statement(
    db: AsyncSession, event: Event, p: Participant, poll_id: int, text: object
) -> PollOption:
    """``p``'s new statement in an open statements poll that allows them: visible at once, or
    pending a moderator's approval when the event pre-moderates."""
    require_open(event)
    poll = await lock_poll(db, poll_id)  # one position each, whatever arrives at once
    if poll is None or poll.event_id != event.id:
        raise Refused(_NO_POLL, 404)
    if poll.kind != "statements" or not poll.allow_statements:
        raise Refused(
            "This poll does not take new statements from participants. "
            "Answer the ones it has, or send your point as a contribution.",
            409,
        )
    if not may_vote(poll, p):
        raise Refused("This poll is not for you, so you cannot add statements to it.", 403)
    if poll.status != "open":
        raise Refused("This poll is not open, so statements cannot be added to it now.", 409)
    label = statement_text(text)
    rows = (
        await db.execute(
            select(func.count(), func.max(PollOption.position)).where(PollOption.poll_id == poll.id)
        )
    ).one()
    if rows[0] >= MAX_STATEMENTS:
        raise Refused(f"This poll has {MAX_STATEMENTS} statements, the most it takes.", 409)
    same = await db.scalar(
        select(PollOption.id).where(
            PollOption.poll_id == poll.id,
            func.lower(PollOption.label) == label.lower(),
            PollOption.status != "hidden",
        )
    )
    if same is not None:
        raise Refused("That statement is already in this poll. Answer it there.", 409)
    option = PollOption(
        poll_id=poll.id,
        position=(rows[1] or 0) + 1,
        label=label,
        status="pending" if event.moderation == "pre" else "visible",
        participant_id=p.id,
    )
    db.add(option)
    await db.flush()
    await polls_changed(db, [poll.id])
    return option


async def _poll_of(db: AsyncSession, event: Event, poll_id: int, kind: str) -> Poll:
    poll = await lock_poll(db, poll_id)
    if poll is None or poll.event_id != event.id or poll.kind != kind:
        raise Refused(_NO_POLL, 404)
    return poll


async def moderate_statement(
    db: AsyncSession,
    event: Event,
    account: FacilitatorAccount,
    poll_id: int,
    option_id: int,
    action: str,
) -> PollOption:
    """Approve (show on phones and count) or hide a statement of a statements poll."""
    if action not in STATEMENT_ACTIONS:
        raise Refused("A statement can be approved or hidden.", 404)
    poll = await _poll_of(db, event, poll_id, "statements")
    option = await db.get(PollOption, option_id)
    if option is None or option.poll_id != poll.id:
        raise Refused("That statement does not exist. Reload the console.", 404)
    option.status = STATEMENT_ACTIONS[action]
    audit(db, event, account, f"statement.{action}", f"poll_option:{option.id}")
    await polls_changed(db, [poll.id])  # flushes the change first
    return option


async def moderate_answer(
    db: AsyncSession,
    event: Event,
    account: FacilitatorAccount,
    poll_id: int,
    ballot_id: int,
    action: str,
) -> Ballot:
    """Hide an open text answer from the list and the cloud, or show it again."""
    if action not in ANSWER_ACTIONS:
        raise Refused("An answer can be hidden or shown again.", 404)
    poll = await _poll_of(db, event, poll_id, "open_text")
    ballot = await db.get(Ballot, ballot_id)
    if ballot is None or ballot.poll_id != poll.id:
        raise Refused("That answer does not exist (its author may have left). Reload.", 404)
    ballot.hidden = ANSWER_ACTIONS[action]
    audit(db, event, account, f"answer.{action}", f"ballot:{ballot.id}")
    await polls_changed(db, [poll.id])
    return ballot
