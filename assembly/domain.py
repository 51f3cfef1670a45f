"""Domain operations: what participants and facilitators can do, checked and stored.

Every function takes an open session from ``Database.write()`` or ``read()``; the caller commits
(``write()`` does so on exit) before anyone is told the action succeeded.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from assembly.models import (
    KINDS,
    MAX_NAME,
    MAX_TEXT,
    AuditEntry,
    Ballot,
    Contribution,
    Event,
    FacilitatorAccount,
    Participant,
    Poll,
    PollOption,
    RequestKey,
    Response,
    Session,
    Upvote,
    utcnow,
)


class Refused(Exception):
    """A request that cannot be carried out; ``message`` tells the person what to do instead."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        retry_after: int | None = None,
        penalise: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.penalise = penalise  # the caller themselves went too fast (not their network)


def upsert_insert(db: AsyncSession) -> Any:
    """The dialect's ``insert`` (for ``ON CONFLICT``) of the database behind ``db``."""
    return sqlite_insert if db.get_bind().dialect.name == "sqlite" else pg_insert


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _body(value: object, what: str) -> str:
    """Text people wrote, checked: not empty, at most ``MAX_TEXT`` characters."""
    # Browsers send a textarea's line breaks as CRLF; count them as one character, as people do.
    body = _text(value).replace("\r\n", "\n").strip()
    if not body:
        raise Refused(f"{what} is empty. Write something, then send it.", 422)
    if len(body) > MAX_TEXT:
        raise Refused(
            f"{what} is {len(body):,} characters; the limit is {MAX_TEXT:,}. "
            "Please shorten it, or split it in two.",
            422,
        )
    return body


# --- events and sessions -------------------------------------------------------------------

# Never the slug from the address: text from a URL on our page would read as our instruction.
NO_SUCH_EVENT = "There is no event at this address. Check the link you were given."


async def event_by_slug(db: AsyncSession, slug: str) -> Event:
    event = await db.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise Refused(NO_SUCH_EVENT, 404)
    return event


async def sessions_of(db: AsyncSession, event: Event) -> list[Session]:
    rows = await db.scalars(
        select(Session).where(Session.event_id == event.id).order_by(Session.position, Session.id)
    )
    return list(rows)


async def current_session(db: AsyncSession, event: Event) -> Session | None:
    if event.current_session_id is None:
        return None
    return await db.get(Session, event.current_session_id)


async def set_current_session(
    db: AsyncSession, event: Event, session_id: int, account: FacilitatorAccount
) -> Session:
    session = await db.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise Refused("That session is not on this event's agenda. Reload the console.", 404)
    event.current_session_id = session.id
    audit(db, event, account, "session.current", f"session:{session.id}")
    return session


# --- participants --------------------------------------------------------------------------


async def participant(
    db: AsyncSession, event: Event, participant_id: str | None
) -> Participant | None:
    if not participant_id:
        return None
    p = await db.get(Participant, participant_id)
    return p if p is not None and p.event_id == event.id else None


def _event_and_participants(key_used: Any) -> Select[Event, Participant, bool]:
    return (
        select(Event, Participant, key_used)
        .outerjoin(
            Participant,
            and_(
                Participant.event_id == Event.id,
                Participant.id.in_(bindparam("ids", expanding=True)),
            ),
        )
        .where(Event.slug == bindparam("slug"))
    )


# Built once: constructing the statement took longer than running it.
_WITHOUT_KEY = _event_and_participants(literal(False))
_WITH_KEY = _event_and_participants(
    exists().where(RequestKey.actor == Participant.id, RequestKey.key == bindparam("key"))
)


async def event_and_participants(
    db: AsyncSession, slug: str, participant_ids: Collection[str], key: str | None = None
) -> tuple[Event, dict[str, tuple[Participant, bool]]]:
    """The event called ``slug`` and those of ``participant_ids`` who are its participants, each
    with whether it used the idempotency ``key`` before: what ``event_by_slug``,
    ``participant`` and ``key_used`` tell, in one query instead of three.

    A request's participant cookie is named after the event's id, so the caller does not know
    yet which of its cookies counts: it passes every id its cookies carry and picks afterwards.
    """
    params = {"slug": slug, "ids": list(participant_ids)}
    if key:
        params["key"] = key
    rows = await db.execute(_WITH_KEY if key else _WITHOUT_KEY, params)
    event: Event | None = None
    found: dict[str, tuple[Participant, bool]] = {}
    for row_event, p, key_used in rows:
        event = row_event
        if p is not None:
            found[p.id] = (p, bool(key_used))
    if event is None:
        raise Refused(NO_SUCH_EVENT, 404)
    return event, found


