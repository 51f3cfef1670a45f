"""The tables of the polls: ballots one by one (never a secret poll's) and each poll's result
per option, statement, scale point or answer, with members and public side by side and the
majority and quorum outcome, read through ``poll_view`` as the console reads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly import kinds
from assembly.domain import poll_view
from assembly.domain.pollview import PollView
from assembly.domain.results import rows_of
from assembly.exports.dataset import Dataset, Row, columns, utc
from assembly.exports.dataset_people import batches, session_titles
from assembly.exports.dataset_privacy import Disclosure
from assembly.models import Ballot, Event, Poll, PollOption, Session
from assembly.outcomes.shares import percent

STANCE_WORDS = {"a": "agree", "d": "disagree", "p": "pass"}


@dataclass(frozen=True)
class _PollFacts:
    question: str
    kind: str
    points: int


def ballots(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns(
        "participant",
        "poll_id:int",
        "poll",
        "kind",
        "answer",
        "hidden:bool",
        "channel",
        "role",
        "group",
        "cast_at:datetime",
    )
    return Dataset(
        "ballots",
        "Every ballot of the polls that are not secret, with its answer in words; secret "
        "polls appear only as totals in the poll results.",
        cols,
        _ballot_rows(s, event, d),
    )


async def _ballot_rows(s: AsyncSession, event: Event, d: Disclosure) -> AsyncIterator[Row]:
    polls = {
        p.id: _PollFacts(p.question, p.kind, p.points)
        for p in await s.scalars(select(Poll).where(Poll.event_id == event.id))
    }
    options = await s.execute(
        select(PollOption.id, PollOption.label)
        .join(Poll, Poll.id == PollOption.poll_id)
        .where(Poll.event_id == event.id)
    )
    labels = {option_id: label for option_id, label in options}
    b = Ballot
    stmt = (
        select(b.participant_id, b.poll_id, b.option_id, b.marks, b.hidden, b.channel, b.role)
        .add_columns(b.group_name, b.cast_at)
        .join(Poll, Poll.id == b.poll_id)
        .where(Poll.event_id == event.id, d.ballot_rows())
        .order_by(b.id)
    )
    async for part in batches(s, stmt):
        for who, poll_id, option_id, marks, hidden, channel, role, group, cast_at in part:
            facts = polls[poll_id]
            said = answer_in_words(facts, labels, option_id, marks)
            yield (
                d.pseudonym(who),
                poll_id,
                facts.question,
                facts.kind,
                d.answer(said, hidden) if facts.kind == "open_text" else said,
                hidden,
                channel,
                role,
                group,
                utc(cast_at),
            )


def answer_in_words(
    facts: _PollFacts, labels: dict[int, str], option_id: int | None, marks: str
) -> str:
    """A stored ballot as a person reads it: "Trams; Buses", "1. Trams; 2. Buses", "4 of 5",
    "Statement: agree; …", or an open text answer as written."""
    answer = kinds.KINDS[facts.kind].read(option_id, marks)
    named = [labels.get(o, f"option {o}") for o in answer.options]
    if facts.kind == "ranking":
        return "; ".join(f"{place}. {label}" for place, label in enumerate(named, 1))
    if facts.kind == "scale":
        return f"{answer.value} of {facts.points}" if answer.value is not None else ""
    if facts.kind == "statements":
        stances = (STANCE_WORDS.get(x, x) for x in answer.stances)
        pairs = zip(named, stances, strict=False)
        return "; ".join(f"{label}: {stance}" for label, stance in pairs)
    if facts.kind == "open_text":
        return answer.text
    return "; ".join(named)


def poll_results(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns(
        "poll_id:int",
        "session",
        "poll",
        "kind",
        "secret:bool",
        "status",
        "ballots:int",
        "item",
        "count:int",
        "percent:int",
        "borda_points:int",
        "agree:int",
        "disagree:int",
        "pass:int",
        "members:int",
        "public:int",
        "summary",
        "outcome",
    )
    return Dataset(
        "poll_results",
        "Each poll's result, one row per option, statement, scale point or answer given, with "
        "members and public side by side and whether the majority and the quorum were met.",
        cols,
        _result_rows(s, event),
    )


async def _result_rows(s: AsyncSession, event: Event) -> AsyncIterator[Row]:
    titles = await session_titles(s, event)
    polls = list(
        await s.scalars(
            select(Poll)
            .outerjoin(Session, Session.id == Poll.session_id)
            .where(Poll.event_id == event.id)
            .order_by(Session.position, Poll.position, Poll.id)
        )
    )
    for poll in polls:
        # One poll at a time: a view holds one poll's grouped ballots, never the event's.
        view = await poll_view(s, poll)
        head = (
            poll.id,
            titles.get(poll.session_id, "") if poll.session_id is not None else "",
            poll.question,
            poll.kind,
            poll.secret,
            poll.status,
            view.ballots,
        )
        tail = (view.summary, view.outcome)
        for item in _items(view):
            yield (*head, *item, *tail)


Item = tuple[str, int, int, Any, Any, Any, Any, Any, Any]


def _items(view: PollView) -> list[Item]:
    """(item, count, percent, borda points, agree, disagree, pass, members, public) per row."""
    kind = view.poll.kind
    if kind == "statements":
        out: list[Item] = []
        for r in view.result.statements:
            t = r.everyone
            n = t.agree + t.disagree + t.passed
            share = percent(n, view.ballots)
            cells = (t.agree, t.disagree, t.passed, None, None)
            out.append((view.label(r.statement), n, share, None, *cells))
        return out
    if kind == "open_text":
        # Every distinct answer with its ballots (hidden answers are not in the view at all).
        given: dict[str, int] = {}
        for (_, marks), n in view.groups.items():
            given[marks] = given.get(marks, 0) + n
        ranked = sorted(given.items(), key=lambda tn: (-tn[1], tn[0].casefold()))
        return [(text, n, percent(n, view.ballots), *(None,) * 6) for text, n in ranked] or [
            ("", 0, 0, *(None,) * 6)
        ]
    sides: dict[str, dict[str, int]] = {}
    if view.sides is not None:
        for column in view.sides.columns:
            sides[column.name] = {label: n for label, n, _ in column.rows}
    points = view.result.points if kind == "ranking" else {}
    borda = {view.label(o): p for o, p in points.items()}
    out = []
    for label, n in rows_of(view, view.groups) or []:
        members = sides.get("Members", {}).get(label)
        public = sides.get("Public", {}).get(label)
        share = percent(n, view.ballots)
        out.append((label, n, share, borda.get(label), None, None, None, members, public))
    return out
