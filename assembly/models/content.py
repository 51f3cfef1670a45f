"""What people say and decide: contributions, responses, upvotes, polls, options and ballots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assembly.models.base import MAX_GROUP, MAX_NAME, MAX_SOURCE, MAX_TABLE, Base, utcnow


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
    # The table it came from: a table facilitator's summary, or a paper card's table.
    table_label: Mapped[str] = mapped_column(String(MAX_TABLE), default="", server_default="")
    # Where an external contribution (channel "external", posted through the API) came from:
    # a hashtag, an inbox. Empty for every other channel.
    source: Mapped[str] = mapped_column(String(MAX_SOURCE), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="visible")  # pending|visible|hidden
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # --- issue 11, you said, we did: what became of it (see OUTCOMES); ``answered`` is kept
    # equal to ``outcome == "answered"``. A reason is required for "not_taken_forward".
    outcome: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    outcome_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The event's themes it is tagged with (one row each): filtered and grouped in SQL alike
    # on SQLite and PostgreSQL. Loaded like the responses (one SELECT per query).
    theme_tags: Mapped[list[ContributionTheme]] = relationship(
        lazy="selectin",
        order_by="ContributionTheme.theme",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # --- end issue 11 outcomes
    # Loaded with every contribution (one extra SELECT per query, not per row): pages and
    # pushes render outside the database session, where a lazy load cannot happen.
    responses: Mapped[list[Response]] = relationship(
        lazy="selectin",
        order_by="Response.id",
        # Deleting a contribution deletes its responses (the database cascades it too).
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ContributionTheme(Base):
    """One of the event's themes a facilitator tagged a contribution with."""

    __tablename__ = "contribution_theme"
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(MAX_NAME), primary_key=True, index=True)


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
    # Its place among its session's polls (organisers reorder them on the setup page).
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    question: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), default="single")
    # Who may vote: everyone, the assembly's members only, or only people in the room.
    audience: Mapped[str] = mapped_column(String(10), default="everyone", server_default="everyone")
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft|open|closed
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # After a close, online participants may still vote until then: they watch the stream,
    # which runs the event's stream delay behind the room (None: no grace).
    online_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Raised in the same transaction as every change to the poll or its ballots: a tally
    # carries the revision it counted, and pages keep the tally with the highest.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The kind's own settings (see `assembly.kinds`); a kind ignores the others'.
    max_choices: Mapped[int | None] = mapped_column(Integer, default=None)  # multiple; None: any
    points: Mapped[int] = mapped_column(Integer, default=5, server_default="5")  # scale: 2..10
    labels: Mapped[list[str] | None] = mapped_column(JSON, default=None)  # scale: [low, high]
    rank_top: Mapped[int | None] = mapped_column(Integer, default=None)  # ranking; None: all
    # statements: participants may add statements (moderated like contributions).
    allow_statements: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When people see the result: live, on_reveal (the number of ballots until `revealed_at`),
    # never (console and exports only).
    results: Mapped[str] = mapped_column(String(10), default="live", server_default="live")
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # A secret ballot: stored without its voter; a `BallotReceipt` stops a second one.
    secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The ballots counted in the tally last published (secret polls publish every few ballots).
    published_ballots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # That tally's ballots by what they say, [[option_id, marks, n], …]: what a secret poll
    # shows until the next publish (`assembly.domain.secret`); None: nothing published yet.
    published_tally: Mapped[list[list[object]] | None] = mapped_column(JSON, default=None)
    # What carries: simple | two_thirds | none; quorum: a share (0..1] of checked-in members.
    majority: Mapped[str] = mapped_column(String(12), default="none", server_default="none")
    quorum: Mapped[float | None] = mapped_column(Float, default=None)


class PollOption(Base):
    __tablename__ = "poll_option"
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    # statements added by participants are moderated like contributions: pending|visible|hidden.
    status: Mapped[str] = mapped_column(String(10), default="visible", server_default="visible")
    # Who added a statement (None: the organisers, or its author left).
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None
    )


class Ballot(Base):
    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("poll_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    # None once its participant left or was purged: the ballot stays as an anonymous total.
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    # The option chosen (single), the first chosen or ranked (multiple, ranking), or None (scale).
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("poll_option.id", ondelete="CASCADE"), default=None
    )
    # The whole answer of a kind other than single, as its kind writes it (`PollKind.marks`):
    # chosen option ids, ranked option ids, or a scale value; "" for single.
    marks: Mapped[str] = mapped_column(Text, default="", server_default="")
    channel: Mapped[str] = mapped_column(String(10))
    # The voter's stakeholder group when they voted, for results by group.
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    # The voter's role when they voted (member | public), for members and public side by side.
    role: Mapped[str] = mapped_column(String(10), default="public", server_default="public")
    # An open_text answer the facilitators hid from the list and the cloud.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BallotReceipt(Base):
    """Who has voted in a secret poll (not what): it stops a second ballot. No id, no time."""

    __tablename__ = "ballot_receipt"
    # SQLite: stored in key order (poll, participant), not in the order people voted.
    __table_args__ = {"sqlite_with_rowid": False}
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
