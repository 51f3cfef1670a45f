"""assembly/presence.py: people connected now, summed over processes and forgotten when one dies;
the console's table of them."""

from __future__ import annotations

import asyncio
import json
import re

from starlette.testclient import TestClient

from assembly.presence import STALE, TOPIC, Presence
from live import Hub, MemoryBroker
from live.hub import Message
from tests.conftest import live_socket, login


def _report(worker: str, counts: dict[int, dict[str, int]]) -> Message:
    return Message(json.dumps({"w": worker, "e": counts}))


def test_counts_add_up_over_processes_until_one_goes_quiet() -> None:
    now = [100.0]
    changed: list[set[int]] = []
    presence = Presence(Hub(MemoryBroker()), changed.append, clock=lambda: now[0])
    presence.me = "m"  # between the two peers below: it leads only once "a" is gone
    presence.opened(1, "room", "ann")
    presence.opened(1, "room", "bob")
    presence.opened(2, "online", "cat")
    presence.closed(1, "room", "bob")
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
        presence.opened(1, "room", "ann")
        await presence.report()
        await presence.report()  # unchanged since
        await presence.report(always=True)
        await asyncio.sleep(0)  # the memory broker delivers on the loop's next turn
        return heard

    heard = asyncio.run(main())
    assert [json.loads(h)["e"] for h in heard] == [{"1": {"room": 1}}, {"1": {"room": 1}}]


def test_connected_counts_people_not_sockets() -> None:
    """Issue 18.6: one cookie with 500 sockets showed 500 people in the room."""
    presence = Presence(Hub(MemoryBroker()), lambda events: None)
    for _ in range(3):
        assert presence.opened(1, "room", "ann") is (_ == 0)  # only the first tab changes it
    presence.opened(1, "online", "bob")
    assert presence.connected(1) == {"room": 1, "online": 1}
    presence.closed(1, "room", "ann")
    presence.closed(1, "room", "ann")
    assert presence.connected(1) == {"room": 1, "online": 1}  # one tab still open
    assert presence.closed(1, "room", "ann")
    assert presence.connected(1) == {"online": 1}


def _rows(client: TestClient) -> list[tuple[str, int, int]]:
    html = client.get("/console/demo/w/presence").text
    found = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', html)
    return [(label, int(joined), int(now)) for label, joined, now in found]


def _join(client: TestClient, *channels: str) -> None:
    async def go() -> None:
        from assembly import domain

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            event = await domain.event_by_slug(db, "demo")
            for channel in channels:
                await domain.join(db, event, None, channel)

    client.portal.call(go)  # type: ignore[union-attr]


def test_the_console_shows_every_channel_that_has_anyone_in_a_fixed_order(
    client: TestClient,
) -> None:
    """Issue 15.6c: the table knew only room and online."""
    login(client)
    _join(client, "paper", "table", "table", "online")
    assert _rows(client) == [("Online", 1, 0), ("Table", 2, 0), ("Paper card", 1, 0)]
    html = client.get("/console/demo/w/presence").text
    assert '<th scope="col">Connected now</th>' in html and "External" not in html


def test_connected_now_counts_each_person_once_and_anonymous_sockets_not_at_all(
    client: TestClient,
) -> None:
    login(client)
    client.get("/e/demo")  # this browser joins online
    with live_socket(client, "/ws/e/demo"), live_socket(client, "/ws/e/demo"):
        with live_socket(client, "/ws/e/demo"):
            assert _rows(client) == [("Online", 1, 1)]  # three tabs, one person
            kept = dict(client.cookies)
            client.cookies.clear()
            try:
                with live_socket(client, "/ws/e/demo"):  # a socket without a participant
                    client.cookies.update(kept)
                    assert _rows(client) == [("Online", 1, 1)]
            finally:
                client.cookies.update(kept)
        assert _rows(client) == [("Online", 1, 1)]
    assert _rows(client) == [("Online", 1, 0)]
