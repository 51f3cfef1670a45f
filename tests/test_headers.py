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


ATTACK = "https://stream.example.com;frame-ancestors *;"


def test_a_stored_stream_address_cannot_rewrite_the_policy(client: TestClient) -> None:
    """Issue 18.7: the frame origin came from the raw address, so a `;` added a directive."""
    _set_stream(client, ATTACK)
    r = client.get("/e/demo")
    csp = r.headers["content-security-policy"]
    assert csp.count("frame-ancestors") == 1 and "frame-ancestors 'none'" in csp
    assert "frame-src 'none'" in csp and "<iframe" not in r.text


def test_the_frame_origin_is_built_from_the_parsed_host_and_port(client: TestClient) -> None:
    _set_stream(client, "https://Stream.Example.org:8443/live/room?x=1#now")
    csp = client.get("/e/demo").headers["content-security-policy"]
    assert "frame-src https://stream.example.org:8443;" in csp


@pytest.mark.parametrize(
    "raw",
    [
        ATTACK,
        "https://stream.example.com/live now",
        "https://stream.example.com /live",
        "javascript:alert(1)",
        "http://stream.example.com/live",
        "https://user:pass@stream.example.com/live",
        "https://@stream.example.com/live",
        "https:///live",
        "https://",
        "stream.example.com/live",
        "https://stream.example.com:99999/live",
        "https://stream.example.com:port/live",
        "https://-bad-.example.com/live",
        "https://stream..example.com/live",
        "https://stream.example.com\n/live",
        "https://stream.example.com/live;frame-ancestors",
        "https://stream.example.com/" + "x" * 500,
    ],
)
def test_a_bad_stream_address_is_refused_with_a_sentence(raw: str) -> None:
    from assembly.domain import Refused
    from assembly.streams import stream_url

    with pytest.raises(Refused) as info:
        stream_url(raw)
    assert info.value.status == 422
    assert info.value.message.endswith(".") and "stream" in info.value.message.lower()


@pytest.mark.parametrize(
    ("raw", "kept", "origin"),
    [
        ("", "", ""),
        ("  https://vimeo.com/12345  ", "https://vimeo.com/12345", "https://vimeo.com"),
        (
            "https://Live.Example.org:443/a",
            "https://live.example.org/a",
            "https://live.example.org",
        ),
        (
            "https://live.example.org:8443/a?b=c#d",
            "https://live.example.org:8443/a?b=c#d",
            "https://live.example.org:8443",
        ),
        (
            "https://bücher.example/live",
            "https://xn--bcher-kva.example/live",
            "https://xn--bcher-kva.example",
        ),
        ("https://192.0.2.7/live", "https://192.0.2.7/live", "https://192.0.2.7"),
    ],
)
def test_a_good_stream_address_is_kept_in_one_spelling(raw: str, kept: str, origin: str) -> None:
    from assembly.streams import frame_origin, stream_url

    assert stream_url(raw) == kept
    assert frame_origin(kept) == origin


@pytest.mark.parametrize("frame_src", [ATTACK, "https://a.example b", "*", "https://a.example;"])
def test_the_policy_takes_only_an_origin_for_its_frame_source(frame_src: str) -> None:
    from assembly.headers import content_security_policy

    csp = content_security_policy(frame_src)
    assert "frame-src 'none'" in csp and csp.count(";") == 9
