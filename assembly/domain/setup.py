"""Setting an event up: creating it, its settings and its status. The values arrive checked
(``assembly.web.forms`` parses a form into the plan file's dataclasses with the plan's own
rules); what is checked here is what depends on the database: a slug in use, people who joined.
"""

from __future__ import annotations

import dataclasses
import secrets

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.access import is_installation_organiser
from assembly.domain.plans import set_event
from assembly.domain.records import audit
from assembly.domain.refusal import Refused
from assembly.domain.words import DEFAULT_WORDS
from assembly.models import Event, FacilitatorAccount, Participant, Poll, utcnow
from assembly.plan import EVENT_STATUSES, EventPlan

NOT_OPEN_YET = "This assembly has not opened yet. Come back when it opens."
CLOSED = (
    "This assembly has closed, so it no longer takes contributions, votes or names. "
    "You can still read what was said."
)


def require_open(event: Event) -> None:
    """Refuse (409) a participant's action on an event that is a draft or closed."""
    if event.status == "draft":
        raise Refused(NOT_OPEN_YET, 409)
    if event.status != "open":
        raise Refused(CLOSED, 409)


async def create_event(
    db: AsyncSession, account: FacilitatorAccount, title: str, slug: str
) -> Event:
    """A new draft event with a fresh room secret and screen key; installation organisers only.
    ``title`` and ``slug`` are already checked (``assembly.web.forms.new_event``)."""
    if not is_installation_organiser(account):
        raise Refused(
            "Only the installation's organisers create events. "
            "Ask one of them to create yours and invite you to its team.",
            403,
        )
    if await db.scalar(select(exists().where(Event.slug == slug))):
        raise Refused(f"The address “{slug}” is taken by another event. Choose another slug.", 409)
    event = Event(
        slug=slug,
        title=title,
        status="draft",
        room_secret=secrets.token_hex(16),
        screen_key=secrets.token_hex(16),
        word_list=list(DEFAULT_WORDS),
    )
    db.add(event)
    await db.flush()
    audit(db, event, account, "event.create", f"event:{event.id}")
    return event


async def update_settings(
    db: AsyncSession, event: Event, account: FacilitatorAccount, plan: EventPlan
) -> None:
    """Put the settings of ``plan`` on ``event``; its slug and status stay as they are (the
    status has its own form, ``set_status``)."""
    set_event(event, dataclasses.replace(plan, slug=event.slug, status=event.status))
    audit(db, event, account, "event.settings", f"event:{event.id}")


async def set_status(
    db: AsyncSession, event: Event, account: FacilitatorAccount, status: str
) -> bool:
    """Make ``event`` a draft, open or closed; closing it closes its open poll. Once people
    have joined it never goes back to draft. False when it already had that status."""
    if status not in EVENT_STATUSES:
        raise Refused(f"An event is one of: {', '.join(EVENT_STATUSES)}. Choose one.", 422)
    if status == event.status:
        return False
    if status == "draft":
        joined = await db.scalar(select(exists().where(Participant.event_id == event.id)))
        if joined:
            raise Refused(
                "People have joined this event, so it cannot go back to being a draft. "
                "Close it instead.",
                409,
            )
    if status == "closed":
        await db.execute(
            update(Poll)
            .where(Poll.event_id == event.id, Poll.status == "open")
            .values(status="closed", closed_at=utcnow(), revision=Poll.revision + 1)
        )
    event.status = status
    audit(db, event, account, f"event.{status}", f"event:{event.id}")
    return True
