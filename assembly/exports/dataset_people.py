"""The tables of what people did: contributions (with their themes and responses), speakers,
participants and the audit log. Each streams its rows ``BATCH`` at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.queue import seconds_between
from assembly.exports.dataset import BATCH, Dataset, Row, columns, utc
from assembly.exports.dataset_privacy import Disclosure
from assembly.models import (
    AuditEntry,
    Contribution,
    ContributionTheme,
    Event,
    FacilitatorAccount,
    Participant,
    Response,
    Session,
    SpeakerRequest,
)


async def session_titles(s: AsyncSession, event: Event) -> dict[int, str]:
    """The event's sessions by id: their titles (a handful, read once)."""
    rows = await s.execute(select(Session.id, Session.title).where(Session.event_id == event.id))
    return {i: title for i, title in rows}


async def batches(s: AsyncSession, stmt: Executable) -> AsyncIterator[Sequence[Any]]:
    """The rows of ``stmt``, ``BATCH`` at a time, from a streaming cursor."""
    result = await s.stream(stmt.execution_options(yield_per=BATCH))
    async for part in result.partitions():
        yield part


def contributions(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns(
        "id:int",
        "participant",
        "session",
        "channel",
        "kind",
        "text",
        "group",
        "table",
        "status",
        "pinned:bool",
        "featured:bool",
        "upvotes:int",
        "outcome",
        "outcome_reason",
        "themes:list",
        "responses:list:\n",
        "created_at:datetime",
        *d.name_column("author_name"),
    )
    return Dataset(
        "contributions",
        "Every contribution with its session, channel, kind, flags, themes, upvotes, outcome "
        "and responses.",
        cols,
        _contribution_rows(s, event, d),
    )


async def _contribution_rows(s: AsyncSession, event: Event, d: Disclosure) -> AsyncIterator[Row]:
    titles = await session_titles(s, event)
    c = Contribution
    stmt = (
        select(c.id, c.participant_id, c.session_id, c.channel, c.kind, c.text, c.group_name)
        .add_columns(c.table_label, c.status, c.pinned, c.featured, c.upvotes, c.outcome)
        .add_columns(c.outcome_reason, c.created_at, c.author_name)
        .where(c.event_id == event.id)
        .order_by(c.id)
    )
    async for part in batches(s, stmt):
        ids = [row[0] for row in part]
        # Themes and responses of the batch in two queries (not two per contribution).
        themes: dict[int, list[str]] = defaultdict(list)
        for cid, theme in await s.execute(
            select(ContributionTheme.contribution_id, ContributionTheme.theme)
            .where(ContributionTheme.contribution_id.in_(ids))
            .order_by(ContributionTheme.theme)
        ):
            themes[cid].append(theme)
        said: dict[int, list[str]] = defaultdict(list)
        for cid, text in await s.execute(
            select(Response.contribution_id, Response.text)
            .where(Response.contribution_id.in_(ids))
            .order_by(Response.id)
        ):
            said[cid].append(text)
        for cid, who, session, *rest, created_at, author in part:
            yield (
                cid,
                d.pseudonym(who),
                titles.get(session, ""),
                *rest,
                themes.get(cid, []),
                said.get(cid, []),
                utc(created_at),
                *d.name(author),
            )


def speakers(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns(
        "speaker",
        "session",
        "channel",
        "group",
        "topic",
        "status",
        "requested_at:datetime",
        "called_at:datetime",
        "started_at:datetime",
        "finished_at:datetime",
        "seconds_spoken:int",
    )
    return Dataset(
        "speakers",
        "Every raised hand: when it was raised, called and finished, and the seconds spoken.",
        cols,
        _speaker_rows(s, event, d),
    )


async def _speaker_rows(s: AsyncSession, event: Event, d: Disclosure) -> AsyncIterator[Row]:
    titles = await session_titles(s, event)
    r = SpeakerRequest
    stmt = (
        select(r.participant_id, r.session_id, r.channel, r.group_name, r.topic, r.status)
        .add_columns(r.raised_at, r.called_at, r.started_at, r.ended_at)
        .where(r.event_id == event.id)
        .order_by(r.id)
    )
    async for part in batches(s, stmt):
        for who, session, channel, group, topic, status, *times in part:
            raised, called, started, ended = (utc(t) for t in times)
            # As the console's share of voice counts it (0 for clocks out of step, never less).
            spoken = seconds_between(started, ended) if started and ended else None
            yield (
                d.pseudonym(who),
                titles.get(session, ""),
                channel,
                group,
                topic,
                status,
                raised,
                called,
                started,
                ended,
                spoken,
            )


def participants(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns(
        "participant",
        "channel",
        "role",
        "group",
        "table",
        "joined_at:datetime",
        *d.name_column("display_name"),
    )
    return Dataset(
        "participants",
        "Everyone who joined, under a stable pseudonymous id: channel, role, group and table.",
        cols,
        _participant_rows(s, event, d),
    )


async def _participant_rows(s: AsyncSession, event: Event, d: Disclosure) -> AsyncIterator[Row]:
    p = Participant
    stmt = (
        select(p.id, p.channel, p.role, p.group_name, p.table_label, p.joined_at, p.display_name)
        .where(p.event_id == event.id)
        .order_by(p.joined_at, p.id)
    )
    async for part in batches(s, stmt):
        for who, channel, role, group, table, joined, name in part:
            yield (d.pseudonym(who), channel, role, group, table, utc(joined), *d.name(name))


def audit_log(s: AsyncSession, event: Event, d: Disclosure) -> Dataset:
    cols = columns("at:datetime", "account", "action", "target")
    return Dataset(
        "audit_log",
        "Every moderation, facilitation and setup action on the event: when, who, what.",
        cols,
        _audit_rows(s, event),
    )


async def _audit_rows(s: AsyncSession, event: Event) -> AsyncIterator[Row]:
    a = AuditEntry
    stmt = (
        select(a.at, FacilitatorAccount.username, a.action, a.target)
        .outerjoin(FacilitatorAccount, FacilitatorAccount.id == a.account_id)
        .where(a.event_id == event.id)
        .order_by(a.id)
    )
    async for part in batches(s, stmt):
        for at, username, action, target in part:
            yield (utc(at), username or "", action, target)
