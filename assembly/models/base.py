"""The declarative base, the limits on stored text, and the values columns take."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

CHANNELS = ("room", "online", "table", "paper", "external")
KINDS = ("idea", "experience", "question", "concern")
# What became of a contribution (you said, we did), and how people read it.
OUTCOMES = {
    "open": "Open",
    "answered": "Answered",
    "taken_forward": "Taken forward",
    "not_taken_forward": "Not taken forward",
}
MAX_TEXT = 1000
MAX_NAME = 60
MAX_GROUP = 60  # characters in a stakeholder group's name
MAX_MEMBER_NAME = 120  # a roster's full name
MAX_TABLE = 40  # characters in a table's label ("3", "Table A")
# Where an external contribution came from: a hashtag, an inbox, a form (the API's "source").
MAX_SOURCE = 100
# What an account may be on one event's team (see ``assembly.domain.access`` for what each may do).
TEAM_ROLES = ("organiser", "facilitator", "moderator", "helper")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime: SQLite hands back naive datetimes for what was
    stored in UTC (PostgreSQL gives them aware already)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
