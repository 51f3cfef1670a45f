"""Races: concurrent requests on two workers must leave the same state as one after the other.

Each test drives the domain (or the ballot writer) from two ``Database`` objects at once, as two
worker processes would: on PostgreSQL their transactions really interleave. On SQLite one process
serialises its writers (``Database.write()``), so there both "workers" share one ``Database``
and the tests check that the answers stay right.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select, update

from assembly import domain
from assembly.config import Settings
from assembly.db import Database
from assembly.domain import Refused
from assembly.models import (
    Ballot,
    Contribution,
    Event,
    FacilitatorAccount,
    Participant,
    Poll,
    Upvote,
)
from assembly.models import Session as AgendaItem
from assembly.writer import BallotWriter

BOTH_DATABASES = True

ROUNDS = 4
UPVOTERS = 10  # concurrent upvotes per round
BALLOTS = 16  # ballots per round racing one close


@asynccontextmanager
async def _workers(url: str) -> AsyncIterator[list[Database]]:
    """Two workers' databases (one shared on SQLite, which runs as one process)."""
    a = Database(url)
    b = a if a.is_sqlite else Database(url)
    try:
        yield [a, b]
    finally:
        await a.dispose()
        if b is not a:
            await b.dispose()


async def _people(db: Database, n: int, channel: str = "room") -> tuple[Event, list[Participant]]:
    async with db.write() as s:
        event = await domain.event_by_slug(s, "demo")
        people = [(await domain.join(s, event, None, channel))[0] for _ in range(n)]
    return event, people


async def _rights_polls(db: Database) -> tuple[FacilitatorAccount, list[Poll]]:
    """Make "Rights and pledges" current; its two polls open to everyone, and the facilitator."""
    async with db.write() as s:
        event = await domain.event_by_slug(s, "demo")
        account = await s.scalar(select(FacilitatorAccount))
        assert account is not None
        session = await s.scalar(select(AgendaItem).where(AgendaItem.title.startswith("Rights")))
        assert session is not None
        await domain.set_current_session(s, event, session.id, account)
        polls = list(
            await s.scalars(
                select(Poll).where(Poll.session_id == session.id, Poll.audience == "everyone")
            )
        )
    assert len(polls) == 2
    return account, sorted(polls, key=lambda p: p.id)


async def _set_status(db: Database, account: FacilitatorAccount, poll_id: int, status: str) -> Any:
    """What the console's POST does: load the event, change the poll, commit."""
    async with db.write() as s:
        event = await domain.event_by_slug(s, "demo")
        return await domain.set_poll_status(s, event, account, poll_id, status)


# --- 1. upvotes ---------------------------------------------------------------------------


