"""The members' roster: importing it, personal codes, re-issuing and removing cards, claiming a
card (``/i/{code}``) and checking members in at the door.

One member, one voice: a member is held by at most one participant (whoever opened the card
last), and a participant holds at most one member. Whoever loses a member goes back to being a
public participant.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.models import (
    Ballot,
    BallotReceipt,
    Event,
    FacilitatorAccount,
    Member,
    Participant,
    Poll,
    utcnow,
)
from assembly.roster import RosterRow

# No 0/O, 1/I/L: a code read off a card and typed into a phone cannot be misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
NO_SUCH_CODE = "This invite code is not (or no longer) valid. Ask at the desk for a new card."


def new_code() -> str:
    """A fresh random code, stored without its dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """A code as printed and typed: ``K7M3-QX9P``."""
    return f"{code[:4]}-{code[4:]}"


def normal_code(raw: str) -> str:
    """A code as typed (any case, dashes and spaces anywhere) as it is stored; "" if it cannot
    be one, so nothing is looked up for it."""
    code = "".join(raw.split()).replace("-", "").upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else ""


async def _unused_codes(db: AsyncSession, n: int) -> list[str]:
    """``n`` codes no member holds: a collision (about one in 10^11 per code) draws again."""
    codes: set[str] = set()
    while len(codes) < n:
        wanted = {new_code() for _ in range(n - len(codes))} - codes
        taken = set(await db.scalars(select(Member.code).where(Member.code.in_(wanted))))
        codes |= wanted - taken
    return list(codes)


async def members_of(db: AsyncSession, event: Event) -> list[Member]:
    """The event's roster, by table (2 before 10) then name."""
    rows = await db.scalars(select(Member).where(Member.event_id == event.id))
    return sorted(rows, key=lambda m: (_natural(m.table_label), m.name.casefold(), m.id))


def already_on_roster(rows: Sequence[RosterRow], members: Sequence[Member]) -> list[str]:
    """Problems for rows naming someone the roster already holds (a file imported twice)."""
    held = {(m.name.casefold(), m.group_name.casefold(), m.table_label.casefold()) for m in members}
    return [
        f"line {r.line}: {r.label()} is already on this event's roster"
        for r in rows
        if r.key() in held
    ]


async def import_members(
    db: AsyncSession, event: Event, account: FacilitatorAccount, rows: Sequence[RosterRow]
) -> int:
    """Add ``rows`` to the event's roster, each with a new code: all of them, or (a row that
    is already there) none. Members already on the roster keep their cards."""
    problems = already_on_roster(rows, await members_of(db, event))
    if problems:
        raise Refused("Nothing was imported. " + "; ".join(problems[:5]) + ".", 409)
    codes = await _unused_codes(db, len(rows))
    db.add_all(
        Member(event_id=event.id, name=r.name, group_name=r.group, table_label=r.table, code=c)
        for r, c in zip(rows, codes, strict=True)
    )
    audit(db, event, account, "members.import", f"event:{event.id}:{len(rows)}")
    return len(rows)


async def member(db: AsyncSession, event: Event, member_id: int) -> Member:
    """One member of the event's roster, or a 404 sentence."""
    m = await db.get(Member, member_id)
    if m is None or m.event_id != event.id:
        raise Refused(
            "That member is not on this event's roster (they may have been removed).", 404
        )
    return m


async def _release(db: AsyncSession, m: Member) -> None:
    """The participant holding ``m`` goes back to being a public participant."""
    if m.participant_id is not None:
        p = await db.get(Participant, m.participant_id)
        if p is not None and p.role == "member":
            p.role, p.group_name, p.table_label = "public", "", ""
        m.participant_id = None


async def reissue(
    db: AsyncSession, event: Event, account: FacilitatorAccount, member_id: int
) -> Member:
    """A new card for a member: the old code stops working at once, and whoever had opened it
    is a public participant again. Being checked in stays (the person is still here)."""
    m = await member(db, event, member_id)
    await _release(db, m)
    [m.code] = await _unused_codes(db, 1)
    audit(db, event, account, "member.reissue", f"member:{m.id}")
    return m


