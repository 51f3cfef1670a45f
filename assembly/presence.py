"""Who is connected now: people, not sockets, summed over every process that shares the broker.

A person is a participant id; a page holds one socket, so several tabs are several sockets of one
person, and a socket without a participant cookie (a script, a page that never joined) is nobody
and is not counted. Each process counts the distinct participants with a socket open on it, per
event and channel, and reports those counts on one internal topic whenever they change and every
``HEARTBEAT`` seconds; every process keeps the others' last reports and forgets a process not
heard from for ``STALE`` seconds (it died, and its sockets with it). With one process
(``memory://``) the reports only ever reach their sender, and are ignored.

Distinct across processes would mean sending every participant id over the broker on every
change. Instead the per-process counts are summed: a person with two tabs that landed on two
workers counts twice. That is rare (almost everyone has one page open, on a phone), bounded by
the per-participant socket cap (``assembly/sockets.py``), and does not grow with the room.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable

from live import Connection, Hub
from live.hub import Message
from live.tasks import cancel_and_wait

log = logging.getLogger(__name__)

TOPIC = "presence"
HEARTBEAT = 10.0
STALE = 3 * HEARTBEAT

Counts = dict[int, dict[str, int]]  # event id -> channel -> people


class Presence:
    """This process's people per event and channel, and the other processes' last reports."""

    def __init__(
        self,
        hub: Hub,
        changed: Callable[[set[int]], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hub = hub
        self.me = secrets.token_hex(8)
        # (event id, channel) -> participant id -> that person's sockets open here
        self.local: dict[tuple[int, str], Counter[str]] = {}
        self._unreported = False  # local counts changed since the last report
        self.peers: dict[str, tuple[float, Counts]] = {}
        # Called with the events whose totals another process changed, so that one process
        # (the one with the smallest id) re-renders them: see _received.
        self._changed = changed
        self._clock = clock
        self._conn: Connection | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._listen()
        self._heartbeat = asyncio.create_task(self._beat())

    async def stop(self) -> None:
        await cancel_and_wait(self._heartbeat)
        if self._conn is not None:
            self.hub.disconnect(self._conn)

    def opened(self, event_id: int, channel: str, participant_id: str) -> bool:
        """One more socket of ``participant_id``; True when that is one more person here."""
        people = self.local.setdefault((event_id, channel), Counter())
        people[participant_id] += 1
        if people[participant_id] > 1:
            return False  # another tab of someone already counted
        self._unreported = True
        return True

    def closed(self, event_id: int, channel: str, participant_id: str) -> bool:
        """One socket of ``participant_id`` closed; True when that was their last one here."""
        people = self.local.get((event_id, channel))
        if people is None or people[participant_id] <= 0:
            return False
        people[participant_id] -= 1
        if people[participant_id] > 0:
            return False
        del people[participant_id]
        if not people:
            del self.local[(event_id, channel)]
        self._unreported = True
        return True

    def connected(self, event_id: int) -> dict[str, int]:
        """People with a socket open now for ``event_id`` in every live process, by channel."""
        total: Counter[str] = Counter()
        for (ev, channel), people in self.local.items():
            if ev == event_id:
                total[channel] += len(people)
        now = self._clock()
        for seen, counts in self.peers.values():
            if now - seen < STALE:
                total.update(counts.get(event_id, {}))
        return {channel: n for channel, n in total.items() if n > 0}

    async def report(self, always: bool = False) -> None:
        """Tell the other processes this one's counts, if they changed since last time (or
        ``always``, as the heartbeat does)."""
        if not (self._unreported or always):
            return
        self._unreported = False
        counts: dict[int, dict[str, int]] = {}
        for (ev, channel), people in self.local.items():
            counts.setdefault(ev, {})[channel] = len(people)
        await self.hub.publish(TOPIC, json.dumps({"w": self.me, "e": counts}))

    def _listen(self) -> None:
        conn = self._conn = self.hub.connect([TOPIC])
        conn.attach(self._received, lambda code: self._relisten(conn))

    def _relisten(self, conn: Connection) -> None:
        # A broker gap closes every connection, this one too: listen again at once. Reports
        # lost in the gap are made good by the next heartbeats.
        self.hub.disconnect(conn)
        self._listen()

    def _received(self, message: Message) -> bool:
        try:
            data = json.loads(message.text)
            sender = str(data["w"])
            counts: Counts = {int(ev): dict(by_channel) for ev, by_channel in data["e"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            # Not ours (another version on the same Redis?): never break the hub's delivery.
            log.warning("ignored a presence report that could not be read")
            return True
        if sender == self.me:
            return True
        _, before = self.peers.get(sender, (0.0, {}))
        self.peers[sender] = (self._clock(), counts)
        changed = {ev for ev in before.keys() | counts.keys() if before.get(ev) != counts.get(ev)}
        # Every process gets the report; only one re-renders, so the consoles get one fragment.
        if changed and self._leads():
            self._changed(changed)
        return True

    def _leads(self) -> bool:
        now = self._clock()
        return all(self.me < w for w, (seen, _) in self.peers.items() if now - seen < STALE)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            now = self._clock()
            gone = [w for w, (seen, _) in self.peers.items() if now - seen >= STALE]
            events: set[int] = set()
            for w in gone:
                events.update(self.peers.pop(w)[1])
            if events and self._leads():
                self._changed(events)
            await self.report(always=True)
