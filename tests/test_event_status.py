"""Event status on the participant side: a draft is its team's alone, a closed event is
read-only, and every participant POST refuses both with a sentence."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from assembly.models import Ballot, Contribution, Event, Participant, Poll, PollOption, Upvote
from assembly.security import room_code
from tests.conftest import csrf_of, login
from tests.test_contributions import post, rows
from tests.test_join import _room_secret
from tests.test_privacy import _set


def _status(client: TestClient, status: str, **columns: object) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in columns)
    _set(
        client,
        f"update event set status = :status{', ' + sets if sets else ''} where slug = 'demo'",
        status=status,
        **columns,
    )


def test_a_draft_says_when_it_opens_and_creates_nobody(client: TestClient) -> None:
    _status(client, "draft", starts_on="2027-01-12")
    r = client.get("/e/demo")
    assert r.status_code == 200
    assert "not open yet" in r.text and "Opens on Tuesday 12 January 2027" in r.text
    assert "Have your say" not in r.text and 'name="csrf_token"' not in r.text
    assert rows(client, Participant) == []
    _status(client, "draft", starts_on=None)
    assert "It has not opened yet" in client.get("/e/demo").text
    assert client.get("/e/demo/w/feed").status_code == 404
    assert client.get("/e/demo/me").status_code == 404
    assert "demo" not in client.get("/").text  # the home page lists open events only


def test_a_draft_refuses_every_participant_post_and_the_room_code(client: TestClient) -> None:
    csrf_of(client)  # joined while it was open
    poll = min(rows(client, Poll), key=lambda p: p.id)
    option = min(o.id for o in rows(client, PollOption) if o.poll_id == poll.id)
    staff = login(client)
    client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": staff})
    client.post("/logout", data={"csrf_token": staff})
    token = csrf_of(client, "/login")  # logging out made a new CSRF token
    _status(client, "draft")
    code = room_code(_room_secret(client), 300)
    r = client.get(f"/j/{code}", follow_redirects=False)
    assert r.status_code == 404  # no open event has this code
    for path, data in [
        ("/e/demo/contributions", {"kind": "idea", "text": "hello"}),
        ("/e/demo/name", {"display_name": "Sam"}),
        ("/e/demo/group", {"group_name": "Carer"}),
        (f"/e/demo/polls/{poll.id}/ballot", {"option": str(option)}),
    ]:
        r = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 409 and "not opened yet" in r.text, path
    assert rows(client, Contribution) == [] and rows(client, Ballot) == []
    assert all(p.display_name == p.group_name == "" for p in rows(client, Participant))


def test_the_team_sees_its_draft_and_its_screen_address_opens_nothing(client: TestClient) -> None:
    screen_key = next(e for e in rows(client, Event) if e.slug == "demo").screen_key
    _status(client, "draft")
    r = client.get(f"/screen/demo/open/{screen_key}", follow_redirects=True)
    assert "/login" in str(r.url)  # the screen address is refused: only the team may look
    login(client)
    r = client.get("/e/demo")
    assert r.status_code == 200 and "This is a draft" in r.text and "Have your say" not in r.text
    assert client.get("/e/demo/w/feed").status_code == 200
    assert client.get("/screen/demo").status_code == 200


@pytest.mark.parametrize("public", [True, False])
def test_a_closed_event_is_read_only(client: TestClient, public: bool) -> None:
    token = csrf_of(client)
    assert post(client, "said before the close").status_code == 303
    [c] = rows(client, Contribution)
    poll = min(rows(client, Poll), key=lambda p: p.id)
    option = min(o.id for o in rows(client, PollOption) if o.poll_id == poll.id)
    _status(client, "closed", outcomes_public=public)
    _set(client, "update poll set status = 'open' where id = :p", p=poll.id)  # as if left open
    r = client.get("/e/demo")
    assert r.status_code == 200 and "This assembly has closed" in r.text
    assert "said before the close" in r.text  # the feed is still there
    assert ('href="/e/demo/outcomes"' in r.text) is public
    assert "Have your say" not in r.text and "/upvote" not in r.text
    for path, data in [
        ("/e/demo/contributions", {"kind": "idea", "text": "after"}),
        (f"/e/demo/c/{c.id}/upvote", {"on": "1"}),
        (f"/e/demo/polls/{poll.id}/ballot", {"option": str(option)}),
        ("/e/demo/name", {"display_name": "Sam"}),
        ("/e/demo/group", {"group_name": "Carer"}),
    ]:
        r = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 409 and "This assembly has closed" in r.text, path
    assert len(rows(client, Contribution)) == 1
    assert rows(client, Upvote) == [] and rows(client, Ballot) == []
    assert all(p.display_name == p.group_name == "" for p in rows(client, Participant))
    # Their own words stay theirs: deleting them still works.
    r = client.post(f"/e/demo/c/{c.id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and rows(client, Contribution) == []


def test_a_draft_socket_closes_with_the_sentence(client: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    _status(client, "draft")
    with pytest.raises(WebSocketDisconnect) as exc:
        with client.websocket_connect("/ws/e/demo") as ws:
            ws.receive_text()
    assert exc.value.code == 1008 and "not opened yet" in exc.value.reason
