"""The team and its records: accounts, event teams, team invites, idempotency keys, the audit
log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models.base import MAX_NAME, Base, utcnow

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
