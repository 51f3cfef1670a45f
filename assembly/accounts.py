"""Facilitator accounts: ending their logins, listing and removing them."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import FacilitatorAccount


def revoke_logins(account: FacilitatorAccount) -> None:
    """End every login of ``account``: its staff cookies (on every worker, and its open consoles
    within a second, see ``assembly.guard``) and any one-time login link not used yet."""
    account.login_nonce = secrets.token_hex(8)
    account.link_nonce = secrets.token_hex(8)


async def accounts(db: AsyncSession) -> list[FacilitatorAccount]:
    """Every account, by username."""
    return list(await db.scalars(select(FacilitatorAccount).order_by(FacilitatorAccount.username)))


async def remove_account(db: AsyncSession, username: str) -> bool:
    """Delete the account called ``username`` (its audit entries stay, without it); False when
    there is none."""
    result = await db.execute(
        delete(FacilitatorAccount)
        .where(FacilitatorAccount.username == username)
        .returning(FacilitatorAccount.id)
    )
    return result.first() is not None
