"""The tables: event, session, participant, contribution, upvote, poll, ballot, accounts, audit."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CHANNELS = ("room", "online", "table", "paper", "external")
KINDS = ("idea", "experience", "question", "concern")
MAX_TEXT = 1000
MAX_NAME = 60
MAX_GROUP = 60  # characters in a stakeholder group's name
MAX_MEMBER_NAME = 120  # a roster's full name
MAX_TABLE = 40  # characters in a table's label ("3", "Table A")
# What an account may be on one event's team (see ``assembly.domain.access`` for what each may do).
TEAM_ROLES = ("organiser", "facilitator", "moderator", "helper")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


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
    # Seconds the stream runs behind the room: the online page holds pushes back by as much.
    stream_delay: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    call_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
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


class Contribution(Base):
    __tablename__ = "contribution"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session.id", ondelete="SET NULL"), default=None
    )
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    # The author's stakeholder group when they posted, for results by group.
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="visible")  # pending|visible|hidden
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Loaded with every contribution (one extra SELECT per query, not per row): pages and
    # pushes render outside the database session, where a lazy load cannot happen.
    responses: Mapped[list[Response]] = relationship(
        lazy="selectin",
        order_by="Response.id",
        # Deleting a contribution deletes its responses (the database cascades it too).
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Response(Base):
    """A facilitator's answer to a contribution, shown under it to everyone who can see it."""

    __tablename__ = "response"
    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Upvote(Base):
    __tablename__ = "upvote"
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )


_OPEN = text("status = 'open'")


class Poll(Base):
    __tablename__ = "poll"
    # One open poll per event, whatever runs at the same moment: the poll on the phones is
    # always the one on the screen (`set_poll_status` also locks the event to keep it so).
    __table_args__ = (
        Index(
            "uq_poll_one_open_per_event",
            "event_id",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), default=None
    )
    question: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), default="single")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft|open|closed
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Raised in the same transaction as every change to the poll or its ballots: a tally
    # carries the revision it counted, and pages keep the tally with the highest.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PollOption(Base):
    __tablename__ = "poll_option"
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))


class Ballot(Base):
    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("poll_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    # None once its participant left or was purged: the ballot stays as an anonymous total.
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_option.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    # The voter's stakeholder group when they voted, for results by group.
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


MAX_KEY = 64  # characters in an idempotency key


class RequestKey(Base):
    """An idempotency key already used by an actor: a retried POST is answered, not redone."""

    __tablename__ = "request_key"
    actor: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FacilitatorAccount(Base):
    """A login for the team. ``role`` is "organiser" for the installation's organisers (they
    create events and may open every event) and "staff" for everyone else, who get their
    rights on each event through its team (``TeamMember``)."""

    __tablename__ = "facilitator_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12), default="staff")
    # Changing login_nonce logs the account out everywhere (it is inside every staff cookie).
    login_nonce: Mapped[str] = mapped_column(String(32), default="")
    # Rotated whenever a one-time login link is issued or used, so each link works once.
    link_nonce: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TeamMember(Base):
    """An account's role on one event's team; it gives nothing on any other event."""

    __tablename__ = "team_member"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(12))  # one of TEAM_ROLES
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TeamInvite(Base):
    """A one-time link that puts whoever opens it on an event's team; only its hash is kept."""

    __tablename__ = "team_invite"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(MAX_NAME), default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    used_by: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="SET NULL"), default=None
    )


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
    code: Mapped[str] = mapped_column(String(16), unique=True)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None
    )
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), index=True, default=None
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
