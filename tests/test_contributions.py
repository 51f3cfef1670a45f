"""Contributions: posting, the live feeds (console and public), moderation, upvotes."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from assembly.config import Settings
from assembly.models import Contribution, Upvote
from tests.conftest import csrf_of, live_socket, login, receive_until

# The domain runs on both engines we support.
BOTH_DATABASES = True


def rows(client: TestClient, model: Any) -> list[Any]:
    async def get() -> list[Any]:
        from sqlalchemy import select

        async with client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            return list(await db.scalars(select(model)))

    return client.portal.call(get)  # type: ignore[union-attr]


def post(client: TestClient, text: str, kind: str = "idea", htmx: bool = False) -> Any:
    token = csrf_of(client)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        "/e/demo/contributions",
        data={"kind": kind, "text": text, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


@pytest.fixture
def facilitator(settings: Settings) -> Any:
    from assembly.app import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def test_post_without_js_redirects_and_shows_in_the_feed(client: TestClient) -> None:
    r = post(client, "More evening GP appointments", kind="idea")
    assert r.status_code == 303 and r.headers["location"] == "/e/demo?said=sent#feed"
    page = client.get("/e/demo").text
    assert "More evening GP appointments" in page
    [c] = rows(client, Contribution)
    assert (c.kind, c.channel, c.status) == ("idea", "online", "visible")


def test_post_with_htmx_returns_a_fresh_form_and_a_sentence(client: TestClient) -> None:
    r = post(client, "Hello", htmx=True)
    assert r.status_code == 200
    assert 'id="contribute"' in r.text and "Sent." in r.text


def test_display_name_goes_with_the_contribution(client: TestClient) -> None:
    token = csrf_of(client)
    client.post("/e/demo/name", data={"display_name": "  Ann   B  ", "csrf_token": token})
    post(client, "I care for my mother")
    [c] = rows(client, Contribution)
    assert c.author_name == "Ann B"
    assert "Ann B" in client.get("/e/demo").text


def test_contribution_reaches_console_socket_and_public_socket(client: TestClient) -> None:
    login(client)
    with (
        live_socket(client, "/ws/console/demo") as console,
        live_socket(client, "/ws/e/demo") as public,
    ):
        post(client, "Waiting lists <b>worry</b> me", kind="concern")
        to_console = receive_until(console, "console-feed-items")
        to_public = public.receive_text()
    assert 'hx-swap-oob="afterbegin:#console-feed-items"' in to_console
    assert 'hx-swap-oob="afterbegin:#feed-items"' in to_public
    for html in (to_console, to_public):
        assert "Waiting lists &lt;b&gt;worry&lt;/b&gt; me" in html  # escaped, never markup
        assert 'data-kind="concern"' in html and 'data-channel="room"' not in html
    assert "/console/demo/c/" in to_console and "/console/demo/c/" not in to_public


def test_hidden_contributions_never_reach_public_sockets_or_pages(client: TestClient) -> None:
    token = login(client)
    post(client, "SECRET-rude-remark")
    [c] = rows(client, Contribution)
    with live_socket(client, "/ws/e/demo") as public:
        r = client.post(
            f"/console/demo/c/{c.id}/hide", data={"csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303
        removal = public.receive_text()
        assert removal == f'<li id="c-{c.id}" hx-swap-oob="delete"></li>'
        # While hidden, moderation changes (pin, answer) push nothing public: the next public
        # message is the marker posted after them.
        client.post(f"/console/demo/c/{c.id}/pin", data={"csrf_token": token})
        client.post(f"/console/demo/c/{c.id}/answered", data={"csrf_token": token})
        post(client, "marker")
        assert "marker" in public.receive_text()
    for path in ("/e/demo", "/e/demo/w/feed", "/screen/demo", "/screen/demo/w/featured"):
        assert "SECRET-rude-remark" not in client.get(path).text
    assert "SECRET-rude-remark" in client.get("/console/demo").text
    # Upvoting a hidden contribution is refused as if it did not exist.
    r = client.post(f"/e/demo/c/{c.id}/upvote", data={"csrf_token": token, "on": "1"})
    assert r.status_code == 404
    # Unhiding puts it back on public sockets.
    with live_socket(client, "/ws/e/demo") as public:
        client.post(f"/console/demo/c/{c.id}/show", data={"csrf_token": token})
        assert "SECRET-rude-remark" in public.receive_text()


def test_pre_moderation_holds_contributions_until_approved(client: TestClient) -> None:
    async def premoderate() -> None:
        from assembly import domain

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            (await domain.event_by_slug(db, "demo")).moderation = "pre"

    client.portal.call(premoderate)  # type: ignore[union-attr]
    token = login(client)
    with (
        live_socket(client, "/ws/console/demo") as console,
        live_socket(client, "/ws/e/demo") as public,
    ):
        r = post(client, "held-for-review", htmx=True)
        assert "Waiting for a moderator" in r.text
        assert "Awaiting review" in receive_until(console, "console-feed-items")
        [c] = rows(client, Contribution)
        client.post(f"/console/demo/c/{c.id}/show", data={"csrf_token": token})
        assert "held-for-review" in public.receive_text()  # the first public message


def test_feature_puts_it_on_the_screen_and_hide_takes_it_off(client: TestClient) -> None:
    token = login(client)
    post(client, "Put me on the big screen")
    [c] = rows(client, Contribution)
    with live_socket(client, "/ws/screen/demo") as screen:
        client.post(f"/console/demo/c/{c.id}/feature", data={"csrf_token": token})
        assert "Put me on the big screen" in screen.receive_text()
        client.post(f"/console/demo/c/{c.id}/hide", data={"csrf_token": token})
        off = screen.receive_text()
        assert 'id="featured"' in off and "Put me on the big screen" not in off
    assert "Put me on the big screen" not in client.get("/screen/demo").text


def test_upvote_once_each_undo_and_live_count(client: TestClient, facilitator: TestClient) -> None:
    post(facilitator, "Upvote me")
    [c] = rows(client, Contribution)
    token = csrf_of(client)
    with live_socket(client, "/ws/e/demo") as public:
        for _ in range(3):  # pressing twice (or a stale button) counts once
            r = client.post(
                f"/e/demo/c/{c.id}/upvote",
                data={"csrf_token": token, "on": "1"},
                headers={"HX-Request": "true"},
            )
            assert 'aria-pressed="true"' in r.text
        assert public.receive_text() == f'<span id="c-{c.id}-up" hx-swap-oob="true">1</span>'
        assert len(rows(client, Upvote)) == 1
        client.post(f"/e/demo/c/{c.id}/upvote", data={"csrf_token": token, "on": "0"})
        assert public.receive_text() == f'<span id="c-{c.id}-up" hx-swap-oob="true">0</span>'
    assert rows(client, Upvote) == [] and rows(client, Contribution)[0].upvotes == 0


def test_console_filters_by_channel_and_kind(client: TestClient, facilitator: TestClient) -> None:
    post(facilitator, "an online question", kind="question")
    post(facilitator, "an online idea", kind="idea")
    login(client)
    page = client.get("/console/demo?kind=question").text
    assert "an online question" in page and "an online idea" not in page
    assert 'data-kind="question"' in page  # live additions are hidden by the same filter
    page = client.get("/console/demo?channel=room").text
    assert "an online question" not in page
    page = client.get("/console/demo?channel=bogus").text  # unknown filter: everything
    assert "an online question" in page and "an online idea" in page


def test_saving_a_name_updates_the_whole_name_widget(client: TestClient) -> None:
    token = csrf_of(client)
    r = client.post(
        "/e/demo/name",
        data={"display_name": "Bea", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert 'id="name-box"' in r.text and "Your name: Bea" in r.text


def test_without_js_the_page_after_a_post_says_what_happened(client: TestClient) -> None:
    r = post(client, "no javascript here")
    assert r.headers["location"].startswith("/e/demo?said=sent")
    assert "Sent. It is at the top of the feed." in client.get(r.headers["location"]).text
    # Only known keys are shown: the URL cannot put words on the page.
    assert "pwned" not in client.get("/e/demo?said=pwned").text


def test_a_response_reaches_everyone_and_the_author_is_told(client: TestClient) -> None:
    post(client, "Who decides what goes in the Constitution?", kind="question")
    [c] = rows(client, Contribution)
    token = login(client)  # the same browser is the author and (now) a facilitator
    with live_socket(client, "/ws/e/demo") as author:
        r = client.post(
            f"/console/demo/c/{c.id}/respond",
            data={"text": "Parliament, after <consultation>.", "csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200 and "Response sent." in r.text
        pushed = receive_until(author, f'id="c-{c.id}-responses"')
        notice = receive_until(author, 'id="flash"')
    assert "Parliament, after &lt;consultation&gt;." in pushed
    assert "responded to your question" in notice
    assert "Parliament, after &lt;consultation&gt;." in client.get("/e/demo").text


def test_an_empty_response_is_refused(client: TestClient) -> None:
    token = login(client)
    post(client, "x")
    [c] = rows(client, Contribution)
    r = client.post(f"/console/demo/c/{c.id}/respond", data={"text": "  ", "csrf_token": token})
    assert r.status_code == 422 and "The response is empty" in r.text
    assert rows(client, Contribution)[0].responses == []


def test_pinning_a_visible_item_pushes_only_its_tags(client: TestClient) -> None:
    token = login(client)
    post(client, "pin me")
    [c] = rows(client, Contribution)
    with live_socket(client, "/ws/e/demo") as public:
        client.post(f"/console/demo/c/{c.id}/pin", data={"csrf_token": token})
        pushed = public.receive_text()
    # The whole item would reset every viewer's own upvote button; the tags line does not.
    assert pushed.startswith(f'<p id="c-{c.id}-meta"') and "Pinned" in pushed
    assert "upvote" not in pushed


def test_a_socket_opened_after_a_push_tells_the_page_it_missed_something(
    client: TestClient,
) -> None:
    import re

    page = client.get("/e/demo").text
    rendered = int(re.findall(r'data-seq="(\d+)"', page)[0])
    post(client, "published between the render and the socket")
    with client.websocket_connect("/ws/e/demo") as ws:
        hello = ws.receive_text()
    assert hello == f"<!--seq:{rendered + 1}-->"  # app.js re-fetches the widgets on a mismatch
