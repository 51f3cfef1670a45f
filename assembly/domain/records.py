"""Idempotency keys (each request done once) and the facilitators' audit log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import AuditEntry, Event, FacilitatorAccount, RequestKey

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
