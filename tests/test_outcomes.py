"""You said, we did: outcomes and themes set from the console, seen by the author and the room,
and the share-of-voice panel (issue 11, points 3, 7 and 8)."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient
from websockets.sync.client import connect as connect_sync

from assembly import domain
from assembly.models import AuditEntry, Contribution, ContributionTheme
from tests.conftest import PASSWORD, LiveServer, live_socket, login, receive_until
from tests.test_contributions import post, rows

# The domain runs on both engines we support.
BOTH_DATABASES = True

HTMX = {"HX-Request": "true"}


def _themes(client: TestClient, *themes: str) -> None:
    async def set_(db: Any) -> None:
        event = await domain.event_by_slug(db, "demo")
        event.themes = list(themes)

    client.portal.call(lambda: _in(client, set_))  # type: ignore[union-attr]


async def _in(client: TestClient, work: Any) -> None:
    async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
        await work(db)


def _outcome(client: TestClient, token: str, c: int, outcome: str, reason: str = "") -> Any:
    data = {"outcome": outcome, "reason": reason, "csrf_token": token}
    return client.post(f"/console/demo/outcome/{c}", data=data, headers=HTMX)


def _one(client: TestClient) -> Contribution:
    [c] = rows(client, Contribution)
    return c


def test_not_taken_forward_without_a_reason_is_refused_and_changes_nothing(
    client: TestClient,
) -> None:
    post(client, "Free parking for every patient")
    token = login(client)
    c = _one(client)
    r = _outcome(client, token, c.id, "not_taken_forward", "   ")
    assert r.status_code == 422 and "Say why it is not taken forward" in r.text
    assert _one(client).outcome == "open"
    r = _outcome(client, token, c.id, "decided")
    assert r.status_code == 422 and "Choose an outcome" in r.text
    assert _one(client).outcome == "open"
    assert not [a for a in rows(client, AuditEntry) if a.action.startswith("contribution.out")]


def test_an_outcome_reaches_the_room_the_author_and_what_you_have_said(client: TestClient) -> None:
    post(client, "Will the Constitution cover waiting times?", kind="question")
    c = _one(client)
    token = login(client)  # the same browser is the author and (now) a facilitator
    with live_socket(client, "/ws/e/demo") as author:
        r = _outcome(client, token, c.id, "not_taken_forward", "Out of <scope> for this review.")
        assert r.status_code == 200 and "Outcome: Not taken forward." in r.text
        pushed = receive_until(author, f'id="c-{c.id}-outcome"')
        told = receive_until(author, 'id="flash"')
    assert "Not taken forward" in pushed and "Out of &lt;scope&gt; for this review." in pushed
    assert "What became of your question: not taken forward." in told
    assert "Out of &lt;scope&gt;" in told
    stored = _one(client)
    assert (stored.outcome, stored.outcome_reason) == (
        "not_taken_forward",
        "Out of <scope> for this review.",
    )
    mine = client.get("/e/demo/me").text
    assert "Not taken forward" in mine and "Out of &lt;scope&gt; for this review." in mine
    assert "Not taken forward" in client.get("/e/demo").text
    assert "contribution.outcome.not_taken_forward" in {a.action for a in rows(client, AuditEntry)}


def test_answered_flag_and_outcome_answered_say_the_same(client: TestClient) -> None:
    post(client, "When is the next meeting?", kind="question")
    token = login(client)
    c = _one(client)
    _outcome(client, token, c.id, "answered")
    assert (_one(client).answered, _one(client).outcome) == (True, "answered")
    _outcome(client, token, c.id, "taken_forward", "To the board in March.")
    assert (_one(client).answered, _one(client).outcome) == (False, "taken_forward")
    client.post(f"/console/demo/c/{c.id}/answered", data={"csrf_token": token})
    assert (_one(client).answered, _one(client).outcome) == (True, "answered")
    assert _one(client).outcome_reason == ""
    client.post(f"/console/demo/c/{c.id}/unanswered", data={"csrf_token": token})
    assert (_one(client).answered, _one(client).outcome) == (False, "open")
    _outcome(client, token, c.id, "open", "ignored")
    assert _one(client).outcome_reason == ""


def test_themes_tag_filter_and_refuse_an_unknown_theme(client: TestClient) -> None:
    _themes(client, "awareness", "staff culture", "complaints")
    post(client, "Nobody knows the Constitution exists")
    post(client, "Staff are afraid to speak up")
    token = login(client)
    aware, staff = sorted(rows(client, Contribution), key=lambda c: c.id)
    url = f"/console/demo/themes/{staff.id}"
    data = {"theme": ["staff culture", "complaints"], "csrf_token": token}
    r = client.post(url, data=data, follow_redirects=False)
    assert r.status_code == 303
    assert {(t.contribution_id, t.theme) for t in rows(client, ContributionTheme)} == {
        (staff.id, "staff culture"),
        (staff.id, "complaints"),
    }
    r = client.post(url, data={"theme": ["complaints", "parking"], "csrf_token": token})
    assert r.status_code == 422 and "There is no theme “parking” on this event" in r.text
    assert len(rows(client, ContributionTheme)) == 2  # nothing changed
    feed = client.get("/console/demo/w/feed?theme=staff+culture").text
    assert "afraid to speak up" in feed and "Nobody knows" not in feed
    page = client.get("/console/demo?theme=complaints").text
    assert "afraid to speak up" in page and '<option value="complaints" selected>' in page
    assert "Nobody knows" in client.get("/console/demo?theme=nonsense").text  # no filter
    client.post(url, data={"theme": ["complaints"], "csrf_token": token}, headers=HTMX)
    assert [t.theme for t in rows(client, ContributionTheme)] == ["complaints"]
    client.post(url, data={"csrf_token": token})  # none ticked: untagged
    assert rows(client, ContributionTheme) == []
    assert "contribution.themes" in {a.action for a in rows(client, AuditEntry)}
    assert aware.id  # untouched throughout


def test_a_theme_on_an_event_without_themes_says_where_to_add_them(client: TestClient) -> None:
    _themes(client)  # the demo has some
    post(client, "x")
    token = login(client)
    c = _one(client)
    r = client.post(f"/console/demo/themes/{c.id}", data={"theme": "a", "csrf_token": token})
    assert r.status_code == 422 and "an organiser adds them on its settings page" in r.text


def test_share_of_voice_shows_numbers_bars_and_under_surfaced_online(client: TestClient) -> None:
    post(client, "Online one")  # the event link joins online
    post(client, "Online two")
    token = login(client)
    page = client.get("/console/demo").text
    assert 'id="voice"' in page and "Share of voice" in page and "<progress" in page
    assert "under-surfaced" not in page  # nothing featured or answered yet
    first = sorted(rows(client, Contribution), key=lambda c: c.id)[0]

    async def room(db: Any) -> None:  # one room contribution, answered
        c = await db.get(Contribution, first.id)
        c.channel = "room"

    client.portal.call(lambda: _in(client, room))  # type: ignore[union-attr]
    _outcome(client, token, first.id, "answered")
    panel = client.get("/console/demo/voice").text
    assert "Online voices are under-surfaced" in panel
    assert "online gave 50% of the contributions but has 0% of the featured" in panel


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_authors_phone_gets_the_outcome_through_the_real_server(
    live_server: LiveServer,
) -> None:
    with (
        httpx.Client(base_url=live_server.url) as phone,
        httpx.Client(base_url=live_server.url) as staff,
    ):
        token = _token(phone.get("/e/demo").text)
        r = phone.post(
            "/e/demo/contributions",
            data={"kind": "question", "text": "Who reads this?", "csrf_token": token},
        )
        assert r.status_code == 303
        data = {"username": "facilitator", "password": PASSWORD, "next": "/console/demo"}
        staff.post("/login", data={**data, "csrf_token": _token(staff.get("/login").text)})
        console = staff.get("/console/demo").text
        found = re.search(r'id="c-(\d+)"', console)
        assert found
        cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
        ws_url = live_server.url.replace("http", "ws") + "/ws/e/demo"
        with connect_sync(ws_url, additional_headers={"Cookie": cookie}) as ws:
            assert str(ws.recv(timeout=5)).startswith("<!--seq:")
            r = staff.post(
                f"/console/demo/outcome/{found.group(1)}",
                data={"outcome": "taken_forward", "reason": "", "csrf_token": _token(console)},
            )
            assert r.status_code == 303
            seen = ""
            for _ in range(10):
                seen += str(ws.recv(timeout=5))
                if "What became of your question" in seen:
                    break
        assert "Taken forward" in seen and "What became of your question: taken forward." in seen
        assert "Taken forward" in phone.get("/e/demo/me").text