async def join(
    db: AsyncSession, event: Event, existing: Participant | None, channel: str
) -> tuple[Participant, bool]:
    """Return the participant, creating one on ``channel`` if needed; a room join upgrades.

    Joining from the room (a valid QR code) moves an online participant to the room; opening
    the plain link never moves a room participant online. The bool says whether anything changed.
    """
    if existing is not None:
        if channel == "room" and existing.channel == "online":
            existing.channel = "room"
            return existing, True
        return existing, False
    p = Participant(id=secrets.token_hex(16), event_id=event.id, channel=channel)
    db.add(p)
    # Written now: without a relationship SQLAlchemy would not know to insert it before a
    # contribution or ballot that refers to it in the same transaction.
    await db.flush()
    return p, True


def set_display_name(p: Participant, raw: object) -> None:
    name = " ".join(_text(raw).split())
    if len(name) > MAX_NAME:
        raise Refused(f"Please keep your name to {MAX_NAME} characters.", 422)
    p.display_name = name


async def presence_counts(db: AsyncSession, event: Event) -> dict[str, int]:
    rows = await db.execute(
        select(Participant.channel, func.count())
        .where(Participant.event_id == event.id)
        .group_by(Participant.channel)
    )
    return {channel: n for channel, n in rows.all()}


# --- contributions -------------------------------------------------------------------------


async def post_contribution(
    db: AsyncSession, event: Event, p: Participant, kind: object, text: object
) -> Contribution:
    if event.status != "open":
        raise Refused("This event is closed to new contributions.", 409)
    kind_s = _text(kind)
    if kind_s not in KINDS:
        raise Refused("Choose what kind of contribution this is: " + ", ".join(KINDS) + ".", 422)
    body = _body(text, "Your contribution")
    c = Contribution(
        event_id=event.id,
        session_id=event.current_session_id,
        participant_id=p.id,
        channel=p.channel,
        kind=kind_s,
        text=body,
        author_name=p.display_name,
        status="pending" if event.moderation == "pre" else "visible",
        pinned=False,
        featured=False,
        answered=False,
        upvotes=0,
        created_at=utcnow(),
        responses=[],
    )
    db.add(c)
    await db.flush()
    return c


async def contribution(db: AsyncSession, event: Event, contribution_id: int) -> Contribution:
    c = await db.get(Contribution, contribution_id)
    if c is None or c.event_id != event.id:
        raise Refused("That contribution does not exist (it may have been removed).", 404)
    return c


async def visible_contribution(
    db: AsyncSession, event: Event, contribution_id: int
) -> Contribution:
    c = await contribution(db, event, contribution_id)
    if c.status != "visible":
        raise Refused("That contribution does not exist (it may have been removed).", 404)
    return c


async def set_upvote(
    db: AsyncSession, event: Event, p: Participant, contribution_id: int, on: bool
) -> tuple[Contribution, bool]:
    """Add or remove ``p``'s upvote; doing it twice is the same as once. True if it changed.

    The count moves by one in the database (``upvotes + 1``), and only when this request really
    inserted or deleted the upvote row: concurrent upvotes on any worker are each counted once.
    """
    c = await visible_contribution(db, event, contribution_id)
    if on:
        row = (
            upsert_insert(db)(Upvote)
            .values(contribution_id=c.id, participant_id=p.id)
            .on_conflict_do_nothing()
        )
    else:
        row = delete(Upvote).where(Upvote.contribution_id == c.id, Upvote.participant_id == p.id)
    changed = await db.scalar(row.returning(Upvote.contribution_id)) is not None
    if changed:
        upvotes = await db.scalar(
            update(Contribution)
            .where(Contribution.id == c.id)
            .values(upvotes=Contribution.upvotes + (1 if on else -1))
            .returning(Contribution.upvotes)
            .execution_options(synchronize_session=False)
        )
        # Shown in the reply, never written back (that would overwrite concurrent upvotes).
        set_committed_value(c, "upvotes", upvotes)
    return c, changed


