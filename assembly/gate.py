"""A fair gate: a few places shared by many callers, a freed place going to whoever holds fewest.

One address (a hall's Wi-Fi, or a script) has a fixed number of requests in flight however
many participant cookies it sends. Inside it, a caller's request waits for a place; when one
frees, it goes to the waiting caller with the fewest places already held, and among those to
the one served longest ago (one never served, or back after a pause, first). A phone's request
therefore gets the next free place even while twenty cookies of a flood behind the same address
keep the rest busy: every flood cookie was served more recently.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque


class FairGate:
    """At most ``limit`` requests hold a place at once; waiters take no processor time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.held: Counter[str] = Counter()
        # Callers waiting, each with its requests' futures.
        self.waiting: dict[str, deque[asyncio.Future[None]]] = {}
        # When each active caller (holding or waiting) was last given a place.
        self.served: dict[str, int] = {}
        self._grants = 0

    def idle(self) -> bool:
        """Nobody holds or waits for a place: the gate can be forgotten."""
        return self.total == 0 and not self.waiting

    async def acquire(self, caller: str) -> None:
        """Wait for a place for one of ``caller``'s requests."""
        if self.total < self.limit and not self.waiting:
            self._grant(caller)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(caller, deque()).append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(caller)  # the place came just as the request went away
            else:
                self._forget(caller, future)
            raise

    def release(self, caller: str) -> None:
        """Give back one of ``caller``'s places, and hand it on."""
        self.total -= 1
        self.held[caller] -= 1
        if self.held[caller] <= 0:
            del self.held[caller]
            self._leave(caller)
        while self.total < self.limit and self.waiting:
            self._wake(self._next())

    def _next(self) -> str:
        # A scan of the waiting callers: each has at most its own in-flight share waiting (two
        # requests), and one never served ends it at once.
        best, key = "", (0, 0)
        for caller in self.waiting:
            mine = (self.held[caller], self.served.get(caller, -1))
            if mine == (0, -1):
                return caller
            if not best or mine < key:
                best, key = caller, mine
        return best

    def _wake(self, caller: str) -> None:
        queue = self.waiting[caller]
        future = queue.popleft()
        if not queue:
            del self.waiting[caller]
        if not future.done():
            self._grant(caller)
            future.set_result(None)

    def _grant(self, caller: str) -> None:
        self.total += 1
        self.held[caller] += 1
        self._grants += 1
        self.served[caller] = self._grants

    def _leave(self, caller: str) -> None:
        # Neither holding nor waiting: forgotten, so it comes back as one never served.
        if caller not in self.waiting and not self.held[caller]:
            self.served.pop(caller, None)

    def _forget(self, caller: str, future: asyncio.Future[None]) -> None:
        queue = self.waiting.get(caller)
        if queue is not None and future in queue:
            queue.remove(future)
            if not queue:
                del self.waiting[caller]
                self._leave(caller)
