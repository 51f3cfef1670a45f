"""Through the real uvicorn server: websocket upgrades and many concurrent ballots."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from pathlib import Path

import httpx2 as httpx
from websockets.asyncio.client import connect
from websockets.sync.client import connect as connect_sync

from assembly.config import Settings
from tests.conftest import PASSWORD, LiveServer, staff_headers

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _db_path(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


def test_websocket_upgrade_and_push_through_the_real_server(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as phone:
        token = _CSRF.search(phone.get("/e/demo").text).group(1)  # type: ignore[union-attr]
        cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
        ws_url = live_server.url.replace("http", "ws") + "/ws/e/demo"
        with connect_sync(ws_url, additional_headers={"Cookie": cookie}) as ws:
            r = phone.post(
                "/e/demo/contributions",
                data={"kind": "idea", "text": "over a real socket", "csrf_token": token},
            )
            assert r.status_code == 303
            assert str(ws.recv(timeout=5)).startswith("<!--seq:")  # the greeting
            assert "over a real socket" in str(ws.recv(timeout=5))


async def _participant(base: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base)
    page = await client.get("/e/demo")
    return client, _CSRF.search(page.text).group(1)  # type: ignore[union-attr]


async def _burst(base: str, n: int, db_path: Path) -> tuple[list[int], int]:
    staff, token = await _participant(base)
    login = await staff.get("/login")
    token = _CSRF.search(login.text).group(1)  # type: ignore[union-attr]
    await staff.post(
        "/login",
        data={
            "username": "facilitator",
            "password": PASSWORD,
            "next": "/console/demo",
            "csrf_token": token,
        },
    )
    console = (await staff.get("/console/demo")).text
    token = _CSRF.search(console).group(1)  # type: ignore[union-attr]
    session_id = re.findall(r"/sessions/(\d+)/current", console)[0]
    await staff.post(f"/console/demo/sessions/{session_id}/current", data={"csrf_token": token})
    console = (await staff.get("/console/demo")).text
    poll_id = re.findall(r"/polls/(\d+)/open", console)[0]
    r = await staff.post(f"/console/demo/polls/{poll_id}/open", data={"csrf_token": token})
    assert r.status_code in (200, 303)
    page = (await staff.get("/e/demo")).text
    options = [int(o) for o in re.findall(r'name="option" value="(\d+)"', page)]
    assert options

    phones = await asyncio.gather(*(_participant(base) for _ in range(n)))
    rng = random.Random(7)

    async def vote(phone: httpx.AsyncClient, csrf: str) -> None:
        for _ in range(2):  # vote, then change it: one ballot each must remain
            r = await phone.post(
                f"/e/demo/polls/{poll_id}/ballot",
                data={"option": str(rng.choice(options)), "csrf_token": csrf},
                headers={"HX-Request": "true"},
            )
            assert r.status_code == 200, r.text

    ws_url = base.replace("http", "ws") + "/ws/screen/demo"
    async with connect(ws_url, additional_headers=await staff_headers(base)) as screen:
        await asyncio.gather(*(vote(p, c) for p, c in phones))
        # Every ballot is acknowledged, so committed: the screen must converge on the database.
        truth = _ballots(db_path, int(poll_id), options)
        shown: list[int] = []
        async with asyncio.timeout(10):
            while shown != truth:
                message = str(await screen.recv())
                if f'id="poll-{poll_id}-results"' in message:
                    shown = [int(x) for x in re.findall(r'class="n">\((\d+)\)', message)]
    for p, _ in phones:
        await p.aclose()
    await staff.aclose()
    return truth, int(poll_id)


def _ballots(db_path: Path, poll_id: int, options: list[int]) -> list[int]:
    with sqlite3.connect(db_path) as conn:
        rows = dict(
            conn.execute(
                "select option_id, count(*) from ballot where poll_id = ? group by option_id",
                (poll_id,),
            ).fetchall()
        )
    return [rows.get(o, 0) for o in options]


def test_tally_equals_the_ballots_after_many_concurrent_votes(settings: Settings) -> None:
    n = 40
    with LiveServer(settings) as server:
        truth, poll_id = asyncio.run(_burst(server.url, n, _db_path(settings)))
    assert sum(truth) == n  # one ballot each, though everyone voted twice
    with sqlite3.connect(_db_path(settings)) as conn:
        most = conn.execute(
            "select max(c) from (select count(*) c from ballot group by participant_id)"
        ).fetchone()[0]
    assert most == 1
