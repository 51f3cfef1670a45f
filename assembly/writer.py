"""The ballot writer: ballots from many requests are committed together every few milliseconds.

A vote burst is thousands of tiny writes. Each request hands its ballot to the writer and waits;
the writer takes everything that arrived in its window, checks it with one query (polls and
options, the polls' rows locked until the commit), claims the idempotency keys with one insert,
stores it with one upsert, raises the polls' revisions, commits once, and only then answers
every request: acknowledged still means committed.

The lock is what makes closing a poll final: a close waits for a group holding its poll and
reads its ``closed_at`` after that group committed, and a group that waited for a close sees
the poll closed and refuses its ballots. Groups for one poll therefore commit one at a time
across workers; within a worker they already did.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assembly.ballot_rows import ballot_row, claim_keys, upsert_ballots
from assembly.db import Database
from assembly.domain import Refused, check_ballot, polls_changed, upsert_insert
from assembly.domain import secret as secret_ballots
from assembly.kinds import Answer
from assembly.models import Event, Participant, Poll, PollOption, utcnow
from live.tasks import cancel_and_wait

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: about as long as a worker takes to restart


def _restarting() -> Refused:
    return Refused(
        "The server is restarting; your vote was not counted. Send it again.",
        503,
        retry_after=RETRY_AFTER,
    )


@dataclass(eq=False)  # compared by identity: two ballots alike are still two requests
class _Item:
    event: Event
    participant: Participant
    poll_id: int
    answer: Answer
    key: str | None
    done: asyncio.Future[Poll | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BallotWriter:
    """Groups ballots into one transaction per ``window`` seconds (at most ``max_batch``)."""

    def __init__(self, db: Database, window: float = 0.004, max_batch: int = 500) -> None:
        self.db = db
        self.window = window
        self.max_batch = max_batch
        self._queue: list[_Item] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.batches = 0

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="ballot-writer")

    async def stop(self) -> None:
        """Stop taking ballots: a group in flight is finished (see ``_commit``), what was
        already queued is committed, and any later ballot is refused with a retryable 503."""
        self._stopping = True
        await cancel_and_wait(self._task)
        self._task = None
        while self._queue:  # answer whatever is left rather than leave a request hanging
            await self._commit(self._take())

    async def cast(
        self, event: Event, p: Participant, poll_id: int, answer: Answer | int, key: str | None
    ) -> Poll | None:
        """Store ``p``'s ballot (an answer, or a single choice's option id); its poll once
        committed, None if ``key`` was used before. Raises ``Refused`` for a poll that is
        closed or an answer it does not take."""
        if self._stopping:
            raise _restarting()  # nothing will take it: it is not stored
        if not isinstance(answer, Answer):
            answer = Answer("single", (answer,))
        item = _Item(event, p, poll_id, answer, key)
        self._queue.append(item)
        self._wake.set()
        return await item.done

    def _take(self) -> list[_Item]:
        batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        return batch

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.window)  # the window in which a group gathers
            self._wake.clear()
            while self._queue:
                await self._commit(self._take())

    async def _commit(self, batch: list[_Item]) -> None:
        store = asyncio.ensure_future(self._store(batch))
        try:
            await asyncio.shield(store)
        except asyncio.CancelledError:
            # Stopped mid-group. Abandoning the transaction here could cancel it during its
            # commit, and nobody would know whether the ballots counted: let it finish, answer
            # every request with what really happened, then stop.
            try:
                await store
            except BaseException:  # its outcome is read from the task below
                pass
            self._answer(batch, store)
            raise
        except Exception:
            pass  # answered below
        failure = None if store.cancelled() else store.exception()
        if failure is not None and not isinstance(failure, Refused) and len(batch) > 1:
            # One ballot the database will not take (its participant left a moment ago) must
            # not fail everyone else's: each is tried again on its own, and only the one that
            # cannot be stored hears of it.
            log.warning("ballot group of %d failed; storing its ballots one by one", len(batch))
            for item in batch:
                if not item.done.done():
                    await self._commit([item])
            return
        self._answer(batch, store)

    def _answer(self, batch: list[_Item], store: asyncio.Future[list[tuple[_Item, Poll]]]) -> None:
        """Tell every request of a finished group what became of its ballot."""
        if store.cancelled():  # stopped twice: rolled back, or it could not say; either way
            failure: BaseException | None = _restarting()  # sending it again counts it once
        else:
            failure = store.exception()
        if failure is not None:  # the whole group failed: every request hears so
            if not isinstance(failure, Refused):
                log.error("ballot group of %d failed", len(batch), exc_info=failure)
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(failure)
            return
        self.batches += 1
        stored = {id(i): poll for i, poll in store.result()}
        for item in batch:
            if not item.done.done():
                item.done.set_result(stored.get(id(item)))

    async def _store(self, batch: list[_Item]) -> list[tuple[_Item, Poll]]:
        # Each statement is several hops to the database thread and back, and under load each
        # hop waits for a turn of the busy event loop: four statements per group
        # (check and lock, keys, ballots, revisions), not six.
        async with self.db.write() as s:
            insert: Any = upsert_insert(s)
            # The polls with their options, in order: the kinds check answers against them
            # (an option not offered is refused the same way whether it exists or not).
            polls: dict[int, Poll] = {}
            offered: dict[int, list[int]] = {}
            for poll, option_id in await s.execute(
                select(Poll, PollOption.id)
                # Only visible options are offered (statements pending or hidden are not).
                .outerjoin(
                    PollOption, (PollOption.poll_id == Poll.id) & (PollOption.status == "visible")
                )
                .where(Poll.id.in_({i.poll_id for i in batch}))
                .order_by(Poll.id, PollOption.position, PollOption.id)  # polls: same lock order
                .with_for_update(of=Poll, key_share=True)  # see the module's docstring
            ):
                polls[poll.id] = poll
                if option_id is not None:
                    offered.setdefault(poll.id, []).append(option_id)
            checked: list[_Item] = []
            now = utcnow()  # read under the polls' locks: a close is either before or after
            for item in batch:
                try:
                    check_ballot(
                        item.event,
                        polls.get(item.poll_id),
                        offered.get(item.poll_id, []),
                        item.answer,
                        item.participant,
                        now,
                    )
                except Refused as exc:
                    item.done.set_exception(exc)
                    continue
                checked.append(item)
            # A key is claimed by inserting it: the insert returns the keys that were not used
            # before. Within the group, the first request with a key claims it.
            first: dict[tuple[str, str], _Item] = {}
            for item in checked:
                if item.key:
                    first.setdefault((item.participant.id, item.key), item)
            claimed: set[tuple[str, str]] = set()
            if first:
                rows = await s.execute(
                    claim_keys(insert),
                    [{"actor": a, "key": k, "created_at": now} for a, k in first],
                )
                claimed = {(a, k) for a, k in rows}
            accepted = [
                i
                for i in checked
                if not i.key  # a repeat is answered as done before, not stored again
                or ((i.participant.id, i.key) in claimed and first[(i.participant.id, i.key)] is i)
            ]
            if not accepted:
                return []
            secret: list[_Item] = []
            if any(p.secret for p in polls.values()):  # secret ballots take their own path
                secret, accepted = await _store_secret(s, accepted, polls, now)
                if not accepted:
                    await polls_changed(s, {i.poll_id for i in secret})
                    return [(i, polls[i.poll_id]) for i in secret]
            # One row per participant and poll: the last ballot in the group wins, as it would
            # had they been stored one by one.
            latest = {(i.poll_id, i.participant.id): i for i in accepted}
            values = [ballot_row(i.poll_id, i.participant, i.answer, now) for i in latest.values()]
            await s.execute(upsert_ballots(insert), values)
            accepted += secret
            await polls_changed(s, {i.poll_id for i in accepted})
            return [(i, polls[i.poll_id]) for i in accepted]


async def _store_secret(
    s: Any, accepted: list[_Item], polls: dict[int, Poll], now: datetime
) -> tuple[list[_Item], list[_Item]]:
    """Store the group's ballots in secret polls (see ``assembly.domain.secret``): a receipt
    each, the first per person in the group; a second ballot is refused and its key released.
    Returns those stored and the ballots in other polls, which take the usual path."""
    first: dict[tuple[int, str], _Item] = {}
    plain: list[_Item] = []
    for item in accepted:
        if polls[item.poll_id].secret:
            first.setdefault((item.poll_id, item.participant.id), item)
        else:
            plain.append(item)
    claimed = await secret_ballots.claim_receipts(s, first)
    stored = [item for voter, item in first.items() if voter in claimed]
    kept = {id(item) for item in stored}
    refused = [i for i in accepted if polls[i.poll_id].secret and id(i) not in kept]
    for item in refused:
        item.done.set_exception(Refused(secret_ballots.ALREADY, 409))
    await secret_ballots.forget_keys(s, [(i.participant.id, i.key) for i in refused if i.key])
    await secret_ballots.insert_ballots(
        s,
        [
            (polls[i.poll_id], secret_ballots.row(polls[i.poll_id], i.participant, i.answer))
            for i in stored
        ],
    )
    for poll_id in sorted({i.poll_id for i in stored}):
        await secret_ballots.publish(s, polls[poll_id], now)
    return stored, plain