async def upvoted_by(db: AsyncSession, p: Participant | None, ids: list[int]) -> set[int]:
    if p is None or not ids:
        return set()
    rows = await db.scalars(
        select(Upvote.contribution_id).where(
            Upvote.participant_id == p.id, Upvote.contribution_id.in_(ids)
        )
    )
    return set(rows)


async def public_feed(db: AsyncSession, event: Event, limit: int = 200) -> list[Contribution]:
    rows = await db.scalars(
        select(Contribution)
        .where(Contribution.event_id == event.id, Contribution.status == "visible")
        .order_by(Contribution.pinned.desc(), Contribution.id.desc())
        .limit(limit)
    )
    return list(rows)


async def console_feed(
    db: AsyncSession, event: Event, channel: str = "", kind: str = "", limit: int = 500
) -> list[Contribution]:
    q = select(Contribution).where(Contribution.event_id == event.id)
    if channel:
        q = q.where(Contribution.channel == channel)
    if kind:
        q = q.where(Contribution.kind == kind)
    rows = await db.scalars(q.order_by(Contribution.id.desc()).limit(limit))
    return list(rows)


async def featured(db: AsyncSession, event: Event, limit: int = 3) -> list[Contribution]:
    rows = await db.scalars(
        select(Contribution)
        .where(
            Contribution.event_id == event.id,
            Contribution.featured.is_(True),
            Contribution.status == "visible",
        )
        .order_by(Contribution.id.desc())
        .limit(limit)
    )
    return list(rows)


MODERATION_ACTIONS = {
    "hide": ("status", "hidden"),
    "show": ("status", "visible"),
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "answered": ("answered", True),
    "unanswered": ("answered", False),
    "feature": ("featured", True),
    "unfeature": ("featured", False),
}


@dataclass
class Moderated:
    contribution: Contribution
    was_visible: bool
    was_featured: bool


async def moderate(
    db: AsyncSession, event: Event, account: FacilitatorAccount, contribution_id: int, action: str
) -> Moderated:
    if action not in MODERATION_ACTIONS:
        raise Refused("That is not something a facilitator can do to a contribution.", 400)
    c = await contribution(db, event, contribution_id)
    before = Moderated(c, c.status == "visible", c.featured)
    field, value = MODERATION_ACTIONS[action]
    setattr(c, field, value)
    if action == "hide":
        c.featured = False  # a hidden contribution never stays on the big screen
    audit(db, event, account, f"contribution.{action}", f"contribution:{c.id}")
    return before


async def respond(
    db: AsyncSession, event: Event, account: FacilitatorAccount, contribution_id: int, text: object
) -> Contribution:
    """Add a facilitator's response under a contribution; returns the contribution with it."""
    c = await contribution(db, event, contribution_id)
    response = Response(
        contribution_id=c.id, account_id=account.id, text=_body(text, "The response")
    )
    db.add(response)
    await db.flush()
    c.responses.append(response)
    audit(db, event, account, "contribution.respond", f"contribution:{c.id}")
    return c


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
    ballots in polls still open are withdrawn, and those polls' revisions raised."""
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


# --- polls ---------------------------------------------------------------------------------


@dataclass
class PollView:
    poll: Poll
    options: list[PollOption]
    counts: dict[int, int]
    # The poll's revision these counts were read at (`Poll.revision`): with several workers two
    # recounts can be published out of order, and pages keep the one with the higher revision.
    revision: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, option_id: int) -> int:
        return round(100 * self.counts.get(option_id, 0) / self.total) if self.total else 0


async def polls_of_session(db: AsyncSession, session: Session | None) -> list[Poll]:
    if session is None:
        return []
    rows = await db.scalars(select(Poll).where(Poll.session_id == session.id).order_by(Poll.id))
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
            select(Poll, Ballot.option_id, func.count(Ballot.id))
            .outerjoin(Ballot, Ballot.poll_id == Poll.id)
            .where(Poll.id == poll.id)
            .group_by(Poll.id, Ballot.option_id)
            .execution_options(populate_existing=True)
        )
    ).all()
    if rows:
        poll = rows[0][0]
    counts = {option_id: n for _, option_id, n in rows if option_id is not None}
    return PollView(poll, options, counts, poll.revision)


