"""Polls: the current session, opening and closing, one ballot per participant, live tallies."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from assembly.models import Ballot, Poll, PollOption, Session
from tests.conftest import csrf_of, live_socket, login, receive_until
from tests.test_contributions import rows

# The domain runs on both engines we support.
BOTH_DATABASES = True


def _session(client: TestClient, title_start: str) -> Session:
    return next(s for s in rows(client, Session) if s.title.startswith(title_start))


def _first_poll(client: TestClient, session: Session) -> tuple[Poll, list[PollOption]]:
    poll = min((p for p in rows(client, Poll) if p.session_id == session.id), key=lambda p: p.id)
    options = sorted(
        (o for o in rows(client, PollOption) if o.poll_id == poll.id), key=lambda o: o.position
    )
    return poll, options


def open_first_poll(client: TestClient, token: str, session_title: str = "Rights") -> Any:
    session = _session(client, session_title)
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
    poll, options = _first_poll(client, session)
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
    assert r.status_code == 200
    return poll, options


def vote(client: TestClient, poll: Poll, option: Any, htmx: bool = True) -> Any:
    token = csrf_of(client)
    return client.post(
        f"/e/demo/polls/{poll.id}/ballot",
        data={"option": str(option), "csrf_token": token},
        headers={"HX-Request": "true"} if htmx else {},
        follow_redirects=False,
    )


def test_current_session_change_is_pushed_to_phones_and_screen(client: TestClient) -> None:
    token = login(client)
    session = _session(client, "Shaping")
    with (
        live_socket(client, "/ws/e/demo") as public,
        live_socket(client, "/ws/screen/demo") as screen,
    ):
        client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
        for ws in (public, screen):
            assert session.prompt in receive_until(ws, 'id="prompt"')
    assert session.prompt in client.get("/e/demo").text
    assert session.prompt in client.get("/screen/demo").text


def test_open_vote_change_vote_close(client: TestClient) -> None:
    token = login(client)
    with live_socket(client, "/ws/e/demo") as public:
        poll, options = open_first_poll(client, token)
        assert 'name="option"' in receive_until(public, poll.question)
    r = vote(client, poll, options[0].id)
    assert "counted." in r.text and "checked" in r.text
    r = vote(client, poll, options[2].id)  # a second ballot replaces the first
    [b] = rows(client, Ballot)
    assert b.option_id == options[2].id and b.channel == "online"
    assert f"You voted for “{options[2].label}”" in client.get("/e/demo").text
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    from tests.test_privacy import _set  # (it imports this module)

    _set(client, "update poll set online_until = closed_at")  # online voters' grace is over
    r = vote(client, poll, options[1].id)
    assert r.status_code == 409 and "This poll closed at" in r.text
    assert rows(client, Ballot)[0].option_id == options[2].id  # unchanged


def test_no_js_vote_redirects_back_to_the_poll(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    r = vote(client, poll, options[1].id, htmx=False)
    assert r.status_code == 303 and r.headers["location"] == "/e/demo?said=voted#poll"


def test_tally_reaches_every_audience(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    with (
        live_socket(client, "/ws/screen/demo") as screen,
        live_socket(client, "/ws/console/demo") as console,
    ):
        vote(client, poll, options[1].id)
        for ws in (screen, console):
            tally = receive_until(ws, f'id="poll-{poll.id}-results"')
            assert "1 vote" in tally and "100%" in tally


def _rights_session_polls(client: TestClient) -> tuple[str, list[Poll]]:
    """Log in, make "Rights and pledges" current; the console's token and its polls by id."""
    token = login(client)
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
    polls = sorted(
        (p for p in rows(client, Poll) if p.session_id == session.id), key=lambda p: p.id
    )
    return token, polls


def test_only_one_poll_is_open_at_a_time(client: TestClient) -> None:
    token, polls = _rights_session_polls(client)
    for p in polls:
        client.post(f"/console/demo/polls/{p.id}/open", data={"csrf_token": token})
    statuses = {p.id: p.status for p in rows(client, Poll)}
    assert statuses[polls[-1].id] == "open"
    assert [s for s in statuses.values() if s == "open"] == ["open"]


def test_a_poll_of_another_session_cannot_be_opened(client: TestClient) -> None:
    token = login(client)
    other = _session(client, "Shaping")
    poll, _ = _first_poll(client, other)
    r = client.post(
        f"/console/demo/polls/{poll.id}/open",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 409 and "session current before opening" in r.text
    assert {p.status for p in rows(client, Poll)} == {"draft"}


def test_a_closed_poll_keeps_showing_its_final_result(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    vote(client, poll, options[0].id)
    with live_socket(client, "/ws/screen/demo") as screen:
        client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
        final = receive_until(screen, 'id="screen-poll"')
    assert "poll closed" in final and "100%" in final
    from tests.test_privacy import _set  # (it imports this module)

    _set(client, "update poll set online_until = closed_at")  # online voters' grace is over
    page = client.get("/e/demo").text
    assert "poll closed" in page and 'name="option"' not in page  # results, no ballot form


def test_the_pusher_keeps_no_view_of_a_closed_poll(client: TestClient) -> None:
    token, polls = _rights_session_polls(client)
    views = client.app_state["app"].push.views  # type: ignore[attr-defined]
    polls = [p for p in polls if p.audience == "everyone"]  # the public votes in these
    for p in polls:  # opening each closes the one before
        client.post(f"/console/demo/polls/{p.id}/open", data={"csrf_token": token})
        options = [o for o in rows(client, PollOption) if o.poll_id == p.id]
        assert vote(client, p, options[0].id).status_code == 200
        assert set(views) <= {p.id}  # only the open poll's last recount is kept
    client.post(f"/console/demo/polls/{polls[-1].id}/close", data={"csrf_token": token})
    assert not views
