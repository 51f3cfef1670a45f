"""Running the room's desk: table facilitators and their summaries, paper cards typed in by
helpers, the moderation queue and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.contributions import new_contribution
from assembly.domain.records import audit
from assembly.domain.refusal import Refused, _body, _text
from assembly.domain.setup import require_open
from assembly.models import (
    KINDS,
    AuditEntry,
    Contribution,
    Event,
    FacilitatorAccount,
    Member,
    Participant,
)
from assembly.models.base import MAX_TABLE

# The paper-card form's one-key kinds.
KIND_KEYS = {"i": "idea", "e": "experience", "q": "question", "c": "concern"}

NOT_TABLE_FACILITATOR = (
    "Only a table's facilitator posts its summary. "
    "Ask a facilitator at the console to make you your table's facilitator."
)


def _kind(value: object) -> str:
    kind = _text(value)
    kind = KIND_KEYS.get(kind, kind)
    if kind not in KINDS:
        raise Refused("Choose what kind of contribution this is: " + ", ".join(KINDS) + ".", 422)
    return kind


def _new(event: Event, channel: str, kind: str, text: str, **more: object) -> Contribution:
    return new_contribution(event, channel, kind, text, **more)


# --- tables ----------------------------------------------------------------------------------


async def tables(db: AsyncSession, event: Event) -> list[Member]:
    """The roster's members who sit at a table, by table then name."""
    rows = await db.scalars(
        select(Member)
        .where(Member.event_id == event.id, Member.table_label != "")
        .order_by(Member.table_label, Member.name)
    )
    return list(rows)


async def table_labels(db: AsyncSession, event: Event) -> list[str]:
    """Every table the console can filter by: the roster's and the contributions'."""
    roster = await db.scalars(
        select(Member.table_label).where(Member.event_id == event.id, Member.table_label != "")
    )
    said = await db.scalars(
        select(Contribution.table_label).where(
            Contribution.event_id == event.id, Contribution.table_label != ""
        )
    )
    return sorted(set(roster) | set(said))


async def set_table_facilitator(
    db: AsyncSession, event: Event, account: FacilitatorAccount, member_id: int, on: bool
) -> Member:
    """Make a member their table's facilitator (``on``) or stop it; audited."""
    member = await db.get(Member, member_id)
    if member is None or member.event_id != event.id:
        raise Refused(
            "That member is not on this event's roster (they may have been removed).", 404
        )
    if on and not member.table_label:
        raise Refused(
            f"{member.name} has no table in the roster. Give them one on the members page first.",
            422,
        )
    member.table_facilitator = on
    action = "member.table_facilitator" if on else "member.table_facilitator_off"
    audit(db, event, account, action, f"member:{member.id}")
    return member


async def table_of(db: AsyncSession, event: Event, p: Participant | None) -> Member | None:
    """The roster entry that makes ``p`` a table facilitator, or None."""
    if p is None or p.role != "member":
        return None
    member: Member | None = await db.scalar(
        select(Member).where(
            Member.event_id == event.id,
            Member.participant_id == p.id,
            Member.table_facilitator.is_(True),
            Member.table_label != "",
        )
    )
    return member


async def post_table_summary(
    db: AsyncSession, event: Event, p: Participant, kind: object, text: object
) -> Contribution:
    """A table facilitator's summary of their table: channel table, with its table's label."""
    require_open(event)
    member = await table_of(db, event, p)
    if member is None:
        raise Refused(NOT_TABLE_FACILITATOR, 403)
    body = _body(text, "The table's summary")
    c = _new(
        event,
        "table",
        _kind(kind or "idea"),
        body,
        participant_id=p.id,
        author_name=p.display_name or member.name,
        group_name=p.group_name,
        table_label=member.table_label,
    )
    db.add(c)
    await db.flush()
    return c


# --- paper cards -------------------------------------------------------------------------------


async def type_in(
    db: AsyncSession,
    event: Event,
    account: FacilitatorAccount,
    kind: object,
    text: object,
    group: object = "",
    table: object = "",
) -> Contribution:
    """A contribution from a paper card or a spoken point, typed in by a helper (channel paper,
    no participant); moderated like any other."""
    require_open(event)
    kind_s = _kind(kind)
    body = _body(text, "The card's text")
    group_s = _text(group).strip()
    if group_s and group_s not in event.groups:
        offered = ", ".join(event.groups) or "none"
        raise Refused(f"Choose one of this event's groups ({offered}), or none.", 422)
    table_s = _text(table).strip()
    if len(table_s) > MAX_TABLE:
        raise Refused(f"A table's label is at most {MAX_TABLE} characters.", 422)
    c = _new(event, "paper", kind_s, body, group_name=group_s, table_label=table_s)
    db.add(c)
    await db.flush()
    audit(db, event, account, "contribution.type_in", f"contribution:{c.id}")
    return c


# --- moderation --------------------------------------------------------------------------------


async def pending(db: AsyncSession, event: Event, limit: int = 200) -> list[Contribution]:
    """Contributions waiting for a moderator, oldest first (the order they are read in)."""
    rows = await db.scalars(
        select(Contribution)
        .where(Contribution.event_id == event.id, Contribution.status == "pending")
        .order_by(Contribution.id)
        .limit(limit)
    )
    return list(rows)


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    action: str
    target: str


AUDIT_PAGE = 50


async def audit_log(
    db: AsyncSession, event: Event, action: str = "", who: str = "", page: int = 1
) -> tuple[list[AuditRow], bool]:
    """One page of ``event``'s audit log, newest first, filtered by action and account name;
    and whether an older page follows."""
    q = (
        select(AuditEntry, FacilitatorAccount.username)
        .outerjoin(FacilitatorAccount, FacilitatorAccount.id == AuditEntry.account_id)
        .where(AuditEntry.event_id == event.id)
    )
    if action:
        q = q.where(AuditEntry.action == action)
    if who:
        q = q.where(FacilitatorAccount.username == who)
    page = max(page, 1)
    q = q.order_by(AuditEntry.id.desc()).offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1)
    rows = [
        AuditRow(e.at, name or "(removed account)", e.action, e.target)
        for e, name in (await db.execute(q)).all()
    ]
    return rows[:AUDIT_PAGE], len(rows) > AUDIT_PAGE


async def audit_choices(db: AsyncSession, event: Event) -> tuple[list[str], list[str]]:
    """The actions and account names that occur in ``event``'s audit log, for its filters."""
    actions = await db.scalars(
        select(AuditEntry.action).where(AuditEntry.event_id == event.id).distinct()
    )
    names = await db.scalars(
        select(FacilitatorAccount.username)
        .join(AuditEntry, AuditEntry.account_id == FacilitatorAccount.id)
        .where(AuditEntry.event_id == event.id)
        .distinct()
    )
    return sorted(actions), sorted(names)
