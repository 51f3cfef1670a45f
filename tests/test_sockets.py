"""assembly/sockets.py: how many sockets one person and one address may hold open."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import LiveServer, live_socket, login


def _refused(client: TestClient, path: str = "/ws/e/demo") -> tuple[int, str]:
    """The close code and reason of a socket the server accepts only to close at once."""
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(path) as ws:
            ws.receive_text()
    return info.value.code, info.value.reason


def test_one_person_may_open_a_few_sockets_not_hundreds(client: TestClient) -> None:
    """Issue 18.6: one participant cookie opened 500 sockets."""
    from assembly.sockets import CLOSE_TOO_MANY, PER_PARTICIPANT

    client.get("/e/demo")
    with ExitStack() as stack:
        for _ in range(PER_PARTICIPANT):
            stack.enter_context(live_socket(client, "/ws/e/demo"))
        code, reason = _refused(client)
        # 1008: the page's ws extension does not reconnect on it (it does on 1006, 1011-1013).
        assert code == CLOSE_TOO_MANY == 1008
        assert "Close" in reason and reason.endswith(".") and len(reason.encode()) <= 123
    # The tabs closed: there is room again.
    with live_socket(client, "/ws/e/demo"):
        pass


def test_one_address_may_open_a_hall_of_sockets_not_thousands(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18.6: 4,000 anonymous sockets from one address (each test client is one address)."""
    import assembly.sockets as sockets

    monkeypatch.setattr(sockets, "PER_ADDRESS", 3)
    login(client)  # the big screen is the team's
    with ExitStack() as stack:
        stack.enter_context(live_socket(client, "/ws/e/demo"))
        stack.enter_context(live_socket(client, "/ws/screen/demo"))
        stack.enter_context(live_socket(client, "/ws/e/demo"))
        for path in ("/ws/e/demo", "/ws/screen/demo"):  # every socket route counts
            code, reason = _refused(client, path)
            assert code == 1008 and "network" in reason


def test_the_caps_hold_on_the_real_server_per_forwarded_address(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under uvicorn, behind a proxy on this machine: the cap is per client address, so a
    second address is not refused when the first is full; a refused socket is closed, not
    left to reconnect."""
    import websockets
    from websockets.asyncio.client import connect

    import assembly.sockets as sockets

    monkeypatch.setattr(sockets, "PER_ADDRESS", 4)
    ws_url = live_server.url.replace("http", "ws") + "/ws/e/demo"

    async def open_one(address: str) -> tuple[object, int | None]:
        ws = await connect(ws_url, additional_headers={"X-Forwarded-For": address})
        try:
            await asyncio.wait_for(ws.recv(), 5)  # the greeting
            await asyncio.wait_for(ws.recv(), 0.3)
        except TimeoutError:
            return ws, None  # open, and quiet
        except websockets.ConnectionClosed as closed:
            return ws, closed.rcvd.code if closed.rcvd else None
        return ws, None

    async def main() -> list[int | None]:
        opened = [await open_one("203.0.113.1") for _ in range(5)]
        opened.append(await open_one("203.0.113.2"))
        codes = [code for _, code in opened]
        for ws, _ in opened:
            await ws.close()  # type: ignore[attr-defined]
        return codes

    assert asyncio.run(main()) == [None, None, None, None, 1008, None]
