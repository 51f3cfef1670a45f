"""Web hygiene: security headers, the stream embed's frame origin, websocket Origin, gzip."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import login


def _set_stream(client: TestClient, url: str) -> None:
    async def go() -> None:
        from assembly import domain

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            (await domain.event_by_slug(db, "demo")).stream_url = url

    client.portal.call(go)  # type: ignore[union-attr]


@pytest.mark.parametrize("path", ["/", "/e/demo", "/screen/demo", "/login", "/j", "/nowhere"])
def test_every_page_has_a_strict_policy(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "frame-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in r.text and " style=" not in r.text and " on" + "click=" not in r.text


def test_stream_embed_is_the_only_frame_allowed(client: TestClient) -> None:
    _set_stream(client, "https://www.youtube.com/watch?v=abc123")
    r = client.get("/e/demo")
    assert 'src="https://www.youtube-nocookie.com/embed/abc123"' in r.text
    assert "frame-src https://www.youtube-nocookie.com;" in r.headers["content-security-policy"]


@pytest.mark.parametrize("url", ["http://insecure.example/live", "javascript:alert(1)", "nope"])
def test_only_https_streams_are_embedded(client: TestClient, url: str) -> None:
    _set_stream(client, url)
    r = client.get("/e/demo")
    assert "<iframe" not in r.text and "frame-src 'none'" in r.headers["content-security-policy"]


def test_room_participants_get_no_stream(client: TestClient) -> None:
    from assembly.security import room_code
    from tests.test_join import _room_secret

    _set_stream(client, "https://vimeo.com/12345")
    assert 'src="https://player.vimeo.com/video/12345"' in client.get("/e/demo").text
    client.get(f"/j/{room_code(_room_secret(client), 300)}")
    assert "<iframe" not in client.get("/e/demo").text


@pytest.mark.parametrize("path", ["/ws/e/demo", "/ws/screen/demo", "/ws/console/demo"])
def test_websockets_from_another_site_are_refused(client: TestClient, path: str) -> None:
    login(client)
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(path, headers={"origin": "https://evil.example"}) as ws:
            ws.receive_text()
    assert info.value.code == 1008
    with client.websocket_connect(path, headers={"origin": "http://testserver"}):
        pass


def test_static_files_are_compressed(client: TestClient) -> None:
    r = client.get(
        "/static/vendor/htmx.org-2.0.11/htmx.min.js", headers={"accept-encoding": "gzip"}
    )
    assert r.headers["content-encoding"] == "gzip"


def test_cookies_are_secure_behind_https(settings: object) -> None:
    from assembly.app import create_app

    with TestClient(create_app(settings), base_url="https://assembly.example") as https:  # type: ignore[arg-type]
        r = https.get("/e/demo")
    cookies = r.headers.get_list("set-cookie")
    assert len(cookies) == 2  # the CSRF cookie and the participant cookie
    assert all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_cookies_are_not_secure_over_plain_http(client: TestClient) -> None:
    cookies = client.get("/e/demo").headers.get_list("set-cookie")
    assert cookies and not any("Secure" in c for c in cookies)
