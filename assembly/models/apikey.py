"""API keys: what lets a program (a social media bridge, an inbox) post to one event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models.base import MAX_NAME, Base, utcnow

KEY_PREFIX = 8  # characters of a key shown in the organiser's list, to tell keys apart


class ApiKey(Base):
    """A key for one event's API. Only a hash of the key is kept; the key is shown once."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(MAX_NAME))
    prefix: Mapped[str] = mapped_column(String(KEY_PREFIX))
    # sha256 of the key, hex (see assembly/domain/apikeys.py for why no slow hash is needed).
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