def test_concurrent_upvotes_are_all_counted(settings: Settings) -> None:
    async def main() -> list[tuple[int, int]]:
        async with _workers(settings.database_url) as dbs:
            event, people = await _people(dbs[0], UPVOTERS + 1)
            async with dbs[0].write() as s:
                c = await domain.post_contribution(s, event, people[0], "idea", "Upvote me")
            seen = []
            for n in range(ROUNDS):  # on, off, on, off: both directions race

                async def one(i: int, p: Participant, on: bool) -> None:
                    async with dbs[i % 2].write() as s:
                        await domain.set_upvote(s, event, p, c.id, on)

                await asyncio.gather(*(one(i, p, n % 2 == 0) for i, p in enumerate(people[1:])))
                async with dbs[0].read() as s:
                    rows = await s.scalar(
                        select(func.count()).where(Upvote.contribution_id == c.id)
                    )
                    stored = await s.scalar(
                        select(Contribution.upvotes).where(Contribution.id == c.id)
                    )
                seen.append((rows or 0, stored or 0))
            return seen

    seen = asyncio.run(main())
    assert seen == [(UPVOTERS, UPVOTERS), (0, 0)] * (ROUNDS // 2)


def test_an_upvote_is_uncounted_when_its_participant_leaves(settings: Settings) -> None:
    async def main() -> tuple[int, int]:
        async with _workers(settings.database_url) as dbs:
            event, people = await _people(dbs[0], 2)
            async with dbs[0].write() as s:
                c = await domain.post_contribution(s, event, people[0], "idea", "Upvote me")
                await domain.set_upvote(s, event, people[1], c.id, True)
            async with dbs[0].write() as s:
                await domain.leave(s, event, people[1])
            async with dbs[0].read() as s:
                rows = await s.scalar(select(func.count()).where(Upvote.contribution_id == c.id))
                stored = await s.scalar(select(Contribution.upvotes).where(Contribution.id == c.id))
            return rows or 0, stored or 0

    assert asyncio.run(main()) == (0, 0)


# --- 2. one open poll ---------------------------------------------------------------------


def test_two_concurrent_opens_leave_one_poll_open(settings: Settings) -> None:
    async def main() -> list[tuple[int, list[str]]]:
        async with _workers(settings.database_url) as dbs:
            account, polls = await _rights_polls(dbs[0])
            rounds = []
            for _ in range(ROUNDS * 2):
                for p in polls:  # start each round with none open
                    async with dbs[0].write() as s:
                        await s.execute(update(Poll).where(Poll.id == p.id).values(status="draft"))
                answers = await asyncio.gather(
                    *(_set_status(dbs[i], account, p.id, "open") for i, p in enumerate(polls)),
                    return_exceptions=True,
                )
                for answer in answers:  # each request is answered: done, or a sentence (409)
                    assert isinstance(answer, Poll) or (
                        isinstance(answer, Refused) and answer.status == 409
                    ), repr(answer)
                async with dbs[0].read() as s:
                    statuses = list(
                        await s.scalars(
                            select(Poll.status).where(Poll.id.in_([p.id for p in polls]))
                        )
                    )
                rounds.append((sum(isinstance(a, Poll) for a in answers), statuses))
            return rounds

    for _, statuses in asyncio.run(main()):
        assert statuses.count("open") == 1, statuses


# --- 3. ballots racing a close ------------------------------------------------------------


def test_no_ballot_is_accepted_after_its_poll_closes(settings: Settings) -> None:
    async def main() -> None:
        async with _workers(settings.database_url) as dbs:
            account, polls = await _rights_polls(dbs[0])
            writers = [BallotWriter(db) for db in dbs]
            for w in writers:
                await w.start()
            try:
                for _ in range(ROUNDS):
                    await _race_a_close(dbs, writers, account, polls[0])
            finally:
                for w in writers:
                    await w.stop()

    asyncio.run(main())


async def _race_a_close(
    dbs: list[Database], writers: list[BallotWriter], account: FacilitatorAccount, poll: Poll
) -> None:
    await _set_status(dbs[0], account, poll.id, "open")
    event, people = await _people(dbs[0], BALLOTS)
    async with dbs[0].read() as s:
        option = (await domain.poll_view(s, poll)).options[0].id
    first = asyncio.Event()

    async def vote(i: int, p: Participant) -> bool:
        """Cast one ballot; True if acknowledged, False if refused because the poll closed."""
        try:
            if i % 4 == 3:  # a phone's first action: the participant is made with the ballot
                async with dbs[i % 2].write() as s:
                    new, _ = await domain.join(s, event, None, "room")
                    await domain.cast_ballot(s, event, new, poll.id, str(option))
                    acked[new.id] = True
            else:
                await writers[i % 2].cast(event, p, poll.id, option, None)
                acked[p.id] = True
            return True
        except Refused as exc:
            assert exc.status == 409 and "closed" in exc.message, exc.message
            return False
        finally:
            first.set()

    async def close() -> None:
        await first.wait()  # the close lands in the middle of the ballots
        await _set_status(dbs[1], account, poll.id, "closed")

    acked: dict[str, bool] = {}

    # Ballots arrive in waves, as from a room of phones, so some are in flight at the close.
    async def waves() -> None:
        for k in range(0, BALLOTS, 4):
            await asyncio.gather(*(vote(i, people[i]) for i in range(k, k + 4)))

    await asyncio.gather(waves(), close())
    async with dbs[0].read() as s:
        closed_at = await s.scalar(select(Poll.closed_at).where(Poll.id == poll.id))
        stored = {
            pid: cast_at
            for pid, cast_at in await s.execute(
                select(Ballot.participant_id, Ballot.cast_at).where(Ballot.poll_id == poll.id)
            )
        }
    assert closed_at is not None
    late = [at for at in stored.values() if at > closed_at]
    assert not late, f"{len(late)} ballots stored after the close at {closed_at}: {late}"
    assert set(acked) <= set(stored)  # every acknowledged ballot is stored
