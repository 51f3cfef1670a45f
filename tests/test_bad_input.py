"""Every kind of bad input gets a clear 4xx sentence and changes nothing."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from assembly.models import AuditEntry, Ballot, Contribution, Participant
from tests.conftest import csrf_of, login, post_login
from tests.test_contributions import post, rows
from tests.test_polls import open_first_poll, vote

# The domain runs on both engines we support.
BOTH_DATABASES = True


@pytest.mark.parametrize(
    ("text", "status", "sentence"),
    [
        ("", 422, "Your contribution is empty"),
        ("   \n\t ", 422, "Your contribution is empty"),
        ("x" * 1001, 422, "the limit is 1,000"),
    ],
)
def test_empty_or_over_long_contribution(
    client: TestClient, text: str, status: int, sentence: str
) -> None:
    r = post(client, text)
    assert r.status_code == status and sentence in r.text
    r = post(client, text, htmx=True)
    assert r.status_code == status and sentence in r.text
    assert r.headers["HX-Reswap"] == "none" and 'id="flash"' in r.text
    assert rows(client, Contribution) == []


def test_exactly_1000_characters_with_crlf_line_breaks_is_accepted(client: TestClient) -> None:
    text = ("a" * 99 + "\r\n") * 10  # 1,000 characters as a person counts them
    assert post(client, text.rstrip()).status_code == 303
    assert len(rows(client, Contribution)[0].text) <= 1000


def test_unknown_kind(client: TestClient) -> None:
    r = post(client, "hi", kind="rant")
    assert r.status_code == 422 and "Choose what kind" in r.text
    assert rows(client, Contribution) == []


@pytest.mark.parametrize("path", ["/e/nope/contributions", "/e/nope/name"])
def test_unknown_event_on_post(client: TestClient, path: str) -> None:
    token = csrf_of(client)
    r = client.post(path, data={"csrf_token": token, "kind": "idea", "text": "x"})
    assert r.status_code == 404 and "There is no event at this address" in r.text


def test_unknown_session_poll_option_and_contribution(client: TestClient) -> None:
    token = login(client)
    r = client.post("/console/demo/sessions/9999/current", data={"csrf_token": token})
    assert r.status_code == 404 and "not on this event" in r.text
    r = client.post("/console/demo/polls/9999/open", data={"csrf_token": token})
    assert r.status_code == 404 and "That poll does not exist" in r.text
    r = client.post("/console/demo/c/9999/hide", data={"csrf_token": token})
    assert r.status_code == 404 and "That contribution does not exist" in r.text
    r = client.post("/console/demo/c/abc/hide", data={"csrf_token": token})
    assert r.status_code == 404
    r = client.post("/e/demo/c/9999/upvote", data={"csrf_token": token})
    assert r.status_code == 404
    poll, options = open_first_poll(client, token)
    r = vote(client, poll, 9999)
    assert r.status_code == 422 and "not part of this poll" in r.text
    r = vote(client, poll, "first")
    assert r.status_code == 422 and "Choose one of the options" in r.text
    r = client.post("/e/demo/polls/9999/ballot", data={"csrf_token": token, "option": "1"})
    assert r.status_code == 404
    assert rows(client, Ballot) == []


def test_unknown_moderation_action(client: TestClient) -> None:
    token = login(client)
    post(client, "x")
    [c] = rows(client, Contribution)
    before = len(rows(client, AuditEntry))
    r = client.post(f"/console/demo/c/{c.id}/delete-everything", data={"csrf_token": token})
    assert r.status_code == 400 and "not something a facilitator can do" in r.text
    assert len(rows(client, AuditEntry)) == before


def test_ballot_on_a_draft_poll(client: TestClient) -> None:
    from tests.test_privacy import _set

    _set(client, "update event set stream_delay = 0")  # no grace for online voters (see test_grace)
    token = login(client)
    poll, options = open_first_poll(client, token)
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    r = vote(client, poll, options[0].id)
    assert r.status_code == 409 and "closed" in r.text


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_missing_or_wrong_csrf_token_changes_nothing(client: TestClient, token: str | None) -> None:
    csrf_of(client)  # a real participant with a real CSRF cookie
    data = {"kind": "idea", "text": "cross-site"}
    if token is not None:
        data["csrf_token"] = token
    r = client.post("/e/demo/contributions", data=data)
    assert r.status_code == 403 and "Reload the page and try again" in r.text
    r = client.post("/e/demo/contributions", data=data, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    assert rows(client, Contribution) == []
    participants = len(rows(client, Participant))
    r = client.post("/e/demo/name", data={"display_name": "Mallory"})
    assert r.status_code == 403 and len(rows(client, Participant)) == participants


def test_csrf_header_from_htmx_is_accepted(client: TestClient) -> None:
    token = csrf_of(client)
    r = client.post(
        "/e/demo/contributions",
        data={"kind": "idea", "text": "via htmx"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert r.status_code == 200 and len(rows(client, Contribution)) == 1


def test_a_cookieless_post_is_refused(client: TestClient) -> None:
    token = csrf_of(client)
    client.cookies.clear()
    r = client.post(
        "/e/demo/contributions", data={"kind": "idea", "text": "x", "csrf_token": token}
    )
    assert r.status_code == 403 and rows(client, Contribution) == []


def test_console_posts_without_login_are_refused(client: TestClient) -> None:
    token = csrf_of(client)
    post(client, "x")
    [c] = rows(client, Contribution)
    r = client.post(
        f"/console/demo/c/{c.id}/hide", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 403 and "Log in again" in r.text
    assert rows(client, Contribution)[0].status == "visible"


def test_console_socket_without_login_is_closed(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect("/ws/console/demo") as ws:
            ws.receive_text()
    assert info.value.code == 1008


def test_over_long_display_name(client: TestClient) -> None:
    token = csrf_of(client)
    r = client.post("/e/demo/name", data={"display_name": "n" * 61, "csrf_token": token})
    assert r.status_code == 422 and "60 characters" in r.text
    assert {p.display_name for p in rows(client, Participant)} == {""}


def test_unknown_page_and_wrong_method(client: TestClient) -> None:
    r = client.get("/nowhere")
    assert r.status_code == 404 and "nothing at this address" in r.text
    r = client.get("/e/demo/contributions")
    assert r.status_code == 405 and "use the form on the page" in r.text


def test_login_next_never_leaves_the_site(client: TestClient) -> None:
    r = post_login(client, "//evil.example/")
    assert r.headers["location"] == "/"  # type: ignore[attr-defined]
