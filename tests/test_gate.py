"""assembly/gate.py: a few places shared fairly; a request that goes away leaves no trace."""

from __future__ import annotations

import asyncio

from assembly.gate import FairGate


def test_a_waiter_that_goes_away_leaves_nothing_behind() -> None:
    async def main() -> None:
        gate = FairGate(1)
        await gate.acquire("a")
        waiting = asyncio.create_task(gate.acquire("b"))
        await asyncio.sleep(0)
        waiting.cancel()  # the client hung up while waiting
        await asyncio.gather(waiting, return_exceptions=True)
        assert gate.waiting == {}
        gate.release("a")
        assert gate.idle() and gate.served == {} and not gate.held

        # Given a place just as it was cancelled: the place is handed on, not lost.
        await gate.acquire("a")
        late = asyncio.create_task(gate.acquire("b"))
        after = asyncio.create_task(gate.acquire("c"))
        await asyncio.sleep(0)
        gate.release("a")  # "b" gets the place...
        late.cancel()  # ...and goes away before it runs
        await asyncio.gather(late, return_exceptions=True)
        await after
        assert gate.held == {"c": 1} and gate.total == 1
        gate.release("c")
        assert gate.idle()

    asyncio.run(main())
