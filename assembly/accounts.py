"""Facilitator accounts: ending their logins, listing and removing them."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Event, FacilitatorAccount, TeamMember


def revoke_logins(account: FacilitatorAccount) -> None:
    """End every login of ``account``: its staff cookies (on every worker, and its open consoles
    within a second, see ``assembly.guard``) and any one-time login link not used yet."""
    account.login_nonce = secrets.token_hex(8)
    account.link_nonce = secrets.token_hex(8)


async def accounts(db: AsyncSession) -> list[FacilitatorAccount]:
    """Every account, by username."""
    return list(await db.scalars(select(FacilitatorAccount).order_by(FacilitatorAccount.username)))


async def listing(db: AsyncSession) -> list[str]:
    """One line per account for `assembly user list`: its name and what it may do where."""
    rows = await db.execute(
        select(Event.slug, TeamMember.account_id, TeamMember.role)
        .join(Event, Event.id == TeamMember.event_id)
        .order_by(Event.slug)
    )
    roles: dict[int, list[str]] = {}
    for slug, account_id, role in rows:
        roles.setdefault(account_id, []).append(f"{role} on {slug}")
    lines = []
    for a in await accounts(db):
        where = ["organiser of every event"] if a.role == "organiser" else []
        lines.append(f"{a.username}\t" + (", ".join(where + roles.get(a.id, [])) or "no team yet"))
    return lines


async def remove_account(db: AsyncSession, username: str) -> bool:
    """Delete the account called ``username`` (its audit entries stay, without it); False when
    there is none."""
    result = await db.execute(
        delete(FacilitatorAccount)
        .where(FacilitatorAccount.username == username)
        .returning(FacilitatorAccount.id)
    )
    return result.first() is not None
