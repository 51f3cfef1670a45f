"""Brokers carry published messages between processes; chosen by URL scheme."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

Deliver = Callable[[str, str], None]


class Broker(Protocol):
    """What a hub needs from a broker: connect, publish, and one listener for everything."""

    async def connect(self, deliver: Deliver, resync: Callable[[], None] | None = None) -> None:
        """Start delivering every message published (by any process) to ``deliver(topic, data)``;
        call ``resync()`` whenever messages may have been missed."""

    async def disconnect(self) -> None:
        """Stop delivering and release the connection."""

    async def publish(self, topic: str, data: str) -> None:
        """Send ``data`` to every process subscribed to ``topic``."""


class MemoryBroker:
    """The in-process broker: publishing hands the message straight to this process's hub."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def connect(self, deliver: Deliver, resync: Callable[[], None] | None = None) -> None:
        """Remember the hub's delivery callback (nothing is ever missed in one process)."""
        self._deliver = deliver

    async def disconnect(self) -> None:
        """Forget the callback; later publishes go nowhere."""
        self._deliver = None

    async def publish(self, topic: str, data: str) -> None:
        """Deliver in this process, as soon as the publisher's task yields or ends, in order.

        Not inline: a request is answered without waiting for its fan-out (at 10,000 sockets
        about 200 ms of writes), as it is when Redis carries the message.
        """
        if self._deliver is not None:
            asyncio.get_running_loop().call_soon(self._deliver, topic, data)


def is_redis(url: str) -> bool:
    """Whether ``url`` names a Redis broker (``redis://`` or ``rediss://``)."""
    return url.split("://", 1)[0].lower() in ("redis", "rediss")


def broker_from_url(url: str, prefix: str = "") -> Broker:
    """Build the broker named by ``url``: ``memory://`` (one process) or ``redis://`` (many).
    ``prefix`` goes before every Redis channel name, so that users of one Redis stay apart."""
    if url.split("://", 1)[0].lower() == "memory":
        return MemoryBroker()
    if is_redis(url):
        try:
            from live.redis import RedisBroker
        except ImportError:
            raise ValueError(
                "BROKER_URL is redis:// but the redis package is not installed: "
                "pip install 'assembly[redis]'."
            ) from None
        return RedisBroker(url, prefix)
    raise ValueError(f"BROKER_URL {url!r} is not understood; use memory:// or redis://host:port.")
