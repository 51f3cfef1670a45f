"""The speaker queue: raising and lowering a hand, calling the next (in turn or alternating room
and online), speaking and done, speaking time per channel, and what each refuses."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from html import unescape
from typing import Any

import httpx2 as httpx
from sqlalchemy import select
from starlette.testclient import TestClient
from websockets.sync.client import connect as connect_sync

from assembly import domain
from assembly.config import Settings
from assembly.models import AuditEntry, Event, Participant, SpeakerRequest
from assembly.security import room_code
from tests.conftest import PASSWORD, LiveServer, csrf_of, in_app, login
from tests.test_contributions import rows
from tests.test_join import _room_secret
from tests.test_privacy import _set

BOTH_DATABASES = True
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cookie(client: TestClient) -> str:
    return next(k for k in client.cookies.keys() if k.startswith("asm_p"))  # noqa: SIM118


def phone(client: TestClient, settings: Settings | None = None, room: bool = False) -> str:
    """A new participant in ``client``'s browser (online, or in the room); returns their cookie.
    The browser's staff login, if any, stays."""
    for name in [k for k in client.cookies.keys() if k.startswith("asm_p")]:  # noqa: SIM118
        client.cookies.delete(name)
    if room:
        assert settings is not None
        code = room_code(_room_secret(client), settings.room_code_period)
        client.get(f"/j/{code}")
    else:
        client.get("/e/demo")
    return client.cookies[_cookie(client)]


def be(client: TestClient, cookie: str) -> None:
    """Act as the participant whose cookie this is."""
    name = _cookie(client)
    client.cookies.delete(name)
    client.cookies.set(name, cookie)


def _post(client: TestClient, path: str, **data: str) -> Any:
    token = csrf_of(client, "/login")
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def raise_hand(client: TestClient, topic: str = "") -> Any:
    return _post(client, "/e/demo/hand", topic=topic)


def hands(client: TestClient) -> list[SpeakerRequest]:
    return sorted(rows(client, SpeakerRequest), key=lambda h: h.id)


def audits(client: TestClient) -> list[str]:
    return [a.action for a in rows(client, AuditEntry) if a.action.startswith("queue.")]


