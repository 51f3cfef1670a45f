"""An event's team: who has which role, adding and removing people, and the events an
account may open."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import revoke_logins
from assembly.domain.access import is_installation_organiser
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


async def installation_organisers(db: AsyncSession) -> list[str]:
    """The usernames of the installation's organisers, who may open every event."""
    names = await db.scalars(
        select(FacilitatorAccount.username)
        .where(FacilitatorAccount.role == "organiser")
        .order_by(FacilitatorAccount.username)
    )
    return list(names)


LAST_ORGANISER = (
    "{name} is the last organiser on this team. Invite another organiser first, "
    "so that someone on the team can still change the event's setup."
)


async def _team_member(
    db: AsyncSession, event: Event, account_id: int
) -> tuple[FacilitatorAccount, str]:
    found = (
        await db.execute(
            select(FacilitatorAccount, TeamMember.role)
            .join(TeamMember, TeamMember.account_id == FacilitatorAccount.id)
            .where(TeamMember.event_id == event.id, TeamMember.account_id == account_id)
        )
    ).first()
    if found is None:
        raise Refused("That person is not on this team any more. Reload the page.", 404)
    return found[0], found[1]


async def check_not_last_organiser(
    db: AsyncSession, event: Event, by: FacilitatorAccount, who: FacilitatorAccount, role: str
) -> None:
    """Refuse (409) when ``by`` would take ``who``, whose role is ``role``, off being the last
    organiser on ``event``'s team. The installation's organisers, who open every event anyway,
    may; anyone else would leave nobody on the team able to change the event's setup."""
    if role != "organiser" or is_installation_organiser(by):
        return
    organisers = await db.scalar(
        select(func.count())
        .select_from(TeamMember)
        .where(TeamMember.event_id == event.id, TeamMember.role == "organiser")
    )
    if (organisers or 0) <= 1:
        raise Refused(LAST_ORGANISER.format(name=who.username), 409)


async def change_team_role(
    db: AsyncSession, event: Event, by: FacilitatorAccount, account_id: int, role: object
) -> tuple[FacilitatorAccount, str]:
    """``by`` gives a team member another role; the team's last organiser keeps theirs."""
    if role not in TEAM_ROLES:
        raise Refused(f"Choose one of the roles: {', '.join(TEAM_ROLES)}.", 422)
    who, current = await _team_member(db, event, account_id)
    if role != current:
        await check_not_last_organiser(db, event, by, who, current)
        await set_team_role(db, event, who, role)
    return who, role


async def take_off_team(
    db: AsyncSession, event: Event, by: FacilitatorAccount, account_id: int
) -> FacilitatorAccount:
    """``by`` removes a team member, whose logins end (see ``remove_from_team``); the team's
    last organiser stays."""
    who, current = await _team_member(db, event, account_id)
    await check_not_last_organiser(db, event, by, who, current)
    await remove_from_team(db, event, who)
    return who


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
