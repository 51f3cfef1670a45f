"""Participants: joining (online or in the room), display names and presence counts."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.refusal import Refused, _text
from assembly.domain.setup import require_open
from assembly.models import MAX_NAME, Event, Participant


async def participant(
    db: AsyncSession, event: Event, participant_id: str | None
) -> Participant | None:
    if not participant_id:
        return None
    p = await db.get(Participant, participant_id)
    return p if p is not None and p.event_id == event.id else None


async def join(
    db: AsyncSession, event: Event, existing: Participant | None, channel: str
) -> tuple[Participant, bool]:
    """Return the participant, creating one on ``channel`` if needed; a room join upgrades.

    Joining from the room (a valid QR code) moves an online participant to the room; opening
    the plain link never moves a room participant online. The bool says whether anything changed.
    """
    if existing is not None:
        if channel == "room" and existing.channel == "online":
            existing.channel = "room"
            return existing, True
        return existing, False
    p = Participant(id=secrets.token_hex(16), event_id=event.id, channel=channel)
    db.add(p)
    # Written now: without a relationship SQLAlchemy would not know to insert it before a
    # contribution or ballot that refers to it in the same transaction.
    await db.flush()
    return p, True


def set_display_name(event: Event, p: Participant, raw: object) -> None:
    """Set ``p``'s display name (spaces tidied); only while ``event`` is open."""
    require_open(event)
    name = " ".join(_text(raw).split())
    if len(name) > MAX_NAME:
        raise Refused(f"Please keep your name to {MAX_NAME} characters.", 422)
    p.display_name = name


def set_group(event: Event, p: Participant, raw: object) -> None:
    """``p`` picks one of the event's stakeholder groups, or none (""). A member's group comes
    from the roster and stays as it is there."""
    require_open(event)
    if p.role == "member":
        raise Refused(
            "Your group comes from the assembly's roster. Ask at the desk if it is wrong.", 403
        )
    group = " ".join(_text(raw).split())
    if group and group not in event.groups:
        offered = ", ".join(event.groups) or "none"
        raise Refused(f"Choose one of this event's groups ({offered}), or none.", 422)
    p.group_name = group


async def presence_counts(db: AsyncSession, event: Event) -> dict[str, int]:
    rows = await db.execute(
        select(Participant.channel, func.count())
        .where(Participant.event_id == event.id)
        .group_by(Participant.channel)
    )
    return {channel: n for channel, n in rows.all()}