def test_a_participant_raises_a_hand_with_a_topic_and_lowers_it(client: TestClient) -> None:
    phone(client)
    r = raise_hand(client, "  Waiting   lists in\n the north ")
    assert r.status_code == 303 and r.headers["location"] == "/e/demo#hand"
    [hand] = hands(client)
    assert (hand.status, hand.topic, hand.channel) == (
        "waiting",
        "Waiting lists in the north",
        "online",
    )
    page = client.get("/e/demo").text
    assert "Your hand is raised: “Waiting lists in the north”" in page
    assert "/e/demo/hand/lower" in page
    r = client.post(
        "/e/demo/hand/lower",
        data={"csrf_token": csrf_of(client, "/login")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Your hand is lowered." in unescape(r.text)
    assert "Raise your hand" in unescape(r.text)
    assert hands(client)[0].status == "lowered"
    # Up again: a new request, the lowered one kept.
    assert raise_hand(client).status_code == 303
    assert [h.status for h in hands(client)] == ["lowered", "waiting"]


def test_raising_a_hand_twice_is_refused_and_changes_nothing(client: TestClient) -> None:
    phone(client)
    raise_hand(client, "first")
    before = hands(client)
    r = raise_hand(client, "second")
    assert r.status_code == 409
    assert "Your hand is already raised. Lower it first" in unescape(r.text)
    assert [(h.id, h.topic, h.status) for h in hands(client)] == [
        (h.id, h.topic, h.status) for h in before
    ]


def test_a_topic_longer_than_one_line_is_refused(client: TestClient) -> None:
    phone(client)
    r = raise_hand(client, "t" * 121)
    assert r.status_code == 422 and "the limit is 120" in unescape(r.text)
    assert hands(client) == []
    assert raise_hand(client, "t" * 120).status_code == 303


def test_lowering_a_hand_not_raised_is_refused(client: TestClient) -> None:
    phone(client)
    r = _post(client, "/e/demo/hand/lower")
    assert r.status_code == 409 and "Your hand is not raised." in unescape(r.text)
    assert hands(client) == []


def test_observers_cannot_raise_a_hand(client: TestClient) -> None:
    phone(client)
    raise_hand(client)
    _set(client, "update participant set role = 'observer'")
    _set(client, "delete from speaker_request")
    r = raise_hand(client)
    assert r.status_code == 403 and "Observers" in unescape(r.text)
    assert hands(client) == []
    assert "Raise your hand" not in client.get("/e/demo").text


def test_calling_the_next_from_an_empty_queue_is_refused(client: TestClient) -> None:
    login(client)
    r = _post(client, "/console/demo/queue/next")
    assert r.status_code == 409 and "Nobody is waiting to speak." in unescape(r.text)
    assert audits(client) == []


def _scene(client: TestClient, settings: Settings) -> dict[str, str]:
    """Hands up in this order: room A, room B, online C (each with a name); staff logged in."""
    login(client)
    people = {}
    for name, room in (("Ann", True), ("Bob", True), ("Cat", False)):
        people[name] = phone(client, settings, room=room)
        _post(client, "/e/demo/name", display_name=name)
        assert raise_hand(client, f"{name}'s point").status_code == 303
    return people


def _call(client: TestClient) -> str:
    r = _post(client, "/console/demo/queue/next")
    assert r.status_code == 303, r.text
    called = max((h for h in hands(client) if h.called_at), key=lambda h: h.called_at)
    return called.topic.split("'")[0]


def test_the_next_is_whoever_raised_a_hand_first(client: TestClient, settings: Settings) -> None:
    _scene(client, settings)
    assert [_call(client) for _ in range(3)] == ["Ann", "Bob", "Cat"]
    assert audits(client) == ["queue.call"] * 3


def test_alternating_prefers_the_other_channel_after_each_speaker(
    client: TestClient, settings: Settings
) -> None:
    _scene(client, settings)
    r = _post(client, "/console/demo/queue/alternate", on="1")
    assert r.status_code == 303
    # Ann first (nobody called before), then online Cat before room Bob, then Bob (no online left).
    assert [_call(client) for _ in range(3)] == ["Ann", "Cat", "Bob"]
    _post(client, "/console/demo/queue/alternate", on="0")
    assert audits(client) == ["queue.alternate_on", *["queue.call"] * 3, "queue.alternate_off"]


def test_the_console_shows_the_queue_with_channel_group_topic_and_waiting_time(
    client: TestClient, settings: Settings
) -> None:
    people = _scene(client, settings)
    be(client, people["Cat"])
    _set(client, "update participant set group_name = 'Carer' where display_name = 'Cat'")
    _set(client, "update speaker_request set group_name = 'Carer' where topic like 'Cat%'")
    html = client.get("/console/demo/w/queue").text
    assert "Speaker queue: 3 waiting" in html
    ann, cat = html.index("Ann&#39;s point"), html.index("Cat&#39;s point")
    assert ann < cat
    assert "In the room" in html and "Online" in html and "Carer" in html
    assert html.count("data-since=") == 3 and 'Waiting <span class="since">0:0' in html
    assert "/console/demo/queue/next" in client.get("/console/demo").text


def test_speaking_and_done_record_speaking_time_per_channel(
    client: TestClient, settings: Settings
) -> None:
    _scene(client, settings)
    ann = hands(client)[0]
    r = _post(client, f"/console/demo/queue/{ann.id}/done")
    assert r.status_code == 409 and "not speaking: mark them speaking first" in unescape(r.text)
    _call(client)
    assert _post(client, f"/console/demo/queue/{ann.id}/speaking").status_code == 303
    r = _post(client, f"/console/demo/queue/{ann.id}/speaking")
    assert r.status_code == 409 and "already speaking" in unescape(r.text)
    # Ninety seconds of speaking, as if she began a while ago.
    _set(
        client,
        "update speaker_request set started_at = :t where id = :i",
        t=_ago(client, 90),
        i=ann.id,
    )
    assert _post(client, f"/console/demo/queue/{ann.id}/done").status_code == 303
    done = hands(client)[0]
    assert done.status == "done" and done.started_at and done.ended_at and done.called_at
    assert _post(client, f"/console/demo/queue/{ann.id}/done").status_code == 409
    # Cat, online, is marked speaking straight from the queue (never called).
    cat = hands(client)[2]
    _post(client, f"/console/demo/queue/{cat.id}/speaking")
    _set(
        client,
        "update speaker_request set started_at = :t where id = :i",
        t=_ago(client, 30),
        i=cat.id,
    )
    _post(client, f"/console/demo/queue/{cat.id}/done")

    async def seconds(db: Any) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        event = await domain.event_by_slug(db, "demo")
        other = (event.current_session_id or 0) + 999
        return (
            await domain.speaking_seconds_by_channel(db, event),
            await domain.speaking_seconds_by_channel(db, event, event.current_session_id),
            await domain.speaking_seconds_by_channel(db, event, other),
        )

    whole, session, other = in_app(client, seconds)
    assert 90 <= whole["room"] <= 92 and 30 <= whole["online"] <= 32
    assert whole["paper"] == 0 and set(whole) == {"room", "online", "table", "paper", "external"}
    assert session == whole and sum(other.values()) == 0
    html = client.get("/console/demo/w/queue").text
    assert "1 min 3" in html and "Speaking time" in html
    assert audits(client) == [
        *["queue.call"],
        "queue.speaking",
        "queue.done",
        "queue.speaking",
        "queue.done",
    ]


def _ago(client: TestClient, seconds: int) -> Any:
    async def now(db: Any) -> Any:
        from assembly.models import utcnow

        moment = utcnow() - timedelta(seconds=seconds)
        # SQLite keeps what it is given: store it as naive UTC, as the ORM does.
        return moment.replace(tzinfo=None) if db.get_bind().dialect.name == "sqlite" else moment

    return in_app(client, now)


def test_a_mark_on_another_events_or_an_unknown_hand_is_a_404(client: TestClient) -> None:
    login(client)
    r = _post(client, "/console/demo/queue/999999/speaking")
    assert r.status_code == 404 and "not in this event's queue" in unescape(r.text)
    r = _post(client, "/console/demo/queue/1/shout")
    assert r.status_code == 404 and "speaking or done" in unescape(r.text)


def test_a_called_participant_sees_what_happens_now_on_their_page(
    client: TestClient, settings: Settings
) -> None:
    people = _scene(client, settings)
    _call(client)  # Ann, in the room
    be(client, people["Ann"])
    assert "Your turn: a microphone is coming." in client.get("/e/demo").text
    be(client, people["Bob"])
    page = client.get("/e/demo").text
    assert "microphone" not in page and "Your hand is raised" in page
    _call(client)  # Bob
    _call(client)  # Cat, online, and the event has no call link
    be(client, people["Cat"])
    page = client.get("/e/demo/w/hand").text
    assert "You're on." in page and "The facilitators will tell you how to join." in page
    _set(client, "update event set call_url = 'https://meet.example.org/nhs'")
    page = client.get("/e/demo").text
    assert "You&#39;re on." in page or "You're on." in page
    assert 'href="https://meet.example.org/nhs"' in page
    # A called hand can still be lowered; a speaking one cannot.
    assert _post(client, "/e/demo/hand/lower").status_code == 303
    be(client, people["Ann"])
    ann = hands(client)[0]
    _post(client, f"/console/demo/queue/{ann.id}/speaking")
    r = _post(client, "/e/demo/hand/lower")
    assert r.status_code == 409 and "You are speaking now" in unescape(r.text)


def test_staff_who_do_not_run_the_agenda_cannot_call_speakers(client: TestClient) -> None:
    async def moderator(db: Any) -> None:
        from assembly.demo import add_account

        account, _ = await add_account(db, "mod", PASSWORD)
        await domain.set_team_role(db, await domain.event_by_slug(db, "demo"), account, "moderator")

    in_app(client, moderator)
    token = csrf_of(client, "/login")
    client.post(
        "/login", data={"username": "mod", "password": PASSWORD, "next": "/", "csrf_token": token}
    )
    r = _post(client, "/console/demo/queue/next")
    assert r.status_code == 403 and "Facilitators and organisers run" in unescape(r.text)


def test_leaving_lowers_the_hand_and_forgets_the_topic(client: TestClient) -> None:
    phone(client)
    raise_hand(client, "my private point")
    assert _post(client, "/e/demo/leave").status_code == 200
    [hand] = hands(client)
    assert (hand.status, hand.topic, hand.participant_id) == ("lowered", "", None)


def test_the_called_phone_hears_you_are_on_through_the_real_server(settings: Settings) -> None:
    async def call_link() -> None:
        from assembly.db import Database

        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                event = await s.scalar(select(Event).where(Event.slug == "demo"))
                assert event is not None
                event.call_url = "https://meet.example.org/nhs"
        finally:
            await db.dispose()

    asyncio.run(call_link())
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as phone_http:
        token = _CSRF.search(phone_http.get("/e/demo").text).group(1)  # type: ignore[union-attr]
        r = phone_http.post("/e/demo/hand", data={"topic": "Waiting lists", "csrf_token": token})
        assert r.status_code == 303
        cookie = "; ".join(f"{k}={v}" for k, v in phone_http.cookies.items())
        ws_url = server.url.replace("http", "ws") + "/ws/e/demo"
        with (
            connect_sync(ws_url, additional_headers={"Cookie": cookie}) as ws,
            httpx.Client(base_url=server.url) as staff,
        ):
            assert str(ws.recv(timeout=5)).startswith("<!--seq:")
            token = _CSRF.search(staff.get("/login").text).group(1)  # type: ignore[union-attr]
            data = {"username": "facilitator", "password": PASSWORD, "next": "/console/demo"}
            staff.post("/login", data={**data, "csrf_token": token})
            token = _CSRF.search(staff.get("/console/demo").text).group(1)  # type: ignore[union-attr]
            r = staff.post("/console/demo/queue/next", data={"csrf_token": token})
            assert r.status_code == 303
            for _ in range(20):
                message = str(ws.recv(timeout=5))
                if "You're on" in message or "You&#39;re on" in message:
                    break
            else:
                raise AssertionError("the phone never heard it was on")
            assert 'href="https://meet.example.org/nhs"' in message
            assert 'id="hand"' in message and "hx-swap-oob" in message


def test_participants_are_rows_of_their_own(client: TestClient) -> None:
    # The helpers above make distinct participants in one browser.
    phone(client)
    phone(client)
    assert len(rows(client, Participant)) >= 2


def test_every_roles_console_sees_a_hand_go_up(client: TestClient) -> None:
    """The queue is pushed to both console topics: a facilitator's console (which subscribes to
    the runners' topic) and a moderator's (the other) both get it."""
    from tests.conftest import live_socket, receive_until

    login(client)  # the facilitator: runs the agenda
    with live_socket(client, "/ws/console/demo") as facilitator:
        phone(client)
        assert raise_hand(client, "Dentists in the north").status_code == 303
        pushed = receive_until(facilitator, "Dentists in the north")
    assert 'id="queue"' in pushed
    _set(client, "update team_member set role = 'moderator'")
    client.cookies.clear()
    login(client)
    with live_socket(client, "/ws/console/demo") as moderator:
        phone(client)
        assert raise_hand(client, "Pharmacies at night").status_code == 303
        assert 'id="queue"' in receive_until(moderator, "Pharmacies at night")
