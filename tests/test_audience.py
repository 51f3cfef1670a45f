"""Who may vote (issue 10, point 2): a poll for everyone, for the members only or for the room
only; the others see it and its result, and a ballot from them is refused with a sentence."""

from __future__ import annotations

from starlette.testclient import TestClient

from assembly.models import Ballot, Participant, Poll
from assembly.security import room_code
from tests.conftest import csrf_of, live_socket, login, receive_until
from tests.test_contributions import rows
from tests.test_join import _room_secret
from tests.test_polls import _first_poll, _session, vote
from tests.test_privacy import _set

BOTH_DATABASES = True


def _open_for(client: TestClient, audience: str) -> tuple[Poll, list[object]]:
    staff = login(client)
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": staff})
    poll, options = _first_poll(client, session)
    _set(client, "update poll set audience = :a where id = :p", a=audience, p=poll.id)
    client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": staff})
    client.cookies.clear()
    return poll, options


def test_a_members_poll_takes_members_ballots_and_refuses_the_public(client: TestClient) -> None:
    poll, options = _open_for(client, "members")
    page = client.get("/e/demo").text  # a public participant online
    assert "members only: you can follow its result" in page and 'name="option"' not in page
    r = vote(client, poll, options[0].id)  # type: ignore[attr-defined]
    assert r.status_code == 403 and "members only" in r.text
    assert rows(client, Ballot) == []
    [me] = rows(client, Participant)
    _set(client, "update participant set role = 'member' where id = :p", p=me.id)
    assert 'name="option"' in client.get("/e/demo").text
    assert vote(client, poll, options[0].id).status_code == 200  # type: ignore[attr-defined]
    assert len(rows(client, Ballot)) == 1


def test_a_room_poll_refuses_people_online(client: TestClient) -> None:
    poll, options = _open_for(client, "room")
    csrf_of(client)  # online
    r = vote(client, poll, options[0].id)  # type: ignore[attr-defined]
    assert r.status_code == 403 and "in the room only" in r.text
    client.cookies.clear()
    client.get(f"/j/{room_code(_room_secret(client), 300)}")
    assert vote(client, poll, options[0].id).status_code == 200  # type: ignore[attr-defined]
    [b] = rows(client, Ballot)
    assert b.channel == "room"


def test_the_pushed_poll_of_a_members_poll_makes_each_page_fetch_its_own(
    client: TestClient,
) -> None:
    """A push is the same bytes for everyone: for a poll not open to everyone it holds no form,
    only an instruction to fetch the viewer's own widget at once."""
    staff = login(client)
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": staff})
    poll, _ = _first_poll(client, session)
    _set(client, "update poll set audience = 'members' where id = :p", p=poll.id)
    with live_socket(client, "/ws/e/demo") as public:
        client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": staff})
        pushed = receive_until(public, poll.question)
    assert 'hx-trigger="load, resync from:body"' in pushed
    assert 'name="option"' not in pushed


def test_the_organiser_sets_the_audience_and_cannot_change_it_after_a_ballot(
    client: TestClient,
) -> None:
    staff = login(client)
    _set(client, "update team_member set role = 'organiser'")
    poll, options = _open_for(client, "everyone")
    client.cookies.clear()
    staff = login(client)
    data = {"question": poll.question, "audience": "members", "csrf_token": staff}
    data["options"] = "\n".join(o.label for o in options)  # type: ignore[attr-defined]
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": staff})
    r = client.post(f"/organise/demo/polls/{poll.id}", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert next(p for p in rows(client, Poll) if p.id == poll.id).audience == "members"
    _set(
        client,
        "insert into ballot (poll_id, option_id, channel, group_name, cast_at) "
        "values (:p, :o, 'room', '', '2026-12-02')",
        p=poll.id,
        o=options[0].id,
    )  # type: ignore[attr-defined]
    r = client.post(f"/organise/demo/polls/{poll.id}", data={**data, "audience": "room"})
    assert r.status_code == 409 and "its kind and settings can no longer" in r.text
    assert next(p for p in rows(client, Poll) if p.id == poll.id).audience == "members"
    r = client.post(f"/organise/demo/polls/{poll.id}", data={**data, "audience": "aliens"})
    assert r.status_code == 422 and "Choose who may vote" in r.text