async def remove_member(
    db: AsyncSession, event: Event, account: FacilitatorAccount, member_id: int
) -> Member:
    """Take a member off the roster; their card stops working and its holder becomes public."""
    m = await member(db, event, member_id)
    await _release(db, m)
    await db.delete(m)
    audit(db, event, account, "member.remove", f"member:{m.id}")
    return m


async def member_by_code(db: AsyncSession, raw: str) -> Member | None:
    """The member whose card carries ``raw`` (as typed), on any event; None if nobody's does."""
    code = normal_code(raw)
    if not code:
        return None
    found: Member | None = await db.scalar(
        select(Member).where(Member.code == code).with_for_update()
    )
    return found


async def _carry_votes(db: AsyncSession, before: str, now: str) -> None:
    """A card opened on another phone is the same member: their ballots in members-only polls
    move to the new phone (the old one is public again and may not vote there), and the new
    phone gets a copy of their secret-ballot receipts (the old one keeps its own), so one member
    has one vote whatever phone they use. A poll the new phone voted in already is left alone."""
    mine = aliased(Ballot)
    members_polls = select(Poll.id).where(Poll.audience == "members")
    await db.execute(
        update(Ballot)
        .where(
            Ballot.participant_id == before,
            Ballot.poll_id.in_(members_polls),
            ~exists().where(mine.poll_id == Ballot.poll_id, mine.participant_id == now),
        )
        .values(participant_id=now)
        .execution_options(synchronize_session=False)
    )
    receipts = await db.scalars(
        select(BallotReceipt.poll_id).where(BallotReceipt.participant_id == before)
    )
    have = set(
        await db.scalars(select(BallotReceipt.poll_id).where(BallotReceipt.participant_id == now))
    )
    db.add_all(BallotReceipt(poll_id=i, participant_id=now) for i in receipts if i not in have)


async def claim(db: AsyncSession, m: Member, p: Participant) -> Member:
    """Make ``p`` the member ``m``: role member, the roster's table and group, checked in. A
    participant who held ``m`` before, or a member ``p`` held before, is let go."""
    if m.participant_id is not None and m.participant_id != p.id:
        await _carry_votes(db, m.participant_id, p.id)
        await _release(db, m)
    held = await db.scalars(select(Member).where(Member.participant_id == p.id, Member.id != m.id))
    for other in held:
        other.participant_id = None
    p.role, p.group_name, p.table_label = "member", m.group_name, m.table_label
    m.participant_id = p.id
    if m.checked_in_at is None:
        m.checked_in_at = utcnow()
    return m


async def set_checked_in(
    db: AsyncSession, event: Event, account: FacilitatorAccount, member_id: int, on: bool
) -> Member:
    """Check a member in at the door (or undo it); a member without a phone counts too."""
    m = await member(db, event, member_id)
    m.checked_in_at = (m.checked_in_at or utcnow()) if on else None
    audit(db, event, account, "member.checkin" if on else "member.checkout", f"member:{m.id}")
    return m


async def find_members(db: AsyncSession, event: Event, query: str, limit: int = 50) -> list[Member]:
    """Members whose name holds ``query`` in any case (Zoë, ZOË), for the helper at the door.
    Matched here rather than in SQL: SQLite lowers only ASCII, and a roster is small."""
    words = " ".join(query.split()).casefold()
    if not words:
        return []
    found = [m for m in await members_of(db, event) if words in m.name.casefold()]
    return sorted(found, key=lambda m: (m.name.casefold(), m.id))[:limit]


@dataclass(frozen=True)
class CheckIn:
    """Members checked in of those expected: in all and per table ("" is no table)."""

    checked_in: int
    expected: int
    tables: list[tuple[str, int, int]]  # (table, checked in, expected)


async def check_in_counts(db: AsyncSession, event: Event) -> CheckIn:
    """How many of the roster are here, per table, in one query."""
    rows = await db.execute(
        select(Member.table_label, func.count(Member.checked_in_at), func.count())
        .where(Member.event_id == event.id)
        .group_by(Member.table_label)
    )
    tables = sorted(
        ((t, int(i), int(n)) for t, i, n in rows.all()),
        key=lambda r: (r[0] == "", _natural(r[0])),
    )
    return CheckIn(sum(t[1] for t in tables), sum(t[2] for t in tables), tables)


def _natural(label: str) -> tuple[int, str]:
    # Table 2 before table 10.
    return (int(label), "") if label.isdigit() else (10**9, label.casefold())
