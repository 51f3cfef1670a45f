"""The public story, built at most once per event every few seconds.

The story is public: after an assembly its link is posted where thousands may open it, and
building it reads the whole event (about 0.7 s of one process for an event of 100,000
contributions, measured with bench/export.py's event). So each process keeps what it built for
``ttl`` seconds, and the requests that arrive while it is being built wait for that one build
instead of starting their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

STORY_SECONDS = 30.0  # how stale the story may be; its page says so


class Memo:
    """Values by key, each made by its ``make`` at most once per ``ttl`` seconds."""

    def __init__(
        self, ttl: float = STORY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self._clock = ttl, clock
        self._kept: dict[Hashable, tuple[float, Any]] = {}  # key: (when made, value)
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[Any]]) -> Any:
        """The value kept for ``key`` if it is fresh, else a new one from ``make``."""
        fresh = self._fresh(key)
        if fresh is not None:
            return fresh[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            fresh = self._fresh(key)  # made by the request this one waited for
            if fresh is not None:
                return fresh[1]
            value = await make()
            self._kept[key] = (self._clock(), value)
            return value

    def _fresh(self, key: Hashable) -> tuple[float, Any] | None:
        kept = self._kept.get(key)
        return kept if kept is not None and kept[0] + self.ttl > self._clock() else None
