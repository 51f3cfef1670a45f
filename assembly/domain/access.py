"""Who may do what on an event: one table of capabilities per team role, and one check.

An account's rights come from the event's team (``TeamMember``): being on one event's team gives
nothing on another. The installation's organisers (account role "organiser") count as organisers
of every event, and alone may create events.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.refusal import Refused
from assembly.models import Event, FacilitatorAccount, TeamMember

# What each role on an event's team may do there.
CAPABILITIES: dict[str, frozenset[str]] = {
    # Everything, including the organiser pages: setup, team, members, cards, exports.
    "organiser": frozenset({"view", "moderate", "run", "checkin", "type_in", "organise"}),
    "facilitator": frozenset({"view", "moderate", "run", "checkin", "type_in"}),
    "moderator": frozenset({"view", "moderate"}),
    # At the door and at the paper-card table: check members in, type in what people say.
    "helper": frozenset({"view", "checkin", "type_in"}),
}

# What each capability is for, in the sentence that refuses it.
_NEEDS = {
    "view": "Only the event's team can open this.",
    "moderate": "Moderators, facilitators and organisers moderate contributions.",
    "run": "Facilitators and organisers run the agenda and polls.",
    "checkin": "Helpers, facilitators and organisers check members in.",
    "type_in": "Helpers, facilitators and organisers type in paper contributions.",
    "organise": "Only the event's organisers can change its setup, team and members.",
}


def is_installation_organiser(account: FacilitatorAccount) -> bool:
    """Whether ``account`` creates events and may open every event."""
    return account.role == "organiser"


async def role_on(db: AsyncSession, account: FacilitatorAccount, event: Event) -> str | None:
    """``account``'s role on ``event``'s team, or None when it has none there."""
    if is_installation_organiser(account):
        return "organiser"
    role: str | None = await db.scalar(
        select(TeamMember.role).where(
            TeamMember.event_id == event.id, TeamMember.account_id == account.id
        )
    )
    return role


def allows(role: str | None, capability: str) -> bool:
    """Whether ``role`` on a team may do ``capability``."""
    return role is not None and capability in CAPABILITIES.get(role, frozenset())


async def authorize(
    db: AsyncSession, account: FacilitatorAccount, event: Event, capability: str
) -> str:
    """``account``'s role on ``event`` if it allows ``capability``; else a 403 sentence."""
    role = await role_on(db, account, event)
    if role is None:
        raise Refused(
            f"Your account is not on the team of “{event.title}”. "
            "Ask one of its organisers to invite you.",
            403,
        )
    if not allows(role, capability):
        raise Refused(f"Your role here is {role}. {_NEEDS.get(capability, '')}".strip(), 403)
    return role
