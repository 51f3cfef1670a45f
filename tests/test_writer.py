"""The ballot writer: many ballots, one commit; each request still gets its own answer."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import make_url, select, text
from starlette.testclient import TestClient

from assembly import domain
from assembly.config import Settings
from assembly.db import Database
from assembly.domain import Refused
from assembly.models import Ballot, Participant, Poll
from assembly.writer import BallotWriter
from tests.conftest import login
from tests.test_contributions import rows
from tests.test_polls import open_first_poll

BOTH_DATABASES = True


def _participants(client: TestClient, n: int) -> None:
    for _ in range(n):
        client.cookies.clear()
        client.get("/e/demo")


def test_a_burst_is_committed_in_groups_with_every_answer_right(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    _participants(client, 30)
    people = rows(client, Participant)

    async def burst() -> tuple[list[Any], int]:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.read() as db:
            event = await domain.event_by_slug(db, "demo")
        before = st.ballots.batches
        calls = [st.ballots.cast(event, p, poll.id, options[0].id, f"k{p.id}") for p in people]
        # Someone changes their mind within the same group: the later ballot wins.
        calls.append(st.ballots.cast(event, people[0], poll.id, options[1].id, "change"))
        # A retry of a ballot already in this group is answered as a repeat.
        calls.append(st.ballots.cast(event, people[1], poll.id, options[0].id, f"k{people[1].id}"))
        # An option of another poll is refused for that request only.
        calls.append(st.ballots.cast(event, people[2], poll.id, 10**9, "bad"))
        results = await asyncio.gather(*calls, return_exceptions=True)
        return results, st.ballots.batches - before

    results, batches = client.portal.call(burst)  # type: ignore[union-attr]
    # Each stored ballot is answered with its poll; the repeat with None.
    assert [r.id for r in results[: len(people) + 1]] == [poll.id] * (len(people) + 1)
    assert results[len(people) + 1] is None
    assert isinstance(results[-1], Refused) and results[-1].status == 422
    assert batches < len(people)  # grouped: far fewer commits than ballots
    stored = {b.participant_id: b.option_id for b in rows(client, Ballot)}
    assert len(stored) == len(people)
    assert stored[people[0].id] == options[1].id
    assert all(stored[p.id] == options[0].id for p in people[1:])


def test_a_ballot_the_database_refuses_fails_alone_not_its_whole_group(
    client: TestClient,
) -> None:
    """Someone leaves while their ballot waits in a group: the others' ballots still count."""
    token = login(client)
    poll, options = open_first_poll(client, token)
    _participants(client, 4)
    people = rows(client, Participant)
    leaver = people[0]

    async def group() -> list[Any]:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.write() as db:
            event = await domain.event_by_slug(db, "demo")
            await db.execute(text("DELETE FROM participant WHERE id = :p"), {"p": leaver.id})
        calls = [st.ballots.cast(event, p, poll.id, options[0].id, None) for p in people]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    results = client.portal.call(group)  # type: ignore[union-attr]
    assert isinstance(results[0], Exception) and not isinstance(results[0], Refused)
    assert [r.id for r in results[1:]] == [poll.id] * (len(people) - 1)
    stored = {b.participant_id for b in rows(client, Ballot)}
    assert stored == {p.id for p in people[1:]}


