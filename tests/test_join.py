"""Joining: the room QR sets channel room, the plain link online, and cookies are checked."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from assembly.config import Settings
from assembly.security import room_code
from tests.conftest import login

# The domain runs on both engines we support.
BOTH_DATABASES = True


def _room_secret(client: TestClient) -> str:
    async def get() -> str:
        from assembly import domain

        async with client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            return (await domain.event_by_slug(db, "demo")).room_secret

    return client.portal.call(get)  # type: ignore[union-attr]


def _presence(client: TestClient) -> dict[str, int]:
    async def get() -> dict[str, int]:
        from assembly import domain

        async with client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            return await domain.presence_counts(db, await domain.event_by_slug(db, "demo"))

    return client.portal.call(get)  # type: ignore[union-attr]


def test_plain_link_joins_online(client: TestClient) -> None:
    page = client.get("/e/demo")
    assert page.status_code == 200
    assert 'class="tag channel-online"' in page.text
    assert _presence(client) == {"online": 1}


def test_room_qr_joins_the_room_and_lands_on_the_event(
    client: TestClient, settings: Settings
) -> None:
    code = room_code(_room_secret(client), settings.room_code_period)
    r = client.get(f"/j/{code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/e/demo"
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Lax" in r.headers["set-cookie"]
    assert 'class="tag channel-room"' in client.get("/e/demo").text
    assert _presence(client) == {"room": 1}


def test_previous_code_still_works_for_one_period(client: TestClient, settings: Settings) -> None:
    period = settings.room_code_period
    old = room_code(_room_secret(client), period, time.time() - period)
    client.get(f"/j/{old.lower()}")  # typed in lower case from the screen
    assert 'class="tag channel-room"' in client.get("/e/demo").text


def test_online_participant_who_scans_the_qr_moves_to_the_room_and_back_never(
    client: TestClient, settings: Settings
) -> None:
    client.get("/e/demo")
    client.get(f"/j/{room_code(_room_secret(client), settings.room_code_period)}")
    assert 'class="tag channel-room"' in client.get("/e/demo").text
    assert _presence(client) == {"room": 1}  # the same participant, moved


def test_an_expired_code_lands_online_with_a_box_to_type_the_code_again(
    client: TestClient, settings: Settings
) -> None:
    stale = room_code(
        _room_secret(client), settings.room_code_period, time.time() - 3 * settings.room_code_period
    )
    r = client.get(f"/j/{stale}")
    assert r.status_code == 200 and str(r.url).endswith("/e/demo?code=expired")
    assert "had expired" in r.text and "joined as online" in r.text
    assert 'action="/j"' in r.text and 'id="room-code"' in r.text  # type it again
    assert 'class="tag channel-online"' in r.text
    assert _presence(client) == {"online": 1}


def test_an_unknown_code_joins_nobody_and_asks_for_the_code_again(
    client: TestClient, settings: Settings
) -> None:
    # Never a code (a typo) and older than the expired window: not "expired", and nobody joins.
    period = settings.room_code_period
    ancient = room_code(_room_secret(client), period, time.time() - 40 * period)
    for code in ("AAAAAA", ancient):
        r = client.get(f"/j/{code}")
        assert r.status_code == 404
        assert "not a room code we know" in r.text and "expired" not in r.text
        assert '<form method="get" action="/j"' in r.text
        assert code not in r.text  # nothing from the address is repeated
        assert 'href="/e/demo"' in r.text  # following online is one tap away
    assert _presence(client) == {}


def test_a_cookie_that_fails_its_signature_is_a_new_participant(
    client: TestClient, settings: Settings
) -> None:
    client.get(f"/j/{room_code(_room_secret(client), settings.room_code_period)}")
    name = next(k for k in client.cookies if k.startswith("asm_p"))
    jar = dict(client.cookies)
    value = jar[name]
    jar[name] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    client.cookies.clear()
    for k, v in jar.items():
        client.cookies.set(k, v)
    page = client.get("/e/demo")
    assert 'class="tag channel-online"' in page.text  # not the forged room identity
    assert _presence(client) == {"room": 1, "online": 1}


def test_join_form_takes_a_typed_code(client: TestClient, settings: Settings) -> None:
    assert 'name="code"' in client.get("/j").text
    code = room_code(_room_secret(client), settings.room_code_period)
    client.get("/j", params={"code": code})
    assert 'class="tag channel-room"' in client.get("/e/demo").text


def test_unknown_event_is_a_404_sentence(client: TestClient) -> None:
    r = client.get("/e/nope")
    assert r.status_code == 404 and "There is no event at this address" in r.text


def test_console_requires_login(client: TestClient) -> None:
    r = client.get("/console/demo", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/console/demo"
    r = client.get("/console/demo/w/feed", headers={"HX-Request": "true"})
    assert r.status_code == 403 and "Log in again" in r.text
    login(client)
    assert "Who is here" in client.get("/console/demo").text


def test_wrong_password_is_refused_and_sets_no_staff_cookie(client: TestClient) -> None:
    from tests.conftest import csrf_of

    token = csrf_of(client, "/login")
    r = client.post(
        "/login",
        data={
            "username": "facilitator",
            "password": "nope",
            "csrf_token": token,
            "next": "/console/demo",
        },
    )
    assert r.status_code == 401 and "do not match" in r.text
    assert "asm_staff" not in client.cookies


def test_one_time_login_link_works_once(client: TestClient) -> None:
    from assembly.models import FacilitatorAccount

    async def issue() -> str:
        from sqlalchemy import select

        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.write() as db:
            account = await db.scalar(select(FacilitatorAccount))
            account.link_nonce = "fresh"
            return str(st.signer.one_time_login(account.id, "fresh"))

    token = client.portal.call(issue)  # type: ignore[union-attr]
    r = client.get(f"/login/once/{token}?next=/console/demo")
    assert r.status_code == 200 and "Who is here" in r.text
    client.cookies.clear()
    r = client.get(f"/login/once/{token}")
    assert r.status_code == 403 and "has been used or has expired" in r.text


def test_participant_found_among_other_events_cookies(
    client: TestClient, settings: Settings
) -> None:
    """The participant lookup takes every participant cookie a browser sends and keeps the one
    named after this event, also when there are more than it checks in its one query."""
    from assembly.web.identity import _CANDIDATES

    client.get(f"/j/{room_code(_room_secret(client), settings.room_code_period)}")
    name = next(k for k in client.cookies if k.startswith("asm_p"))
    jar = dict(client.cookies)
    signer = client.app_state["app"].signer  # type: ignore[attr-defined]

    def send_with(extras: int, own: str) -> str:
        # Other events' cookies come first: valid ones of unknown participants, and forgeries.
        client.cookies.clear()
        for extra in range(extras):
            forged = signer.participant_cookie("0" * 32) if extra % 2 else "nonsense"
            client.cookies.set(f"asm_p{1000 + extra}", forged)
        for k, v in jar.items():
            client.cookies.set(k, own if k == name else v)
        return client.get("/e/demo").text

    for extras in range(2 * _CANDIDATES):
        assert 'class="tag channel-room"' in send_with(extras, jar[name]), extras
    assert 'class="tag channel-online"' in send_with(2 * _CANDIDATES, "nonsense")
    assert _presence(client) == {"room": 1, "online": 1}
