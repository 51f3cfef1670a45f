"""Polls made in the console (issue 10, point 1): a facilitator adds one to the current session
and opens it in seconds; bad input is a 4xx sentence and adds nothing."""

from __future__ import annotations

from starlette.testclient import TestClient

from assembly.models import Event, Poll, Session
from tests.conftest import login
from tests.test_contributions import rows
from tests.test_privacy import _set

HX = {"HX-Request": "true"}


def test_a_facilitator_adds_a_poll_to_the_current_session_and_opens_it(client: TestClient) -> None:
    token = login(client)
    console = client.get("/console/demo").text
    assert 'action="/console/demo/polls/new"' in console
    # Not the first session: the poll must join the one the console made current.
    second = sorted(rows(client, Session), key=lambda x: x.position)[1]
    client.post(f"/console/demo/sessions/{second.id}/current", data={"csrf_token": token})
    before = len(rows(client, Poll))
    data = {"question": "Ready for a break?", "kind": "scale", "points": "3", "csrf_token": token}
    r = client.post("/console/demo/polls/new", data=data, headers=HX)
    assert r.status_code == 200 and "Poll added: Ready for a break?" in r.text
    [new] = [p for p in rows(client, Poll) if p.question == "Ready for a break?"]
    assert len(rows(client, Poll)) == before + 1
    assert new.kind == "scale" and new.points == 3 and new.status == "draft"
    # It joins the current session (the one the console is running), at the end of its polls.
    [event] = rows(client, Event)
    assert new.session_id == event.current_session_id == second.id
    siblings = [p for p in rows(client, Poll) if p.session_id == new.session_id]
    assert new.position == max(p.position for p in siblings)
    r = client.post(f"/console/demo/polls/{new.id}/open", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 200
    assert next(p for p in rows(client, Poll) if p.id == new.id).status == "open"


def test_bad_input_or_no_current_session_adds_nothing(client: TestClient) -> None:
    token = login(client)
    before = len(rows(client, Poll))
    one = {"question": "Only one?", "options": "Yes", "kind": "single", "csrf_token": token}
    r = client.post("/console/demo/polls/new", data=one, headers=HX)
    assert r.status_code == 422 and "at least two options" in r.text
    _set(client, "update event set current_session_id = null")
    good = {**one, "options": "Yes\nNo"}
    r = client.post("/console/demo/polls/new", data=good, headers=HX)
    assert r.status_code == 409 and "Make a session current first" in r.text
    assert len(rows(client, Poll)) == before


def test_a_moderator_cannot_add_a_poll(client: TestClient) -> None:
    token = login(client)
    _set(client, "update team_member set role = 'moderator'")
    before = len(rows(client, Poll))
    data = {"question": "Q?", "options": "A\nB", "kind": "single", "csrf_token": token}
    r = client.post("/console/demo/polls/new", data=data, headers=HX)
    assert r.status_code == 403
    assert len(rows(client, Poll)) == before