def test_a_ballot_on_a_closed_poll_is_refused_by_the_writer(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    from tests.conftest import csrf_of
    from tests.test_privacy import _set

    _set(client, "update poll set online_until = closed_at")  # online voters' grace is over

    r = client.post(
        f"/e/demo/polls/{poll.id}/ballot",
        data={"option": str(options[0].id), "csrf_token": csrf_of(client)},
    )
    assert r.status_code == 409 and "This poll closed" in r.text
    assert rows(client, Ballot) == []


@pytest.mark.parametrize("option", ["", "x", "-1", str(2**64)])
def test_a_bad_option_is_refused_before_the_writer(client: TestClient, option: str) -> None:
    token = login(client)
    poll, _ = open_first_poll(client, token)
    from tests.conftest import csrf_of

    token = csrf_of(client)
    writer = client.app_state["app"].ballots  # type: ignore[attr-defined]
    batches = writer.batches
    r = client.post(f"/e/demo/polls/{poll.id}/ballot", data={"option": option, "csrf_token": token})
    assert r.status_code == 422 and rows(client, Ballot) == []
    assert writer.batches == batches  # refused without a turn at the writer


@asynccontextmanager
async def _ballots_held_back(db: Database) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Hold the database's write lock from another connection, so a ballot group stays in
    flight until the returned function releases it."""
    if db.is_sqlite:
        path = make_url(db.url).database
        assert path
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # SQLite's one writer, taken from outside

        async def release() -> None:
            blocker.rollback()

        try:
            yield release
        finally:
            blocker.close()
        return
    other = Database(db.url)
    conn = await other.engine.connect()
    await conn.begin()
    await conn.execute(text("LOCK TABLE ballot IN EXCLUSIVE MODE"))  # readers still read

    async def release_pg() -> None:
        await conn.rollback()

    try:
        yield release_pg
    finally:
        await conn.close()
        await other.dispose()


def test_stopping_the_writer_mid_group_answers_every_request(settings: Settings) -> None:
    async def main() -> tuple[list[Any], Any, dict[str, int]]:
        db = Database(settings.database_url)
        writer = BallotWriter(db)
        try:
            async with db.write() as s:
                event = await domain.event_by_slug(s, "demo")
                poll = await s.scalar(select(Poll).order_by(Poll.id))
                assert poll is not None
                poll.status = "open"
                people = [(await domain.join(s, event, None, "room"))[0] for _ in range(5)]
                option = (await domain.poll_view(s, poll)).options[0].id
            await writer.start()
            async with _ballots_held_back(db) as release:
                calls = [
                    asyncio.ensure_future(writer.cast(event, p, poll.id, option, f"k{n}"))
                    for n, p in enumerate(people)
                ]
                await asyncio.sleep(0)  # the requests reach the writer's queue
                while writer._queue:
                    await asyncio.sleep(0.001)  # until the writer has taken them as a group
                stopping = asyncio.ensure_future(writer.stop())
                await asyncio.sleep(0)  # the stop begins while the group is held back
                await release()
                async with asyncio.timeout(5):  # a request left unanswered fails here
                    answers = await asyncio.gather(*calls, return_exceptions=True)
                    await stopping
            try:
                late: Any = await writer.cast(event, people[0], poll.id, option, "late")
            except Refused as exc:
                late = exc
            async with db.read() as s:
                stored = {
                    b.participant_id: b.option_id
                    for b in await s.scalars(select(Ballot).where(Ballot.poll_id == poll.id))
                }
            return answers, late, stored
        finally:
            await writer.stop()
            await db.dispose()

    answers, late, stored = asyncio.run(main())
    # Each request hears the truth: counted (and stored), or a retryable "not counted".
    for answer in answers:
        if isinstance(answer, Refused):
            assert answer.status == 503 and answer.retry_after, answer.message
        else:
            assert isinstance(answer, Poll), repr(answer)
    assert len(stored) == sum(isinstance(a, Poll) for a in answers)
    # After the stop, a ballot is refused with a sentence to send it again, and not stored.
    assert isinstance(late, Refused) and late.status == 503 and late.retry_after
    assert "Send it again" in late.message


def test_a_cancelled_lookup_does_not_fail_the_others_of_its_group() -> None:
    """assembly.lookups: a request that went away while its group was looked up is skipped;
    the others of the group get their answer."""
    import asyncio

    from assembly.lookups import Lookups

    class _Db:
        def read(self) -> Any:
            class _S:
                async def __aenter__(self) -> Any:
                    return self

                async def __aexit__(self, *exc: object) -> None:
                    return None

                async def scalars(self, stmt: object, params: object) -> list[Any]:
                    await asyncio.sleep(0)
                    return []

            return _S()

    async def go() -> None:
        lookups = Lookups(_Db())  # type: ignore[arg-type]
        first = asyncio.ensure_future(lookups.event_and_participants("demo", [], None))
        second = asyncio.ensure_future(lookups.event_and_participants("demo", [], None))
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(Refused):  # no such event: the answer, not an InvalidStateError
            await second

    asyncio.run(go())
