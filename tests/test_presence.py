"""assembly/presence.py: connected counts summed over processes, and forgotten when one dies."""

from __future__ import annotations

import asyncio
import json

from assembly.presence import STALE, TOPIC, Presence
from live import Hub, MemoryBroker
from live.hub import Message


def _report(worker: str, counts: dict[int, dict[str, int]]) -> Message:
    return Message(json.dumps({"w": worker, "e": counts}))


def test_counts_add_up_over_processes_until_one_goes_quiet() -> None:
    now = [100.0]
    changed: list[set[int]] = []
    presence = Presence(Hub(MemoryBroker()), changed.append, clock=lambda: now[0])
    presence.me = "m"  # between the two peers below: it leads only once "a" is gone
    presence.opened(1, "room")
    presence.opened(1, "room")
    presence.opened(2, "online")
    presence.closed(1, "room")
    assert presence.connected(1) == {"room": 1}

    presence._received(_report("a", {1: {"room": 2, "online": 5}}))
    presence._received(_report("z", {2: {"online": 1}}))
    assert presence.connected(1) == {"room": 3, "online": 5}
    assert presence.connected(2) == {"online": 2}
    # "a" has the smallest id, so it re-renders; this process stays quiet.
    assert changed == []
    presence._received(_report("m", {1: {"room": 99}}))  # its own report, come back
    assert presence._received(Message("not a report"))  # ignored, never raised into the hub
    assert presence.connected(1) == {"room": 3, "online": 5}

    now[0] += STALE  # "a" and "z" said nothing for STALE seconds: gone, and their sockets
    assert presence.connected(1) == {"room": 1}
    presence._received(_report("z", {2: {"online": 3}}))
    assert presence.connected(2) == {"online": 4}
    assert changed == [{2}]  # with "a" gone this process leads, and re-renders event 2


def test_a_report_goes_out_only_when_the_counts_changed_or_for_the_heartbeat() -> None:
    async def main() -> list[str]:
        hub = Hub(MemoryBroker())
        await hub.start()
        heard: list[str] = []
        hub.connect([TOPIC]).attach(lambda m: heard.append(m.text) is None, lambda code: None)
        presence = Presence(hub, lambda events: None)
        await presence.report()  # nothing changed yet
        presence.opened(1, "room")
        await presence.report()
        await presence.report()  # unchanged since
        await presence.report(always=True)
        await asyncio.sleep(0)  # the memory broker delivers on the loop's next turn
        return heard

    heard = asyncio.run(main())
    assert [json.loads(h)["e"] for h in heard] == [{"1": {"room": 1}}, {"1": {"room": 1}}]
