"""The outcomes report as data: the figures, then each session's story, read once and handed
to the templates (the organisers' printable report and the public story share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain import results
from assembly.models import Contribution, Event, Session
from assembly.outcomes.voice import Voice, share_of_voice
from assembly.render import CHANNEL_LABELS
from assembly.report import figures, read
from assembly.report.charts import Chart, share_text
from assembly.report.polls import PollReport, poll_report


@dataclass(frozen=True)
class SessionReport:
    number: int  # its place on the agenda, from 1
    session: Session
    top: list[Contribution]
    by_kind: list[tuple[str, list[Contribution]]]
    featured: list[Contribution]
    settled: read.Settled
    polls: list[PollReport]


@dataclass(frozen=True)
class Report:
    event: Event
    names: bool  # authors' names shown (organisers' choice; never on the public story)
    public: bool  # the public story: private sessions and unrevealed results left out
    made_at: datetime
    people: figures.Tally  # participants by channel
    roles: figures.Tally
    groups: figures.Tally
    said: figures.Tally  # contributions by channel
    outcomes: figures.Outcomes
    responded: int
    median_response: float | None
    online: figures.OnlineVoice
    voice: Voice
    charts: dict[str, Chart]
    sessions: list[SessionReport] = field(default_factory=list)
    left_out: list[Session] = field(default_factory=list)  # private sessions, on the story

    @property
    def median_text(self) -> str:
        return figures.duration_text(self.median_response)


def _channel_chart(people: figures.Tally, said: figures.Tally) -> Chart:
    """Each channel's share of the people against its share of the contributions (channels
    with neither are left out of the drawing; the tables below keep their zeros)."""
    rows = [(p, s) for p, s in zip(people.rows, said.rows, strict=True) if p[1] or s[1]]
    return Chart(
        "chart-voice",
        "Share of people and share of voice, by channel",
        "For each channel, its share of the people who took part and its share of the "
        "contributions.",
        [p[0] for p, _ in rows],
        ["People", "Contributions"],
        [[p[2], s[2]] for p, s in rows],
        [[share_text(p[1], p[2]), share_text(s[1], s[2])] for p, s in rows],
        caption=f"{people.total:,} people, {said.total:,} contributions.",
        heading="Channel",
    )


def _outcome_chart(o: figures.Outcomes) -> Chart:
    return Chart(
        "chart-outcomes",
        "What became of the contributions",
        f"Of {o.tally.total:,} contributions, how many were answered, taken forward, not "
        "taken forward, or are still open.",
        [label for label, _, _ in o.tally.rows],
        ["Contributions"],
        [[pct] for _, _, pct in o.tally.rows],
        [[share_text(n, pct)] for _, n, pct in o.tally.rows],
        heading="Outcome",
    )


async def _session(db: AsyncSession, number: int, s: Session, public: bool) -> SessionReport:
    views = await read.polls(db, s)
    if public:  # only what the room was shown: a result never revealed stays on the console
        views = [v for v in views if results.shown_to_room(v)]
    return SessionReport(
        number,
        s,
        await read.top(db, s),
        await read.top_by_kind(db, s),
        await read.featured(db, s),
        await read.settled(db, s),
        [poll_report(v, f"chart-poll-{v.poll.id}") for v in views],
    )


async def build(
    db: AsyncSession, event: Event, *, names: bool = False, public: bool = False
) -> Report:
    """Read everything the report shows. ``public``: the story's cut (no names whatever
    ``names`` says, no private sessions, no results the room was not shown)."""
    names = names and not public
    all_sessions = await read.sessions(db, event)
    private = [s for s in all_sessions if s.private] if public else []
    excluded = {s.id for s in private}
    joined = await read.people(db, event, "channel")
    counts, spoken = await read.voice(db, event, excluded)
    outcome_counts, reasons = await read.outcome_counts(db, event, excluded)
    delays = figures.response_delays(await read.first_responses(db, event, excluded))
    people = figures.by_channel(joined, CHANNEL_LABELS)
    said = figures.by_channel({ch: c.contributions for ch, c in counts.items()}, CHANNEL_LABELS)
    outcomes = figures.outcomes(outcome_counts, reasons)
    return Report(
        event=event,
        names=names,
        public=public,
        made_at=datetime.now(UTC),
        people=people,
        roles=figures.by_role(await read.people(db, event, "role")),
        groups=figures.by_group(await read.people(db, event, "group_name")),
        said=said,
        outcomes=outcomes,
        responded=len(delays),
        median_response=figures.median(delays),
        online=figures.online_voice(joined, counts),
        voice=share_of_voice(counts, spoken),
        charts={"voice": _channel_chart(people, said), "outcomes": _outcome_chart(outcomes)},
        sessions=[
            await _session(db, i, s, public)
            for i, s in enumerate(all_sessions, 1)
            if s.id not in excluded
        ],
        left_out=private,
    )
