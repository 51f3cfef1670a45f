"""The big screen shows the live room code: only the team, or the screen's secret address,
may open it, and changing the address closes every screen opened with the old one."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assembly.app import create_app
from assembly.config import Settings
from assembly.models import Event
from assembly.security import room_code
from assembly.web import screen
from tests.conftest import LiveServer, closed_after, live_socket, login
from tests.test_join import _room_secret


def _screen_key(client: TestClient) -> str:
    async def read() -> str:
        async with client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            return str(await db.scalar(select(Event.screen_key).where(Event.slug == "demo")))

    return str(client.portal.call(read))  # type: ignore[union-attr]


def _code(client: TestClient, settings: Settings) -> str:
    return room_code(_room_secret(client), settings.room_code_period)


def test_nobody_outside_the_team_sees_the_room_code(client: TestClient, settings: Settings) -> None:
    code = _code(client, settings)
    page = client.get("/screen/demo", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/screen/demo"
    for path in ("/screen/demo/w/qr", "/screen/demo/w/poll", "/", "/e/demo", "/login"):
        r = client.get(path)
        assert code not in r.text, path
    assert client.get("/screen/demo/w/qr").status_code == 403
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws/screen/demo") as ws:
            ws.receive_text()
    # Accepted, then closed with 1008, which the page does not retry, and a sentence it shows.
    assert refused.value.code == 1008 and "screen address" in refused.value.reason


def test_the_team_sees_the_screen(client: TestClient, settings: Settings) -> None:
    login(client)
    assert _code(client, settings) in client.get("/screen/demo").text
    with live_socket(client, "/ws/screen/demo"):
        pass


def test_the_screen_address_opens_the_screen_without_a_login(
    client: TestClient, settings: Settings
) -> None:
    r = client.get(f"/screen/demo/open/{_screen_key(client)}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/screen/demo"
    assert "asm_staff" not in client.cookies
    assert _code(client, settings) in client.get("/screen/demo").text
    assert _code(client, settings) in client.get("/screen/demo/w/qr").text
    with live_socket(client, "/ws/screen/demo"):
        pass
    # It is not a login: the console stays shut.
    assert client.get("/console/demo", follow_redirects=False).status_code == 303


def test_a_wrong_screen_address_opens_nothing(client: TestClient, settings: Settings) -> None:
    r = client.get("/screen/demo/open/" + "0" * 32, follow_redirects=False)
    assert r.status_code == 403 and "not current" in r.text
    assert not any(name.startswith("asm_s") for name in client.cookies)
    assert _code(client, settings) not in client.get("/screen/demo").text


def test_the_console_shows_the_screen_address(client: TestClient) -> None:
    login(client)
    console = client.get("/console/demo").text
    assert f"/screen/demo/open/{_screen_key(client)}" in console
    # PUBLIC_URL is not set in the tests: the console says what the QR is built from.
    assert "PUBLIC_URL" in console and "testserver" in console


def test_with_public_url_set_the_console_says_nothing_about_it(settings: Settings) -> None:
    from dataclasses import replace

    with TestClient(create_app(replace(settings, public_url="https://assembly.example"))) as c:
        login(c)
        console = c.get("/console/demo").text
        assert "https://assembly.example/screen/demo/open/" in console
        assert "is not set" not in console


def test_changing_the_address_shuts_screens_opened_with_the_old_one(client: TestClient) -> None:
    old = _screen_key(client)
    client.get(f"/screen/demo/open/{old}")
    projector = dict(client.cookies)
    assert client.get("/screen/demo/w/qr").status_code == 200
    token = login(client)
    r = client.post("/console/demo/screen/key", data={"csrf_token": token})
    assert r.status_code == 200 and _screen_key(client) != old
    assert client.get("/screen/demo/w/qr").status_code == 200  # the team still sees it
    client.cookies.clear()
    for name, value in projector.items():
        client.cookies.set(name, value)
    assert client.get("/screen/demo/w/qr").status_code == 403
    assert client.get(f"/screen/demo/open/{old}").status_code == 403


def test_a_changed_address_closes_the_open_screen_socket_within_a_second(
    settings: Settings,
) -> None:
    import httpx2 as httpx
    from websockets.asyncio.client import connect

    with LiveServer(settings) as server:

        async def main() -> float:
            async with httpx.AsyncClient(base_url=server.url) as projector:
                key = await _key_over_http(server.url)
                await projector.get(f"/screen/demo/open/{key}")
                cookie = "; ".join(f"{k}={v}" for k, v in projector.cookies.items())
                url = server.url.replace("http", "ws", 1) + "/ws/screen/demo"
                async with connect(url, additional_headers={"Cookie": cookie}) as socket:
                    await socket.recv()  # the greeting: it is open
                    code, seconds = await closed_after(
                        socket, lambda: _new_key_over_http(server.url)
                    )
                    assert code == 1008
                    return seconds

        assert asyncio.run(main()) < 2.0


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_KEY = re.compile(r"/screen/demo/open/([0-9a-f]+)")


async def _staff(base: str) -> Any:
    import httpx2 as httpx

    from tests.conftest import PASSWORD

    staff = httpx.AsyncClient(base_url=base)
    token = _CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
    data = {"username": "facilitator", "password": PASSWORD, "next": "/", "csrf_token": token}
    await staff.post("/login", data=data)
    return staff


async def _key_over_http(base: str) -> str:
    staff = await _staff(base)
    try:
        match = _KEY.search((await staff.get("/console/demo")).text)
        assert match
        return match.group(1)
    finally:
        await staff.aclose()


async def _new_key_over_http(base: str) -> None:
    staff = await _staff(base)
    try:
        match = _CSRF.search((await staff.get("/console/demo")).text)
        assert match
        r = await staff.post("/console/demo/screen/key", data={"csrf_token": match.group(1)})
        assert r.status_code == 303
    finally:
        await staff.aclose()


def test_the_qr_is_drawn_once_per_code_and_address(client: TestClient) -> None:
    login(client)
    screen.qr_svg.cache_clear()
    for _ in range(3):
        client.get("/screen/demo/w/qr")
    info = screen.qr_svg.cache_info()
    assert (info.misses, info.hits) == (1, 2)
