"""The demo event: an NHS citizens' assembly on the NHS Constitution, and its facilitator."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import revoke_logins
from assembly.models import Event, FacilitatorAccount, Poll, PollOption, Session
from assembly.security import hash_password, new_password
from assembly.streams import stream_url

DEMO_SLUG = "demo"
DEMO_USER = "facilitator"

_SESSIONS = [
    (
        "Welcome: what the NHS Constitution is for",
        "What does the NHS Constitution mean to you, and when has it mattered in your care?",
        [
            (
                "How well do you know the NHS Constitution?",
                ["I have read it", "I know roughly what is in it", "I had not heard of it"],
            )
        ],
    ),
    (
        "Rights and pledges",
        "Which rights or pledges should patients and the public be able to rely on most?",
        [
            (
                "Which pledge matters most to you?",
                [
                    "Being seen within the waiting-time standards",
                    "Being involved in decisions about my care",
                    "Being treated with dignity and respect",
                    "Access to my own records",
                ],
            ),
            ("Should the Constitution be written in plainer language?", ["Yes", "No", "Not sure"]),
        ],
    ),
    (
        "Shaping it together",
        "How should patients and the public be involved in the next revision of the Constitution?",
        [
            (
                "How should the public be involved in the next revision?",
                [
                    "A standing citizens' assembly",
                    "Public consultation online",
                    "Local patient panels",
                    "Leave it to Parliament",
                ],
            )
        ],
    ),
]


DEMO_STREAM = ""


async def create_demo(db: AsyncSession) -> Event:
    """Create (or recreate) the demo event with three sessions and four polls."""
    await db.execute(delete(Event).where(Event.slug == DEMO_SLUG))
    event = Event(
        slug=DEMO_SLUG,
        title="How should patients and the public shape the NHS Constitution?",
        # None yet; whatever is set here is checked as an organiser's address would be.
        stream_url=stream_url(DEMO_STREAM),
        moderation="post",
        room_secret=secrets.token_hex(16),
        status="open",
    )
    db.add(event)
    await db.flush()
    first: Session | None = None
    for position, (title, prompt, polls) in enumerate(_SESSIONS):
        session = Session(event_id=event.id, position=position, title=title, prompt=prompt)
        db.add(session)
        await db.flush()
        first = first or session
        for question, labels in polls:
            poll = Poll(event_id=event.id, session_id=session.id, question=question, status="draft")
            db.add(poll)
            await db.flush()
            for i, label in enumerate(labels):
                db.add(PollOption(poll_id=poll.id, position=i, label=label))
    assert first is not None
    event.current_session_id = first.id
    return event


async def event_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Event)) or 0


async def add_account(
    db: AsyncSession, username: str, password: str | None = None, role: str = "facilitator"
) -> tuple[FacilitatorAccount, str]:
    """Create or reset an account; returns it with the password (generated when not given)."""
    password = password or new_password()
    account = await db.scalar(
        select(FacilitatorAccount).where(FacilitatorAccount.username == username)
    )
    if account is None:
        account = FacilitatorAccount(username=username, role=role)
        db.add(account)
    account.password_hash = hash_password(password)
    account.role = role
    revoke_logins(account)  # a new password ends every login and link made with the old one
    await db.flush()
    return account, password
