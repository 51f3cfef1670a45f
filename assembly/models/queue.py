"""The speaker queue: a participant's raised hand, from raised to called, speaking and done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models.base import MAX_GROUP, Base, utcnow

MAX_TOPIC = 120  # characters in a raised hand's one-line topic
HAND_STATUSES = ("waiting", "called", "speaking", "done", "lowered")
# A hand still up: one per participant per event (a second raise is refused).
_UP = text("status IN ('waiting', 'called', 'speaking')")


class SpeakerRequest(Base):
    """A raised hand. Its channel and group are the participant's when they raised it; the
    started and ended times give the speaking time per channel (share of voice)."""

    __tablename__ = "speaker_request"
    __table_args__ = (
        Index(
            "uq_speaker_request_one_up",
            "event_id",
            "participant_id",
            unique=True,
            postgresql_where=_UP,
            sqlite_where=_UP,
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session.id", ondelete="SET NULL"), default=None
    )
    # None once the participant left: the speaking time stays, as an anonymous total.
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(10))
    group_name: Mapped[str] = mapped_column(String(MAX_GROUP), default="", server_default="")
    topic: Mapped[str] = mapped_column(String(MAX_TOPIC), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # see HAND_STATUSES
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
