"""Coalesce bursts: many ``mark(key)`` calls become one flush per key per tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from live.tasks import cancel_and_wait

K = TypeVar("K", bound=Hashable)
log = logging.getLogger(__name__)


class Coalescer(Generic[K]):
    """Calls ``flush(keys)`` at most once per ``interval`` seconds with every key marked since.

    A tally that a thousand ballots made dirty is recounted once, not a thousand times; the
    fan-out rate never grows with the write rate.
    """

    def __init__(self, flush: Callable[[set[K]], Awaitable[None]], interval: float) -> None:
        self._flush = flush
        self._interval = interval
        self._dirty: set[K] = set()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def mark(self, key: K) -> None:
        """Note that ``key`` changed; it will be flushed within one interval."""
        self._dirty.add(key)
        self._idle.clear()
        self._wake.set()

    async def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="coalescer")

    async def stop(self) -> None:
        """Flush what is pending, then stop the loop."""
        await cancel_and_wait(self._task)
        self._task = None
        await self._flush_now()

    async def drained(self) -> None:
        """Wait until every key marked so far has been flushed."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            started = asyncio.get_running_loop().time()
            await self._flush_now()
            # The rate limit: one flush per tick at most, ticks counted from each flush's start.
            # Counted from its end, a key marked just after a flush took its keys waited for the
            # rest of that flush, the whole interval and its own flush: a final tally reached the
            # screen up to 530 ms after the last ballot (a 10,000-ballot burst, 1,000 sockets).
            elapsed = asyncio.get_running_loop().time() - started
            await asyncio.sleep(max(0.0, self._interval - elapsed))

    async def _flush_now(self) -> None:
        keys, self._dirty = self._dirty, set()
        if keys:
            try:
                await self._flush(keys)
            except Exception:  # a failed recount must not stop later ones
                log.exception("coalesced flush failed for %r", keys)
        if not self._dirty:
            self._idle.set()
