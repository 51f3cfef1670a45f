"""Contributions: posting, upvotes, the feeds, and facilitators' moderation and responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from assembly.domain.records import audit
from assembly.domain.refusal import Refused, _body, _text, upsert_insert
from assembly.domain.setup import require_open
from assembly.domain.words import initial_status
from assembly.models import (
    KINDS,
    Contribution,
    ContributionTheme,
    Event,
    FacilitatorAccount,
    Participant,
    Response,
    Upvote,
    utcnow,
)


def new_contribution(
    event: Event, channel: str, kind: str, text: str, **more: object
) -> Contribution:
    """A contribution to ``event``'s current session, moderated as its settings say, with every
    column and collection set: pages and pushes render it after its database session ends."""
    values: dict[str, object] = {
        "event_id": event.id,
        "session_id": event.current_session_id,
        "participant_id": None,
        "channel": channel,
        "kind": kind,
        "text": text,
        "author_name": "",
        "group_name": "",
        "table_label": "",
        "source": "",
        "status": initial_status(event, text),
        "pinned": False,
        "featured": False,
        "answered": False,
        "upvotes": 0,
        "created_at": utcnow(),
        "responses": [],
        "theme_tags": [],
        "outcome": "open",
        "outcome_reason": "",
    }
    values.update(more)
    return Contribution(**values)


async def post_contribution(
    db: AsyncSession, event: Event, p: Participant, kind: object, text: object
) -> Contribution:
    require_open(event)
    kind_s = _text(kind)
    if kind_s not in KINDS:
        raise Refused("Choose what kind of contribution this is: " + ", ".join(KINDS) + ".", 422)
    body = _body(text, "Your contribution")
    c = new_contribution(
        event,
        p.channel,
        kind_s,
        body,
        participant_id=p.id,
        author_name=p.display_name,
        group_name=p.group_name,
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
    require_open(event)
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


# How a feed may be sorted: newest first, or most upvoted first (newest first among equals).
FEED_ORDERS = {"new": "Newest", "top": "Most upvoted"}


def _feed_order(order: str) -> tuple[Any, ...]:
    if order == "top":
        return (Contribution.upvotes.desc(), Contribution.id.desc())
    return (Contribution.id.desc(),)


async def public_feed(
    db: AsyncSession, event: Event, limit: int = 200, order: str = "new", kind: str = ""
) -> list[Contribution]:
    """What participants see: visible contributions, pinned first, then by ``order``
    (``FEED_ORDERS``); only those of ``kind`` when given."""
    q = select(Contribution).where(
        Contribution.event_id == event.id, Contribution.status == "visible"
    )
    if kind:
        q = q.where(Contribution.kind == kind)
    rows = await db.scalars(
        q.order_by(Contribution.pinned.desc(), *_feed_order(order)).limit(limit)
    )
    return list(rows)


async def console_feed(
    db: AsyncSession,
    event: Event,
    channel: str = "",
    kind: str = "",
    limit: int = 500,
    table: str = "",
    theme: str = "",
    order: str = "new",
    search: str = "",
    session_id: int | None = None,
) -> list[Contribution]:
    """The console's feed, filtered; ``search`` matches the text anywhere, case aside (its
    ``%`` and ``_`` are literal)."""
    q = select(Contribution).where(Contribution.event_id == event.id)
    if search:
        q = q.where(func.lower(Contribution.text).contains(search.lower(), autoescape=True))
    if session_id is not None:
        q = q.where(Contribution.session_id == session_id)
    if table:
        q = q.where(Contribution.table_label == table)
    if theme:
        tagged = select(ContributionTheme.contribution_id).where(ContributionTheme.theme == theme)
        q = q.where(Contribution.id.in_(tagged))
    if channel:
        q = q.where(Contribution.channel == channel)
    if kind:
        q = q.where(Contribution.kind == kind)
    rows = await db.scalars(q.order_by(*_feed_order(order)).limit(limit))
    return list(rows)


# The big screen shows this many featured contributions, and the console tags no more.
MAX_FEATURED = 3


async def featured(db: AsyncSession, event: Event, limit: int = MAX_FEATURED) -> list[Contribution]:
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
    was_pending: bool = False
    # Taken off the screen to make room (featuring a fourth unfeatures the oldest).
    unfeatured: list[Contribution] = field(default_factory=list)


async def moderate(
    db: AsyncSession, event: Event, account: FacilitatorAccount, contribution_id: int, action: str
) -> Moderated:
    if action not in MODERATION_ACTIONS:
        raise Refused("That is not something a facilitator can do to a contribution.", 400)
    c = await contribution(db, event, contribution_id)
    before = Moderated(c, c.status == "visible", c.featured, c.status == "pending")
    field, value = MODERATION_ACTIONS[action]
    setattr(c, field, value)
    if field == "answered":  # the outcome says the same (assembly/domain/outcomes.py)
        c.outcome = "answered" if value else ("open" if c.outcome == "answered" else c.outcome)
        c.outcome_reason = "" if value else c.outcome_reason
    if action == "hide":
        c.featured = False  # a hidden contribution never stays on the big screen
    if action == "feature" and not before.was_featured:
        before.unfeatured = await _make_room(db, event, c)
        for old in before.unfeatured:  # in the log as if taken off by hand
            audit(db, event, account, "contribution.unfeature", f"contribution:{old.id}")
    audit(db, event, account, f"contribution.{action}", f"contribution:{c.id}")
    return before


async def _make_room(db: AsyncSession, event: Event, c: Contribution) -> list[Contribution]:
    """Featuring ``c``: the screen shows ``MAX_FEATURED`` at most, so the oldest others featured
    (the earliest posted; the screen shows the newest first) come off it."""
    others = await db.scalars(
        select(Contribution)
        .where(
            Contribution.event_id == event.id,
            Contribution.featured.is_(True),
            Contribution.id != c.id,
        )
        .order_by(Contribution.id.desc())
        .offset(MAX_FEATURED - 1)
    )
    gone = list(others)
    for old in gone:
        old.featured = False
    return gone


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
    if c.participant_id is not None:  # their next page load looks for it (domain.unread)
        await db.execute(
            update(Participant)
            .where(Participant.id == c.participant_id)
            .values(last_reply_id=response.id)
        )
    audit(db, event, account, "contribution.respond", f"contribution:{c.id}")
    return c
