"""The local hub: which connections in this process listen to which topics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from websockets.frames import Frame, Opcode

from live.broker import Broker

# Close code that makes the htmx ws extension reconnect (1013 "try again later"); on reconnect
# the page re-fetches its widgets, so a client that fell behind loses nothing it can see.
CLOSE_SLOW = 1013
CLOSE_RESTART = 1012
# Policy violation: the client may not have this socket (any more). The htmx ws extension does
# not reconnect on it, so a revoked page stays closed until a person reloads it.
CLOSE_POLICY = 1008


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


# Writes a message to one socket without awaiting; False when the client is too far behind.
Sink = Callable[[Message], bool]


class Connection:
    """One socket's place in the hub. Until the endpoint attaches a sink, messages wait in a
    short list; then each goes to the sink at once. The hub never awaits a client: one that
    falls behind is closed instead (the endpoint's ``on_close`` does the closing)."""

    __slots__ = (
        "topics",
        "labels",
        "max_pending",
        "pending",
        "sink",
        "on_close",
        "closing",
        "close_code",
    )

    def __init__(self, topics: Iterable[str], max_pending: int, labels: Iterable[str] = ()) -> None:
        self.topics = tuple(topics)
        # Opaque names the application gives a connection (e.g. the credential it was opened
        # with), so that it can later close every connection that carries one.
        self.labels = tuple(labels)
        self.max_pending = max_pending
        self.pending: list[Message] = []
        self.sink: Sink | None = None
        self.on_close: Callable[[int], None] | None = None
        self.closing = False
        self.close_code = CLOSE_RESTART

    def offer(self, message: Message) -> None:
        """Hand ``message`` to the sink (or keep it until there is one), or close the
        connection if the client fell behind."""
        if self.closing:
            return
        if self.sink is not None:
            if not self.sink(message):
                self.close(CLOSE_SLOW)
        elif len(self.pending) < self.max_pending:
            self.pending.append(message)
        else:
            self.close(CLOSE_SLOW)

    def attach(self, sink: Sink, on_close: Callable[[int], None]) -> None:
        """From now on give messages to ``sink``, first those kept so far, in order; call
        ``on_close(code)`` once when the connection must close (at once if it already must)."""
        pending, self.pending = self.pending, []
        for message in pending:
            if self.closing:
                break
            if not sink(message):
                self.close(CLOSE_SLOW)
        self.on_close = on_close
        if self.closing:
            on_close(self.close_code)
        else:
            self.sink = sink

    def close(self, code: int) -> None:
        """Stop taking messages and have the endpoint close the socket with ``code``."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        self.pending = []
        if self.on_close is not None:
            self.on_close(code)


class Hub:
    """Fans messages out to the connections of this process, through a broker for the others."""

    def __init__(self, broker: Broker, max_queue: int = 64) -> None:
        self.broker = broker
        # Messages one socket may have waiting: before its handshake ends, and in the queue of
        # an endpoint that cannot write directly.
        self.max_queue = max_queue
        self._by_topic: dict[str, set[Connection]] = defaultdict(set)
        self._by_label: dict[str, set[Connection]] = defaultdict(set)
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

    def connect(self, topics: Iterable[str], labels: Iterable[str] = ()) -> Connection:
        """Register a new connection on ``topics``, carrying ``labels`` (see ``close_labelled``)."""
        conn = Connection(topics, self.max_queue, labels)
        for topic in conn.topics:
            self._by_topic[topic].add(conn)
        for label in conn.labels:
            self._by_label[label].add(conn)
        return conn

    def labels(self) -> list[str]:
        """The labels of this process's open connections."""
        return list(self._by_label)

    def close_labelled(self, label: str, code: int) -> int:
        """Close every local connection carrying ``label`` with ``code``; how many there were."""
        conns = list(self._by_label.get(label, ()))
        for conn in conns:
            conn.close(code)
        return len(conns)

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
        for label in conn.labels:
            holders = self._by_label.get(label)
            if holders is not None:
                holders.discard(conn)
                if not holders:
                    del self._by_label[label]

    def count(self, topic: str) -> int:
        """How many local connections listen to ``topic``."""
        return len(self._by_topic.get(topic, ()))
