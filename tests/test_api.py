"""The integration API: external contributions posted with an event's API key, and the keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from assembly.app import create_app
from assembly.config import Settings
from assembly.domain import event_by_slug
from assembly.domain.apikeys import create_key
from assembly.models import MAX_TEXT, ApiKey, AuditEntry, Contribution, Event
from assembly.web.api import MAX_BODY, api_event
from tests.conftest import LiveServer, csrf_of, in_app, live_socket, login, receive_until
from tests.organise_helpers import admin, login_as, send
from tests.test_contributions import rows

BOTH_DATABASES = True

URL = "/api/events/demo/contributions"
GOOD = {"text": "Ward staff need more time", "kind": "idea", "source": "#nhsassembly"}


def make_key(client: TestClient, slug: str = "demo", label: str = "Bridge") -> str:
    """A new key for the event ``slug`` (made, as a draft, if missing); returns the key."""

    async def make(db: Any) -> str:
        event = await db.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            event = Event(slug=slug, title="Another assembly", room_secret="s" * 32)
            db.add(event)
            await db.flush()
        _, token = await create_key(db, event, None, label)
        return token

    return str(in_app(client, make))


def call(client: TestClient, key: str | None, body: Any = GOOD, **headers: str) -> Any:
    """POST ``body`` (JSON unless bytes) with ``key`` as the Bearer key (None: no header)."""
    sent = dict(headers)
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(URL, content=content, headers={"content-type": "application/json", **sent})


def _set_event(client: TestClient, **values: Any) -> None:
    async def change(db: Any) -> None:
        event = await event_by_slug(db, "demo")
        for name, value in values.items():
            setattr(event, name, value)

    in_app(client, change)


def _keys(client: TestClient) -> list[tuple[int, Any, Any]]:
    return sorted((k.id, k.last_used_at, k.revoked_at) for k in rows(client, ApiKey))


def test_a_key_posts_an_external_contribution_to_the_current_session(client: TestClient) -> None:
    key = make_key(client)
    login(client)  # the console's socket; the API itself ignores the cookie
    with (
        live_socket(client, "/ws/console/demo") as console,
        live_socket(client, "/ws/e/demo") as public,
    ):
        r = call(client, key, {**GOOD, "author": "@sam <b>"})
        assert r.status_code == 201, r.text
        to_console = receive_until(console, "console-feed-items")
        to_public = receive_until(public, "feed-items")
    [c] = rows(client, Contribution)
    assert r.json() == {"id": c.id, "status": "visible", "channel": "external"}
    assert (c.channel, c.kind, c.text) == ("external", "idea", GOOD["text"])
    assert (c.source, c.author_name, c.participant_id) == ("#nhsassembly", "@sam <b>", None)
    [event] = rows(client, Event)
    assert c.session_id == event.current_session_id is not None
    assert 'data-channel="external"' in to_console and "via #nhsassembly" in to_console
    assert "@sam &lt;b&gt;" in to_console and "@sam <b>" not in to_console
    assert GOOD["text"] in to_public
    assert GOOD["text"] in client.get("/console/demo").text
    [(_, used, revoked)] = _keys(client)
    assert used is not None and revoked is None


def _revoked_key(client: TestClient) -> str:
    key = make_key(client, label="Old bridge")

    async def revoke(db: Any) -> None:
        from assembly.models import utcnow

        found = await db.scalar(select(ApiKey).where(ApiKey.label == "Old bridge"))
        found.revoked_at = utcnow()

    in_app(client, revoke)
    return key


# Each refusal: the key to send (made by the function), the body, the status, and a piece of
# the sentence.
REFUSALS: dict[str, tuple[Callable[[TestClient], str | None], Any, int, str]] = {
    "no key": (lambda c: None, GOOD, 401, "Authorization: Bearer"),
    "empty key": (lambda c: "", GOOD, 401, "Authorization: Bearer"),
    "unknown key": (lambda c: "not-a-key-we-made", GOOD, 401, "not known"),
    "key longer than any": (lambda c: "k" * 5000, GOOD, 401, "not known"),
    "revoked key": (_revoked_key, GOOD, 401, "was revoked on"),
    "another event's key": (lambda c: make_key(c, "other"), GOOD, 403, "another event"),
    "malformed JSON": (make_key, b'{"text": "half', 400, "not valid JSON"),
    "not UTF-8": (make_key, b'{"text": "\xff\xfe", "kind": "idea"}', 400, "not valid JSON"),
    "nested too deep": (make_key, b"[" * 60_000, 400, "not valid JSON"),
    "not an object": (make_key, ["text"], 400, "JSON object"),
    "text over the limit": (make_key, {**GOOD, "text": "x" * (MAX_TEXT + 1)}, 422, "limit"),
    "empty text": (make_key, {**GOOD, "text": "   "}, 422, "empty"),
    "no text": (make_key, {"kind": "idea"}, 422, "empty"),
    "text not a string": (make_key, {**GOOD, "text": 12}, 422, "must be a string"),
    "a NUL": (make_key, {**GOOD, "text": "a\x00b"}, 422, "not text"),
    "a lone surrogate": (make_key, b'{"text": "a\\ud800", "kind": "idea"}', 422, "not text"),
    "unknown kind": (make_key, {**GOOD, "kind": "rant"}, 422, "idea, experience"),
    "no kind": (make_key, {"text": "Hello"}, 422, "kind"),
    "author too long": (make_key, {**GOOD, "author": "a" * 61}, 422, "the limit is 60"),
    "source not a string": (make_key, {**GOOD, "source": ["#a"]}, 422, "must be a string"),
    "huge body": (make_key, b'{"text": "' + b"x" * MAX_BODY + b'"}', 413, "larger than"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_is_a_json_sentence_and_stores_nothing(client: TestClient, case: str) -> None:
    make, body, status, said = REFUSALS[case]
    key = make(client)
    keys = _keys(client)
    r = call(client, key, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert said in r.json()["error"], r.json()
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert rows(client, Contribution) == []
    assert _keys(client) == keys  # not even marked used


def test_no_key_says_bearer_and_a_wrong_key_says_invalid_token(client: TestClient) -> None:
    assert call(client, None).headers["www-authenticate"] == "Bearer"
    wrong = call(client, "nope").headers["www-authenticate"]
    assert wrong == 'Bearer error="invalid_token"'
    r = client.post(URL, json=GOOD, headers={"Authorization": f"Basic {make_key(client)}"})
    assert r.status_code == 401  # only the Bearer scheme carries a key


def test_a_closed_or_draft_event_refuses_with_409(client: TestClient) -> None:
    key = make_key(client)
    for status in ("closed", "draft"):
        _set_event(client, status=status)
        r = call(client, key)
        assert r.status_code == 409 and r.json()["error"], r.text
    assert rows(client, Contribution) == []


def test_a_browser_cookie_alone_authorizes_nothing(client: TestClient) -> None:
    """A logged-in organiser's and a participant's cookies, CSRF token included: still 401."""
    admin(client)
    token = csrf_of(client)  # joins the demo as a participant too
    r = call(client, None, **{"X-CSRF-Token": token})
    assert r.status_code == 401
    r = client.post(URL, data={**GOOD, "csrf_token": token})  # a form, as a page would send
    assert r.status_code == 401
    assert rows(client, Contribution) == []


def test_pre_moderation_holds_it_as_pending_off_the_public_feed(client: TestClient) -> None:
    key = make_key(client)
    _set_event(client, moderation="pre")
    login(client)
    with live_socket(client, "/ws/console/demo") as console:
        r = call(client, key)
        assert "Awaiting review" in receive_until(console, "console-feed-items")
    assert r.status_code == 201 and r.json()["status"] == "pending"
    [c] = rows(client, Contribution)
    assert c.status == "pending"
    assert GOOD["text"] not in client.get("/e/demo").text


def test_the_word_list_holds_text_and_handles_alike(client: TestClient) -> None:
    key = make_key(client)
    _set_event(client, word_list=["rude*"])
    assert call(client, key, {**GOOD, "text": "rudeness here"}).json()["status"] == "pending"
    assert call(client, key, {**GOOD, "author": "@rudeboy"}).json()["status"] == "pending"
    assert call(client, key, GOOD).json()["status"] == "visible"


def test_a_key_works_only_for_its_own_event(client: TestClient) -> None:
    demo, other = make_key(client), make_key(client, "other")
    assert call(client, demo).status_code == 201
    r = client.post(
        "/api/events/other/contributions", json=GOOD, headers={"Authorization": f"Bearer {demo}"}
    )
    assert r.status_code == 403
    assert call(client, other).status_code == 403
    r = client.post(
        "/api/events/nowhere/contributions",
        json=GOOD,
        headers={"Authorization": f"Bearer {demo}"},
    )
    assert r.status_code == 403  # says nothing of whether "nowhere" exists
    assert len(rows(client, Contribution)) == 1


def test_a_retry_with_the_same_idempotency_key_is_stored_once(client: TestClient) -> None:
    key = make_key(client)
    first = call(client, key, **{"Idempotency-Key": "msg-42"})
    again = call(client, key, **{"Idempotency-Key": "msg-42"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(rows(client, Contribution)) == 1
    assert call(client, key, **{"Idempotency-Key": "k" * 65}).status_code == 422


def test_an_organiser_makes_a_key_sees_it_once_and_revokes_it(client: TestClient) -> None:
    token = admin(client)
    page = client.get("/organise/demo/api")
    assert page.status_code == 200 and 'aria-current="page">API keys' in page.text
    r = send(client, token, "/organise/demo/api/keys", label="Hashtag <bridge>")
    assert r.status_code == 200
    [made] = rows(client, ApiKey)
    shown = r.text.split('id="new-key" class="copy" value="')[1].split('"')[0]
    assert len(shown) >= 43 and shown.startswith(made.prefix) and made.hash != shown
    assert "Hashtag &lt;bridge&gt;" in r.text
    # The list shows the prefix, never the key again.
    listed = client.get("/organise/demo/api").text
    assert f"{made.prefix}…" in listed and shown not in listed and "never used" in listed
    client.cookies.clear()  # the API call carries no login
    assert call(client, shown).status_code == 201
    token = login_as(client, "boss")
    assert "last used" in client.get("/organise/demo/api").text
    r = send(client, token, f"/organise/demo/api/keys/{made.id}/revoke")
    assert r.status_code == 303
    assert "revoked" in client.get("/organise/demo/api").text
    assert call(client, shown).status_code == 401
    again = send(client, token, f"/organise/demo/api/keys/{made.id}/revoke")
    assert again.status_code == 409
    actions = [a.action for a in rows(client, AuditEntry)]
    assert actions.count("api_key.create") == 1 and actions.count("api_key.revoke") == 1
    # A label is needed.
    assert send(client, token, "/organise/demo/api/keys", label=" ").status_code == 422
    assert len(rows(client, ApiKey)) == 1


def test_keys_are_rate_limited_each_on_its_own(sqlite_copy: Callable[..., Settings]) -> None:
    settings = sqlite_copy(rate_limit_scale=2 / 120)  # two calls a minute per key
    with TestClient(create_app(settings)) as client:
        key, other = make_key(client), make_key(client, label="Other")
        assert [call(client, key).status_code for _ in range(2)] == [201, 201]
        r = call(client, key)
        assert r.status_code == 429 and r.headers["retry-after"] == "60"
        assert "Wait a minute" in r.json()["error"]
        assert call(client, other).status_code == 201
        assert len(rows(client, Contribution)) == 3


def test_api_event_lets_a_get_route_accept_a_key(settings: Settings) -> None:
    async def probe(request: Request) -> Response:
        event = await api_event(request)
        return JSONResponse({"slug": event.slug})

    app = create_app(settings)
    app.router.routes.append(Route("/api/events/{event}/probe", probe))
    with TestClient(app) as client:
        key = make_key(client)
        r = client.get("/api/events/demo/probe", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200 and r.json() == {"slug": "demo"}
        r = client.get("/api/events/demo/probe")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in r.json()["error"]
        r = client.get(
            "/api/events/demo/probe",
            headers={"Authorization": f"Bearer {make_key(client, 'other')}"},
        )
        assert r.status_code == 403 and "another event" in r.json()["error"]


def test_through_the_real_server_with_a_real_client(live_server: LiveServer) -> None:
    import httpx2 as httpx

    async def make(db: Any) -> str:
        _, token = await create_key(db, await event_by_slug(db, "demo"), None, "Live")
        return token

    key = _on_server(live_server, make)
    with httpx.Client(base_url=live_server.url) as http:
        r = http.post(URL, json=GOOD, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 201, r.text
        assert r.json()["channel"] == "external"
        refused = http.post(URL, json=GOOD)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        big = http.post(
            URL,
            content=b"x" * (MAX_BODY + 1),
            headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
        )
        assert big.status_code == 413
        console = _on_server(live_server, _count)
    assert console == 1


async def _count(db: Any) -> int:
    return len(list(await db.scalars(select(Contribution))))


def _on_server(server: LiveServer, work: Callable[[Any], Any]) -> Any:
    """Run ``work(db)`` in a write transaction on the live server's own loop."""
    import asyncio

    async def go() -> Any:
        async with server.server.lifespan.state["app"].db.write() as db:
            return await work(db)

    return asyncio.run_coroutine_threadsafe(go(), server.loop).result(10)
