"""Issue 11.1: "Next session", the session timer (start, pause, add minutes, reset) counted
down by each page from what the server sends, and a private session's notice online."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import select
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from assembly.models import AuditEntry, Event, Session, utcnow
from tests.conftest import (
    PASSWORD,
    LiveServer,
    csrf_of,
    in_app,
    live_socket,
    login,
    receive_until,
    staff_headers,
)
from tests.test_contributions import rows

BOTH_DATABASES = True
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LEFT = re.compile(r'data-left="(\d+)"')


def _timer(client: TestClient, token: str, action: str, minutes: str = "", **kw: Any) -> Any:
    data = {"action": action, "minutes": minutes, "csrf_token": token}
    return client.post("/console/demo/timer", data=data, follow_redirects=False, **kw)


def _current(client: TestClient) -> Session:
    async def get(db: Any) -> Session:
        event = await db.scalar(select(Event).where(Event.slug == "demo"))
        session: Session = await db.get(Session, event.current_session_id)
        return session

    result: Session = in_app(client, get)
    return result


def _set_current(client: TestClient, index: int, **changes: Any) -> None:
    async def go(db: Any) -> None:
        event = await db.scalar(select(Event).where(Event.slug == "demo"))
        sessions = list(
            await db.scalars(
                select(Session).where(Session.event_id == event.id).order_by("position")
            )
        )
        event.current_session_id = sessions[index].id
        for key, value in changes.items():
            setattr(sessions[index], key, value)

    in_app(client, go)


def test_start_pause_resume_add_and_reset(client: TestClient) -> None:
    token = login(client)
    r = _timer(client, token, "start", "2")
    assert r.status_code == 303 and r.headers["location"] == "/console/demo#clock"
    s = _current(client)
    assert s.timer_ends_at is not None and s.timer_left_seconds is None
    page = client.get("/e/demo").text  # a phone: the seconds left as of its render
    left = int(_LEFT.search(page).group(1))  # type: ignore[union-attr]
    assert 115 <= left <= 120 and re.search(r'class="left">(2:00|1:5\d)<', page)
    assert "data-clock" in client.get("/screen/demo").text

    assert _timer(client, token, "pause").status_code == 303
    s = _current(client)
    assert s.timer_ends_at is None and 115 <= (s.timer_left_seconds or 0) <= 120
    frozen = client.get("/e/demo").text
    assert "Paused" in frozen and "data-clock" not in frozen  # nothing counts a paused timer

    _timer(client, token, "add", "3")
    assert _current(client).timer_left_seconds == (s.timer_left_seconds or 0) + 180
    _timer(client, token, "start")  # resumes with what it had left
    s = _current(client)
    assert s.timer_ends_at is not None and s.timer_left_seconds is None
    ends = s.timer_ends_at
    _timer(client, token, "add")  # one minute when none is given
    assert _current(client).timer_ends_at == ends + timedelta(minutes=1)
    _set_current(client, 1, timer_ends_at=utcnow() - timedelta(minutes=5))  # it ran out
    assert "Time is up." in client.get("/e/demo").text
    _timer(client, token, "add", "2")  # two more minutes, from now
    assert 118 <= int(_LEFT.search(client.get("/e/demo").text).group(1)) <= 120  # type: ignore[union-attr]
    _timer(client, token, "reset")
    s = _current(client)
    assert s.timer_ends_at is None and s.timer_left_seconds is None
    actions = [a.action for a in rows(client, AuditEntry) if a.action.startswith("timer.")]
    assert actions == [
        "timer.start",
        "timer.pause",
        "timer.add",
        "timer.start",
        "timer.add",
        "timer.add",
        "timer.reset",
    ]


def test_start_uses_the_planned_minutes_and_asks_for_minutes_when_there_are_none(
    client: TestClient,
) -> None:
    token = login(client)
    _set_current(client, 1, minutes=45)
    _timer(client, token, "start")
    assert re.search(r'class="left">(45:00|44:5\d)<', client.get("/e/demo").text)
    _timer(client, token, "reset")
    _set_current(client, 1, minutes=None)
    r = _timer(client, token, "start", headers={"HX-Request": "true"})
    assert r.status_code == 422 and "how many minutes" in r.text
    assert "Minutes" in client.get("/console/demo").text  # the field it asks for is there
    assert _timer(client, token, "start", "5").status_code == 303


def test_bad_timers_are_refused_and_change_nothing(client: TestClient) -> None:
    token = login(client)
    _timer(client, token, "start", "10")
    before = _current(client).timer_ends_at
    audits = len(rows(client, AuditEntry))
    for action, minutes, status, said in [
        ("start", "-5", 422, "zero or fewer minutes"),
        ("add", "-5", 422, "zero or fewer minutes"),
        ("add", "0", 422, "zero or fewer minutes"),
        ("add", "ten", 422, "whole number"),
        ("add", "601", 422, "600 minutes at most"),
        ("start", "", 409, "already running"),
        ("explode", "", 422, "starts, pauses"),
    ]:
        r = _timer(client, token, action, minutes, headers={"HX-Request": "true"})
        assert r.status_code == status, (action, minutes, r.text)
        assert said in r.text and r.headers["HX-Reswap"] == "none"
    assert _current(client).timer_ends_at == before
    assert len(rows(client, AuditEntry)) == audits
    _timer(client, token, "reset")
    r = _timer(client, token, "pause", headers={"HX-Request": "true"})
    assert r.status_code == 409 and "not running" in r.text
    r = _timer(client, token, "add", "2", headers={"HX-Request": "true"})
    assert r.status_code == 409 and "Start the timer first" in r.text


def test_only_those_who_run_the_agenda_may_touch_the_timer(client: TestClient) -> None:
    phone_token = csrf_of(client)
    r = _timer(client, phone_token, "start", "2")
    assert r.status_code in (303, 401, 403) and _current(client).timer_ends_at is None


def test_next_session_moves_on_and_refuses_past_the_last(client: TestClient) -> None:
    token = login(client)
    _set_current(client, 1)
    console = client.get("/console/demo").text
    assert 'Next session<span class="visually-hidden">: Shaping it together' in console
    r = client.post(
        "/console/demo/sessions/next",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Shaping it together" in r.text
    assert _current(client).title == "Shaping it together"
    assert "the last session" in client.get("/console/demo").text
    r = client.post(
        "/console/demo/sessions/next",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 409 and "last session on the agenda" in r.text
    assert _current(client).title == "Shaping it together"
    assert "session.current" in {a.action for a in rows(client, AuditEntry)}


def test_a_private_session_shows_online_people_a_notice_not_the_stream(
    client: TestClient,
) -> None:
    async def stream(db: Any) -> None:
        event = await db.scalar(select(Event).where(Event.slug == "demo"))
        event.stream_url = "https://www.youtube.com/watch?v=abc123"

    in_app(client, stream)
    online = client.get("/e/demo").text
    assert "youtube-nocookie.com/embed/abc123" in online
    _set_current(client, 1, private=True)
    online = client.get("/e/demo").text
    assert "is a private session" in online and "youtube-nocookie" not in online
    # The room's phones never had the stream; a private session changes nothing for them.
    with TestClient(client.app) as room:  # type: ignore[arg-type]
        code = _room_code(client)
        room.get(f"/j/{code}")
        page = room.get("/e/demo").text
        assert "private session" not in page and "youtube" not in page
    # Pushed when the current session changes, to the online pages' #stream.
    token = login(client)
    with live_socket(client, "/ws/e/demo") as public:
        client.post("/console/demo/sessions/next", data={"csrf_token": token})
        pushed = receive_until(public, 'id="stream"')
    assert "youtube-nocookie.com/embed/abc123" in pushed and 'data-same="stream"' in pushed


def _room_code(client: TestClient) -> str:
    from assembly.security import room_code

    async def secret(db: Any) -> str:
        event = await db.scalar(select(Event).where(Event.slug == "demo"))
        return str(event.room_secret)

    settings = client.app_state["app"].settings  # type: ignore[attr-defined]
    return room_code(in_app(client, secret), settings.room_code_period)


def test_the_timer_is_pushed_on_a_change_only_through_the_real_server(
    live_server: LiveServer,
) -> None:
    """Start, pause and add each push one timer to phones, the screen and the console; in
    between the sockets stay quiet (pages count down themselves)."""

    async def go() -> None:
        base = live_server.url
        ws = base.replace("http", "ws")
        headers = await staff_headers(base)
        async with httpx.AsyncClient(base_url=base) as staff:
            token = _CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
            data = {"username": "facilitator", "password": PASSWORD, "next": "/"}
            await staff.post("/login", data={**data, "csrf_token": token})
            token = _CSRF.search((await staff.get("/console/demo")).text).group(1)  # type: ignore[union-attr]
            async with (
                connect(ws + "/ws/e/demo") as phone,
                connect(ws + "/ws/screen/demo", additional_headers=headers) as screen,
                connect(ws + "/ws/console/demo", additional_headers=headers) as console,
            ):
                for sock in (phone, screen, console):
                    assert str(await sock.recv()).startswith("<!--seq:")

                async def timer_push(sock: Any) -> str:
                    while True:
                        message = str(await asyncio.wait_for(sock.recv(), 5))
                        if 'id="timer"' in message:
                            return message

                async def act(action: str, minutes: str = "") -> list[str]:
                    form = {"action": action, "minutes": minutes, "csrf_token": token}
                    r = await staff.post("/console/demo/timer", data=form)
                    assert r.status_code in (200, 303), r.text
                    return [await timer_push(s) for s in (phone, screen, console)]

                started = await act("start", "2")
                for html in started:
                    left = int(_LEFT.search(html).group(1))  # type: ignore[union-attr]
                    assert 118 <= left <= 120 and "data-clock" in html
                assert 'id="clock"' in started[2] and 'name="action" value="pause"' in started[2]
                assert 'value="pause"' not in started[0]  # phones get no controls
                # No push per second: nothing on the phone's socket for over a second.
                try:
                    extra = await asyncio.wait_for(phone.recv(), 1.5)
                    assert 'id="timer"' not in str(extra), "the timer was pushed unasked"
                except TimeoutError:
                    pass
                paused = await act("pause")
                assert all("Paused" in h and "data-clock" not in h for h in paused)
                frozen = re.search(r'class="left">1:(\d\d)<', paused[0])
                assert frozen, paused[0]
                added = await act("add", "3")
                assert all(f'class="left">4:{frozen.group(1)}<' in h for h in added)

    asyncio.run(go())
