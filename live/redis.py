"""The Redis broker: one pub/sub subscription per process, and a resync after any gap.

Imported only when BROKER_URL is redis:// (the ``redis`` package is an optional dependency).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from live.broker import Deliver
from live.tasks import cancel_and_wait

log = logging.getLogger(__name__)
CHANNELS = "live:"
MAX_BACKOFF = 5.0


class RedisBroker:
    """Publishes to ``{prefix}live:{topic}`` and listens to ``{prefix}live:*`` on one connection.

    Every message carries its sender and a per-sender sequence number. A subscriber that sees
    a sender skip a number, or that had to reconnect, cannot know what it missed, so it calls
    ``resync``: the hub closes its sockets and every page re-fetches its widgets.
    """

    def __init__(self, url: str, prefix: str = "") -> None:
        """A broker on the Redis at ``url`` whose channels all start with ``prefix``."""
        self.url = url
        self.prefix = prefix + CHANNELS
        self.sender = secrets.token_hex(4)
        self._seq = 0
        self._publishing = asyncio.Lock()
        self._seen: dict[str, int] = {}
        self._client: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._deliver: Deliver | None = None
        self._resync: Callable[[], None] = lambda: None
        self.reconnects = 0

    async def connect(self, deliver: Deliver, resync: Callable[[], None] | None = None) -> None:
        """Subscribe, and wait (up to 10 s) until the subscription is live."""
        self._deliver = deliver
        self._resync = resync or (lambda: None)
        # Named, so that an operator (or a test) can tell this process's connections apart.
        self._client = aioredis.from_url(self.url, client_name=self.client_name)
        self._task = asyncio.create_task(self._listen(), name="redis-broker")
        try:
            async with asyncio.timeout(10):
                await self._ready.wait()
        except TimeoutError:
            await self.disconnect()
            raise RuntimeError(f"Redis at {self.url} did not answer; is it running?") from None

    @property
    def client_name(self) -> str:
        """The name this broker's connections give Redis (CLIENT LIST shows it)."""
        return self.prefix.replace(" ", "_") + "broker"

    async def disconnect(self) -> None:
        """Stop listening and close the connections."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def publish(self, topic: str, data: str) -> None:
        """Publish through Redis; if Redis is away, deliver here and resync when it is back."""
        try:
            # One publish at a time: concurrent ones would take different pooled connections and
            # could reach Redis out of order, which every subscriber would see as a gap.
            async with self._publishing:
                self._seq += 1
                assert self._client is not None
                await self._client.publish(self.prefix + topic, f"{self.sender}:{self._seq}:{data}")
        except (RedisError, OSError) as exc:
            log.warning("publish to Redis failed (%s); delivering locally", exc)
            # The other processes missed it; they resync when they see the sequence gap.
            if self._deliver is not None:
                self._deliver(topic, data)

    async def _listen(self) -> None:
        backoff = 0.1
        connected_before = False
        while True:
            try:
                assert self._client is not None
                async with self._client.pubsub() as pubsub:
                    await pubsub.psubscribe(self.prefix + "*")
                    if connected_before:
                        self.reconnects += 1
                        log.warning("Redis subscription back; every client resyncs")
                        self._seen.clear()
                        self._resync()
                    connected_before = True
                    backoff = 0.1
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "pmessage":
                            self._receive(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("Redis subscription lost (%s); retrying in %.1f s", exc, backoff)
            await asyncio.sleep(backoff)  # backoff before reconnecting, not a race fix
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _receive(self, channel: bytes, raw: bytes) -> None:
        topic = channel.decode()[len(self.prefix) :]
        sender, seq_text, data = raw.decode().split(":", 2)
        seq = int(seq_text)
        last = self._seen.get(sender)
        self._seen[sender] = seq
        if last is not None and seq != last + 1:
            log.warning(
                "messages from %s skipped %d..%d; every client resyncs", sender, last + 1, seq - 1
            )
            self._resync()
        if self._deliver is not None:
            self._deliver(topic, data)
