"""Team invites: one-time links, valid for a week, that put whoever accepts them on an event's
team with a role. Only a hash of each link's token is stored; the link is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.refusal import Refused
from assembly.domain.team import check_not_last_organiser, set_team_role
from assembly.models import (
    MAX_NAME,
    TEAM_ROLES,
    Event,
    FacilitatorAccount,
    TeamInvite,
    TeamMember,
    utcnow,
)

INVITE_DAYS = 7
# One sentence for a used, withdrawn, expired or unknown link: it says nothing about which.
INVITE_GONE = "This invite link has been used or has expired. Ask the organiser for a new one."


def token_hash(token: str) -> str:
    """What is stored of an invite's token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    db: AsyncSession, event: Event, by: FacilitatorAccount, role: object, note: object
) -> tuple[TeamInvite, str]:
    """A new invite to ``event``'s team as ``role``, with the token of its link (not stored)."""
    if role not in TEAM_ROLES:
        raise Refused(f"Choose the role to invite someone as: {', '.join(TEAM_ROLES)}.", 422)
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > MAX_NAME:
        raise Refused(f"The note is {len(text)} characters; keep it under {MAX_NAME}.", 422)
    token = secrets.token_urlsafe(32)
    invite = TeamInvite(
        event_id=event.id,
        role=role,
        token_hash=token_hash(token),
        note=text,
        created_by=by.id,
        expires_at=utcnow() + timedelta(days=INVITE_DAYS),
    )
    db.add(invite)
    await db.flush()
    return invite, token


async def pending_invites(db: AsyncSession, event: Event) -> list[TeamInvite]:
    """``event``'s invites not used, withdrawn or expired yet, soonest to expire first."""
    found = await db.scalars(
        select(TeamInvite)
        .where(
            TeamInvite.event_id == event.id,
            TeamInvite.used_at.is_(None),
            TeamInvite.expires_at > utcnow(),
        )
        .order_by(TeamInvite.expires_at, TeamInvite.id)
    )
    return list(found)


async def withdraw_invite(db: AsyncSession, event: Event, invite_id: int) -> tuple[str, str]:
    """Delete one of ``event``'s unused invites, so its link stops working; its (role, note)."""
    result = await db.execute(
        delete(TeamInvite)
        .where(
            TeamInvite.id == invite_id,
            TeamInvite.event_id == event.id,
            TeamInvite.used_at.is_(None),
        )
        .returning(TeamInvite.note, TeamInvite.role)
    )
    row = result.first()
    if row is None:
        raise Refused("That invite has been used or withdrawn already. Reload the page.", 404)
    return row.role, row.note


async def open_invite(db: AsyncSession, token: str) -> tuple[TeamInvite, Event]:
    """The invite a link's ``token`` names and its event, while the link still works."""
    found = (
        await db.execute(
            select(TeamInvite, Event)
            .join(Event, Event.id == TeamInvite.event_id)
            .where(
                TeamInvite.token_hash == token_hash(token),
                TeamInvite.used_at.is_(None),
                TeamInvite.expires_at > utcnow(),
            )
        )
    ).first()
    if found is None:
        raise Refused(INVITE_GONE, 410)
    return found[0], found[1]


async def accept_invite(
    db: AsyncSession, token: str, account: FacilitatorAccount
) -> tuple[Event, str]:
    """Use the invite ``token`` names: ``account`` joins its event's team with its role (or
    changes to it). The link works once: of two accepting at once, only one row is updated."""
    now = utcnow()
    # Conditional on used_at still being empty: on PostgreSQL a second UPDATE waits for the
    # first's row lock and then finds the condition false; SQLite writes one at a time.
    claimed = (
        await db.execute(
            update(TeamInvite)
            .where(
                TeamInvite.token_hash == token_hash(token),
                TeamInvite.used_at.is_(None),
                TeamInvite.expires_at > now,
            )
            .values(used_at=now, used_by=account.id)
            .returning(TeamInvite.event_id, TeamInvite.role)
        )
    ).first()
    if claimed is None:
        raise Refused(INVITE_GONE, 410)
    event = await db.get(Event, claimed.event_id)
    if event is None:  # the event was deleted in between: its invites went with it
        raise Refused(INVITE_GONE, 410)
    current = await db.get(TeamMember, (event.id, account.id))
    if current is not None and current.role != claimed.role:
        # Raised before anything is committed: the link stays usable for someone else.
        await check_not_last_organiser(db, event, account, account, current.role)
    await set_team_role(db, event, account, claimed.role)
    return event, claimed.role
