"""Who sent a ballot, for many ballots in one read.

Before a ballot takes its turn at the writer, its request is checked: the event in its path,
the participant behind its cookie and whether that participant used the request's idempotency
key before. That was a session and a query per ballot, the largest single cost of a ballot
after the writer's own. Here the requests that arrive while one lookup runs wait for the next
and are looked up together: three statements for the whole group, and no waiting at all when
the server is idle (the first request of a quiet moment is looked up at once, alone).

The answer for each request is exactly ``domain.event_and_participants``'s: the event (or the
same 404), and those of the request's participant ids that are the event's participants, each
with whether it used the key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select

from assembly.db import Database
from assembly.domain import Refused
from assembly.domain.events import NO_SUCH_EVENT
from assembly.models import Event, Participant, RequestKey

log = logging.getLogger(__name__)

Found = tuple[Event, dict[str, tuple[Participant, bool]]]

# Built once: constructing a statement costs more than running it (see domain.events).
_EVENTS = select(Event).where(Event.slug.in_(bindparam("slugs", expanding=True)))
_PARTICIPANTS = select(Participant).where(Participant.id.in_(bindparam("ids", expanding=True)))
_KEYS = select(RequestKey.actor, RequestKey.key).where(
    RequestKey.actor.in_(bindparam("actors", expanding=True)),
    RequestKey.key.in_(bindparam("keys", expanding=True)),
)


@dataclass(eq=False)
class _Ask:
    slug: str
    ids: Sequence[str]
    key: str | None
    done: asyncio.Future[Found] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Lookups:
    """Looks up the requests that queue while one lookup runs, all in the next."""

    def __init__(self, db: Database, max_batch: int = 500) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[_Ask] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    async def event_and_participants(
        self, slug: str, participant_ids: Sequence[str], key: str | None
    ) -> Found:
        """As ``domain.event_and_participants``, batched with other requests."""
        ask = _Ask(slug, participant_ids, key)
        self._queue.append(ask)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="lookups")
        return await ask.done

    async def _run(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                try:
                    await self._look_up(batch)
                except Exception as exc:  # every request of the group hears of it
                    for ask in batch:
                        if not ask.done.done():
                            ask.done.set_exception(exc)
                except BaseException:  # cancelled (the server stops): nobody is left waiting
                    for ask in [*batch, *self._queue]:
                        ask.done.cancel()
                    self._queue = []
                    raise
        finally:
            self._task = None

    async def _look_up(self, batch: list[_Ask]) -> None:
        slugs = {a.slug for a in batch}
        ids = {i for a in batch for i in a.ids}
        keys = {a.key for a in batch if a.key and a.ids}
        async with self.db.read() as s:
            events = {e.slug: e for e in await s.scalars(_EVENTS, {"slugs": list(slugs)})}
            people: dict[str, Participant] = {}
            if ids:
                people = {p.id: p for p in await s.scalars(_PARTICIPANTS, {"ids": sorted(ids)})}
            used: set[tuple[str, str]] = set()
            if keys and people:
                rows = await s.execute(_KEYS, {"actors": sorted(people), "keys": sorted(keys)})
                used = {(actor, key) for actor, key in rows}
        self.batches += 1
        for ask in batch:
            if ask.done.done():  # its request was cancelled meanwhile (the phone went away)
                continue
            event = events.get(ask.slug)
            if event is None:
                ask.done.set_exception(Refused(NO_SUCH_EVENT, 404))
                continue
            found = {
                i: (p, bool(ask.key) and (i, ask.key) in used)
                for i in ask.ids
                if (p := people.get(i)) is not None and p.event_id == event.id
            }
            ask.done.set_result((event, found))
