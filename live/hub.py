"""The local hub: which connections in this process listen to which topics."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable

from websockets.frames import Frame, Opcode

from live.broker import Broker

# Close code that makes the htmx ws extension reconnect (1013 "try again later"); on reconnect
# the page re-fetches its widgets, so a client that fell behind loses nothing it can see.
CLOSE_SLOW = 1013
CLOSE_RESTART = 1012


class Message:
    """One published message. Its websocket frame is built once, on first use, and the same
    bytes go to every socket that takes frames directly (server frames are never masked)."""

    __slots__ = ("text", "_utf8", "_frame")

    def __init__(self, text: str) -> None:
        self.text = text
        self._utf8: bytes | None = None
        self._frame: bytes | None = None

    @property
    def utf8(self) -> bytes:
        """The text, encoded once."""
        if self._utf8 is None:
            self._utf8 = self.text.encode()
        return self._utf8

    @property
    def frame(self) -> bytes:
        """A complete unmasked, uncompressed text frame carrying the message."""
        if self._frame is None:
            self._frame = Frame(Opcode.TEXT, self.utf8).serialize(mask=False)
        return self._frame


# Writes a message to one socket now, without awaiting; False when the client has fallen too
# far behind to take it.
DirectWrite = Callable[[Message], bool]


class Connection:
    """One socket's outbox. Messages go straight to the socket when the server lets us write
    without awaiting (see ``live.endpoint``), otherwise through a bounded queue. Either way the
    hub never awaits a slow client: it closes it instead."""

    __slots__ = ("queue", "topics", "closing", "close_code", "direct")

    def __init__(self, topics: Iterable[str], max_queue: int) -> None:
        self.topics = tuple(topics)
        # Holds what arrives before the socket is accepted, everything when there is no direct
        # writer, and at the end the None that tells the endpoint to close the socket.
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(max_queue)
        self.direct: DirectWrite | None = None
        self.closing = False
        self.close_code = CLOSE_RESTART

    def offer(self, message: Message) -> None:
        """Write or queue ``message``, or close the connection if the client fell behind."""
        if self.closing:
            return
        if self.direct is not None:
            if not self.direct(message):
                self.close(CLOSE_SLOW)
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW)

    def go_direct(self, write: DirectWrite) -> None:
        """From now on write messages with ``write``; first what was queued, in order."""
        while not self.closing and not self.queue.empty():
            queued = self.queue.get_nowait()
            assert queued is not None  # only close() queues None, and it sets closing first
            if not write(queued):
                self.close(CLOSE_SLOW)
        if not self.closing:
            self.direct = write

    def close(self, code: int) -> None:
        """Ask the endpoint to close the socket with ``code`` after what is already queued."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        # Make room for the sentinel: the endpoint must wake up even when the queue is full.
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
        """Hand ``data`` to each local subscriber of ``topic``: one encoding, no awaits."""
        self._sequence[topic] += 1
        conns = self._by_topic.get(topic)
        if conns:
            message = Message(data)
            for conn in tuple(conns):
                conn.offer(message)

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
