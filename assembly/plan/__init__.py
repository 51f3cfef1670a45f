"""The plan file: an event's whole plan as YAML, parsed at the edge into these dataclasses.

``read.read_plan(text)`` turns a file into a ``Plan``, or raises ``PlanError`` with every problem
it found, each "line N: field: what is wrong and what to do"; ``write.write_plan(plan)`` writes
the one spelling of a plan, which ``read_plan`` reads back to the same plan. The key names are
part of the stable contract (docs/plan.md): keys may be added, these do not change.

This module holds only the shapes, so the domain can import it without the YAML reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

EVENT_STATUSES = ("draft", "open", "closed")
MODERATIONS = ("post", "pre")
POLL_KINDS = ("single", "multiple", "scale", "ranking", "statements", "open_text")
SUPPORTED_KINDS = POLL_KINDS
# Poll keys of the contract that this version cannot honour yet: refused, never ignored, so
# that a plan never runs with a setting its organiser believes is on.
POLL_AUDIENCES = ("everyone", "members", "room")
POLL_RESULTS = ("live", "on_reveal", "never")
POLL_MAJORITIES = ("simple", "two_thirds", "none")
POLL_KEYS_NOT_YET: tuple[str, ...] = ()  # every key of the contract is honoured now


@dataclass(frozen=True)
class PollPlan:
    question: str
    options: tuple[str, ...]
    kind: str = "single"
    audience: str = "everyone"
    # A secret ballot: stored without its voter, final once cast (docs/secret-ballots.md).
    secret: bool = False
    # The kind's own settings; None (or no labels) for the keys of other kinds.
    max_choices: int | None = None  # multiple: at most this many (None: any number)
    points: int | None = None  # scale: 2..10
    labels: tuple[str, ...] = ()  # scale: the lowest and the highest point's labels
    rank_top: int | None = None  # ranking: rank only the top this many (None: all)
    # statements (their ``options`` are the statements): participants may add statements.
    allow_new_statements: bool = False
    # When the room sees the result, what carries, and the share of checked-in members who
    # must vote (docs/results.md).
    results: str = "live"
    majority: str = "none"
    quorum: float | None = None


@dataclass(frozen=True)
class SessionPlan:
    title: str
    prompt: str = ""
    minutes: int | None = None
    private: bool = False
    polls: tuple[PollPlan, ...] = ()


@dataclass(frozen=True)
class EventPlan:
    slug: str
    title: str
    status: str = "draft"
    description: str = ""
    starts_on: date | None = None
    venue: str = ""
    stream_url: str = ""
    stream_delay: int = 30
    call_url: str = ""
    moderation: str = "post"
    outcomes_public: bool = False
    retention_days: int | None = None
    groups: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    word_list: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    event: EventPlan
    sessions: tuple[SessionPlan, ...] = ()
    # Where the file named the slug, for a problem found later (an event already called so).
    slug_line: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class PlanError(Exception):
    """A plan file that cannot be imported: every problem found, and its slug if it had one."""

    def __init__(self, problems: list[Problem], slug: str | None = None, slug_line: int = 1):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
        self.slug = slug
        self.slug_line = slug_line
