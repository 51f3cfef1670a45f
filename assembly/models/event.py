"""The event and the people in it: the installation, events, sessions, participants and the
members' roster."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models.base import MAX_GROUP, MAX_MEMBER_NAME, MAX_NAME, MAX_TABLE, Base, utcnow


class Instance(Base):
    """Key/value facts about this installation, such as the generated signing key."""

    __tablename__ = "instance"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    venue: Mapped[str] = mapped_column(String(200), default="", server_default="")
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    # Seconds the stream runs behind the room: online voters keep voting this long after a
    # poll closes (assembly/domain/closing.py).
    stream_delay: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    call_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # The speaker queue calls room and online speakers in turn (see assembly/domain/queue.py).
    queue_alternate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Lists of strings (JSON): the words the filter holds back, the stakeholder groups offered
    # to participants, the themes contributions are sorted into.
    word_list: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    groups: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    outcomes_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    moderation: Mapped[str] = mapped_column(String(10), default="post")  # post | pre
    room_secret: Mapped[str] = mapped_column(String(64))
    # The big screen's secret address (/screen/{slug}/open/{key}) for a projector that nobody
    # logs in on; changing it locks out every screen opened with the old one.
    screen_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    status: Mapped[str] = mapped_column(String(10), default="open")  # draft | open | closed
    # Days after which `assembly purge` anonymises participant data; None keeps it.
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    current_session_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Session(Base):
    """An agenda item with a prompt; one per event is current."""

    __tablename__ = "session"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int | None] = mapped_column(Integer, default=None)  # planned length
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The session's timer (assembly/domain/clock.py): when it runs out, while it runs; the
    # seconds it had left, while paused; neither when it was never started or was reset.
    timer_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    timer_left_seconds: Mapped[int | None] = mapped_column(Integer, default=None)


class Participant(Base):
    __tablename__ = "participant"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(10), default="public")
    display_name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    # One of the event's stakeholder groups ("" for none), and a member's table from the roster.
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    table_label: Mapped[str] = mapped_column(String(MAX_TABLE), default="", server_default="")
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The newest response to any of their contributions (set by ``domain.respond``): a page
    # load compares it with the newest their browser has seen, and looks for unread replies
    # only when it is newer, so a page load costs no query for the many who have none.
    last_reply_id: Mapped[int | None] = mapped_column(Integer, default=None)


class Member(Base):
    """An assembly member from the roster, with the personal code printed on their card.
    ``participant_id`` is whoever opened the card last; ``checked_in_at`` is set when they join
    or a helper checks them in at the door (a member without a phone still counts)."""

    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_MEMBER_NAME))
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    table_label: Mapped[str] = mapped_column(String(MAX_TABLE), default="", server_default="")
    # Made their table's facilitator in the console: they post its summaries (channel table).
    table_facilitator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    code: Mapped[str] = mapped_column(String(16), unique=True)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None
    )
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
