"""Fair to the stream (issue 10, point 5): when a poll closes, room ballots stop at once and
online ballots go on for the event's stream delay, whoever closed it and however."""

from __future__ import annotations

from starlette.testclient import TestClient

from assembly.models import Ballot, Poll
from assembly.security import room_code
from tests.conftest import csrf_of, live_socket, login, receive_until
from tests.test_contributions import rows
from tests.test_join import _room_secret
from tests.test_polls import _session, open_first_poll, vote
from tests.test_privacy import _set

BOTH_DATABASES = True
HX = {"HX-Request": "true"}  # the console's own requests: the reply carries its sentence


def _in_the_room(client: TestClient) -> None:
    client.get(f"/j/{room_code(_room_secret(client), 300)}")


def _poll(client: TestClient, poll_id: int) -> Poll:
    return next(p for p in rows(client, Poll) if p.id == poll_id)


def test_room_ballots_stop_at_the_close_and_online_ones_go_on_for_the_delay(
    client: TestClient,
) -> None:
    staff = login(client)
    poll, options = open_first_poll(client, staff)
    r = client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": staff}, headers=HX)
    assert "Online voters have 30 s more" in r.text
    closed = _poll(client, poll.id)
    assert closed.status == "closed" and closed.online_until is not None
    assert (closed.online_until - closed.closed_at).total_seconds() == 30  # type: ignore[operator]
    assert "Closing for online voters" in client.get("/console/demo").text

    client.cookies.clear()
    csrf_of(client)  # joined online (the event link)
    r = vote(client, poll, options[1].id)
    assert r.status_code == 200 and "counted" in r.text
    [b] = rows(client, Ballot)
    assert b.channel == "online" and b.option_id == options[1].id

    client.cookies.clear()
    _in_the_room(client)
    r = vote(client, poll, options[0].id)
    assert r.status_code == 409 and "This poll closed at" in r.text
    assert len(rows(client, Ballot)) == 1

    # Once the grace is over, online ballots are refused too, saying until when they ran.
    _set(client, "update poll set online_until = closed_at")
    client.cookies.clear()
    csrf_of(client)
    r = vote(client, poll, options[0].id)
    assert r.status_code == 409 and "online votes until" in r.text
    assert len(rows(client, Ballot)) == 1
    assert "Closing for online voters" not in client.get("/console/demo").text


def test_making_another_session_current_closes_the_old_sessions_poll_the_same_way(
    client: TestClient,
) -> None:
    staff = login(client)
    poll, options = open_first_poll(client, staff)
    other = _session(client, "Shaping")
    r = client.post(
        f"/console/demo/sessions/{other.id}/current", data={"csrf_token": staff}, headers=HX
    )
    assert f"The poll “{poll.question}” closed; online voters have 30 s more" in r.text
    closed = _poll(client, poll.id)
    assert closed.status == "closed" and closed.online_until is not None
    client.cookies.clear()
    csrf_of(client)
    assert vote(client, poll, options[0].id).status_code == 200  # online, in the grace
    client.cookies.clear()
    _in_the_room(client)
    assert vote(client, poll, options[0].id).status_code == 409
    assert len(rows(client, Ballot)) == 1


def test_opening_another_poll_closes_the_open_one_with_the_grace(client: TestClient) -> None:
    staff = login(client)
    poll, _ = open_first_poll(client, staff)
    second = next(
        p for p in rows(client, Poll) if p.session_id == poll.session_id and p.id != poll.id
    )
    client.post(f"/console/demo/polls/{second.id}/open", data={"csrf_token": staff})
    first = _poll(client, poll.id)
    assert first.status == "closed" and first.online_until is not None


def test_without_a_stream_delay_everyone_stops_at_the_close(client: TestClient) -> None:
    _set(client, "update event set stream_delay = 0")
    staff = login(client)
    poll, options = open_first_poll(client, staff)
    r = client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": staff}, headers=HX)
    assert "Poll closed" in r.text and "Online voters have" not in r.text
    assert _poll(client, poll.id).online_until is None
    client.cookies.clear()
    csrf_of(client)
    assert vote(client, poll, options[0].id).status_code == 409
    assert rows(client, Ballot) == []


def test_reopening_a_poll_ends_its_old_grace(client: TestClient) -> None:
    staff = login(client)
    poll, _ = open_first_poll(client, staff)
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": staff})
    client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": staff})
    reopened = _poll(client, poll.id)
    assert reopened.status == "open" and reopened.online_until is None


def test_a_phone_online_keeps_its_form_through_the_grace_and_one_in_the_room_does_not(
    client: TestClient,
) -> None:
    """The close is pushed to every phone at once: the push holds no form but makes each page
    fetch its own, which for a phone online still has the form, and the seconds left."""
    staff = login(client)
    poll, options = open_first_poll(client, staff)
    client.cookies.clear()
    csrf_of(client)  # online
    online = dict(client.cookies.items())
    client.cookies.clear()
    _in_the_room(client)
    room = dict(client.cookies.items())
    client.cookies.clear()
    staff = login(client)
    with live_socket(client, "/ws/e/demo") as public:
        client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": staff})
        pushed = receive_until(public, 'id="poll"')
    assert 'hx-trigger="load, resync from:body"' in pushed and 'name="option"' not in pushed
    for name, cookies, has_form in (("online", online, True), ("room", room, False)):
        client.cookies.clear()
        for k, v in cookies.items():
            client.cookies.set(k, v)
        own = client.get("/e/demo/w/poll").text
        assert ('name="option"' in own) is has_form, name
        assert ("s more to vote" in own) is has_form, name
    # The grace over, the online phone's own poll is closed too.
    _set(client, "update poll set online_until = closed_at")
    client.cookies.clear()
    for k, v in online.items():
        client.cookies.set(k, v)
    assert 'name="option"' not in client.get("/e/demo/w/poll").text
