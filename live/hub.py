"""The local hub: which connections in this process listen to which topics."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable

from live.broker import Broker

# Close code that makes the htmx ws extension reconnect (1013 "try again later"); on reconnect
# the page re-fetches its widgets, so a client that fell behind loses nothing it can see.
CLOSE_SLOW = 1013
CLOSE_RESTART = 1012


class Connection:
    """One socket's bounded outbox. The hub never awaits a slow client; it drops it instead."""

    __slots__ = ("queue", "topics", "closing", "close_code")

    def __init__(self, topics: Iterable[str], max_queue: int) -> None:
        self.topics = tuple(topics)
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(max_queue)
        self.closing = False
        self.close_code = CLOSE_RESTART

    def offer(self, data: str) -> None:
        """Queue ``data`` for the writer, or mark the connection to be closed if it is full."""
        if self.closing:
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW)

    def close(self, code: int) -> None:
        """Ask the writer to close the socket with ``code`` after what is already queued."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        # Make room for the sentinel: the writer must wake up even when the queue is full.
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    """Fans messages out to the connections of this process, through a broker for the others."""

    def __init__(self, broker: Broker, max_queue: int = 64) -> None:
        self.broker = broker
        self.max_queue = max_queue
        self._by_topic: dict[str, set[Connection]] = defaultdict(set)
        self._sequence: dict[str, int] = defaultdict(int)

    async def start(self) -> None:
        """Connect the broker; from now on published messages reach local connections."""
        await self.broker.connect(self.deliver, self.close_all)

    async def stop(self) -> None:
        """Disconnect the broker and close every connection as a server restart."""
        await self.broker.disconnect()
        self.close_all(CLOSE_RESTART)

    def close_all(self, code: int = CLOSE_SLOW) -> None:
        """Close every local connection with ``code``; clients reconnect and re-fetch their
        widgets. This is how a process makes everyone resync after it may have missed messages."""
        for conns in list(self._by_topic.values()):
            for conn in list(conns):
                conn.close(code)

    async def publish(self, topic: str, data: str) -> None:
        """Publish ``data`` to every subscriber of ``topic`` in every process."""
        await self.broker.publish(topic, data)

    def deliver(self, topic: str, data: str) -> None:
        """Hand ``data`` to each local subscriber of ``topic``: the same string, no awaits."""
        self._sequence[topic] += 1
        for conn in tuple(self._by_topic.get(topic, ())):
            conn.offer(data)

    def connect(self, topics: Iterable[str]) -> Connection:
        """Register a new connection on ``topics``."""
        conn = Connection(topics, self.max_queue)
        for topic in conn.topics:
            self._by_topic[topic].add(conn)
        return conn

    def sequence(self, topic: str) -> int:
        """How many messages ``topic`` has delivered in this process."""
        return self._sequence[topic]

    def disconnect(self, conn: Connection) -> None:
        """Forget ``conn`` on all of its topics."""
        for topic in conn.topics:
            subs = self._by_topic.get(topic)
            if subs is not None:
                subs.discard(conn)
                if not subs:
                    del self._by_topic[topic]

    def count(self, topic: str) -> int:
        """How many local connections listen to ``topic``."""
        return len(self._by_topic.get(topic, ()))
