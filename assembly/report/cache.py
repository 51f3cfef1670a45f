"""The public story, built at most once per event every few seconds.

The story is public: after an assembly its link is posted where thousands may open it, and
building it reads the whole event (about 0.7 s of one process for an event of 100,000
contributions, measured with bench/export.py's event). So each process keeps what it built for
``ttl`` seconds, and the requests that arrive while it is being built wait for that one build
instead of starting their own. A moderation or setup action (every one is audited) makes the
next request build it again at once: a contribution hidden, a session made private or a result
withheld leaves the public page straight away; new contributions and ballots show within ``ttl``.
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
        self._kept: dict[Hashable, tuple[float, Hashable, Any]] = {}  # (made at, version, value)
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(
        self, key: Hashable, make: Callable[[], Awaitable[Any]], version: Hashable = None
    ) -> Any:
        """The value kept for ``key`` if it is fresh and was made at ``version``, else a new
        one from ``make``."""
        fresh = self._fresh(key, version)
        if fresh is not None:
            return fresh
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            fresh = self._fresh(key, version)  # made by the request this one waited for
            if fresh is not None:
                return fresh
            value = await make()
            now = self._clock()
            # Forget what has gone stale meanwhile (events long over are not kept for ever).
            self._kept = {k: v for k, v in self._kept.items() if v[0] + self.ttl > now}
            self._kept[key] = (now, version, value)
            return value

    def _fresh(self, key: Hashable, version: Hashable) -> Any:
        kept = self._kept.get(key)
        if kept is None or kept[1] != version or kept[0] + self.ttl <= self._clock():
            return None
        return kept[2]
