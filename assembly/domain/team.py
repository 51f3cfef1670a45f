"""An event's team: who has which role, adding and removing people, and the events an
account may open."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import revoke_logins
from assembly.domain.refusal import Refused
from assembly.models import TEAM_ROLES, Event, FacilitatorAccount, TeamMember


async def team_of(db: AsyncSession, event: Event) -> list[tuple[FacilitatorAccount, str]]:
    """Everyone on ``event``'s team with their role, by username."""
    rows = await db.execute(
        select(FacilitatorAccount, TeamMember.role)
        .join(TeamMember, TeamMember.account_id == FacilitatorAccount.id)
        .where(TeamMember.event_id == event.id)
        .order_by(FacilitatorAccount.username)
    )
    return [(account, role) for account, role in rows]


async def set_team_role(
    db: AsyncSession, event: Event, account: FacilitatorAccount, role: str
) -> None:
    """Put ``account`` on ``event``'s team as ``role`` (or change the role it has there)."""
    if role not in TEAM_ROLES:
        raise Refused(f"A team role is one of: {', '.join(TEAM_ROLES)}.", 422)
    member = await db.get(TeamMember, (event.id, account.id))
    if member is None:
        db.add(TeamMember(event_id=event.id, account_id=account.id, role=role))
    else:
        member.role = role
    await db.flush()


async def remove_from_team(db: AsyncSession, event: Event, account: FacilitatorAccount) -> bool:
    """Take ``account`` off ``event``'s team and end its logins at once (its open consoles
    close within a second, see ``assembly.guard``). False when it was not on the team."""
    result = await db.execute(
        delete(TeamMember)
        .where(TeamMember.event_id == event.id, TeamMember.account_id == account.id)
        .returning(TeamMember.account_id)
    )
    if result.first() is None:
        return False
    revoke_logins(account)
    return True


async def events_of(db: AsyncSession, account: FacilitatorAccount) -> list[tuple[Event, str]]:
    """The events ``account`` may open, with its role on each: every event for the
    installation's organisers, else the events whose team it is on. Newest first."""
    if account.role == "organiser":
        events = await db.scalars(select(Event).order_by(Event.created_at.desc(), Event.id.desc()))
        return [(e, "organiser") for e in events]
    rows = await db.execute(
        select(Event, TeamMember.role)
        .join(TeamMember, TeamMember.event_id == Event.id)
        .where(TeamMember.account_id == account.id)
        .order_by(Event.created_at.desc(), Event.id.desc())
    )
    return [(e, role) for e, role in rows]