async def poll(db: AsyncSession, event: Event, poll_id: int) -> Poll:
    p = await db.get(Poll, poll_id)
    if p is None or p.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    return p


def option_id_of(option: object) -> int:
    """The option a ballot form names, or a 422 sentence."""
    try:
        option_id = int(_text(option))
    except ValueError:
        raise Refused("Choose one of the options, then vote.", 422) from None
    if not 0 < option_id < 2**63:
        raise Refused("That option is not part of this poll. Reload and choose again.", 422)
    return option_id


def check_ballot(event: Event, the_poll: Poll | None, opt: PollOption | None) -> None:
    """Refuse a ballot for a poll that is not this event's, not open, or not offering ``opt``."""
    if the_poll is None or the_poll.event_id != event.id:
        raise Refused("That poll does not exist. Reload the page to see the current poll.", 404)
    if the_poll.status != "open":
        when = the_poll.closed_at.strftime(" at %H:%M") if the_poll.closed_at else ""
        if the_poll.status == "closed":
            raise Refused(f"This poll closed{when}; your vote was not counted.", 409)
        raise Refused("This poll is not open yet. Wait for the facilitator to open it.", 409)
    if opt is None or opt.poll_id != the_poll.id:
        raise Refused("That option is not part of this poll. Reload and choose again.", 422)


async def cast_ballot(
    db: AsyncSession, event: Event, p: Participant, poll_id: int, option: object
) -> Ballot:
    """Store ``p``'s choice; a second ballot replaces the first while the poll is open."""
    option_id = option_id_of(option)
    the_poll = await lock_poll(db, poll_id)
    opt = await db.get(PollOption, option_id)
    check_ballot(event, the_poll, opt)
    assert the_poll is not None and opt is not None
    ballot = await db.scalar(
        select(Ballot).where(Ballot.poll_id == the_poll.id, Ballot.participant_id == p.id)
    )
    if ballot is None:
        ballot = Ballot(
            poll_id=the_poll.id, participant_id=p.id, option_id=opt.id, channel=p.channel
        )
        db.add(ballot)
    else:
        ballot.option_id = opt.id
        ballot.cast_at = utcnow()
    await db.flush()
    await polls_changed(db, [the_poll.id])
    return ballot


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


async def my_ballot(db: AsyncSession, p: Participant | None, poll_id: int) -> int | None:
    if p is None:
        return None
    return await db.scalar(
        select(Ballot.option_id).where(Ballot.poll_id == poll_id, Ballot.participant_id == p.id)
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
        await db.execute(
            update(Poll)
            .where(Poll.event_id == event.id, Poll.status == "open", Poll.id != the_poll.id)
            .values(status="closed", closed_at=now, revision=Poll.revision + 1)
            .execution_options(synchronize_session=False)
        )
        the_poll.status, the_poll.opened_at, the_poll.closed_at = "open", now, None
    else:
        if the_poll.status != "open":
            raise Refused("This poll is not open, so it cannot be closed.", 409)
        the_poll.status, the_poll.closed_at = "closed", now
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


# --- idempotency ---------------------------------------------------------------------------


async def key_used(db: AsyncSession, actor: str, key: str) -> bool:
    return await db.get(RequestKey, (actor, key)) is not None


async def claim_key(db: AsyncSession, actor: str, key: str | None) -> bool:
    """Record ``actor``'s idempotency ``key`` in this transaction; False if it was used before.

    The key commits with the work it guards, so after a crash a retry is either done once or
    recognised as done.
    """
    if not key:
        return True
    if await db.get(RequestKey, (actor, key)) is not None:
        return False
    db.add(RequestKey(actor=actor, key=key))
    await db.flush()
    return True


# --- accounts and audit --------------------------------------------------------------------


def audit(
    db: AsyncSession,
    event: Event | None,
    account: FacilitatorAccount | None,
    action: str,
    target: str,
) -> None:
    db.add(
        AuditEntry(
            event_id=event.id if event else None,
            account_id=account.id if account else None,
            action=action,
            target=target,
        )
    )
