"""The agenda on the setup page: sessions and polls added, edited, moved and deleted, and what
is refused to protect what people said and voted."""

from __future__ import annotations

from starlette.testclient import TestClient

from assembly.models import AuditEntry, Ballot, Event, Poll, PollOption, Session
from tests.conftest import csrf_of
from tests.organise_helpers import admin, send
from tests.test_contributions import post, rows


def _sessions(client: TestClient, slug: str = "spring") -> list[Session]:
    event = next(e for e in rows(client, Event) if e.slug == slug)
    return sorted(
        (s for s in rows(client, Session) if s.event_id == event.id),
        key=lambda s: (s.position, s.id),
    )


def _polls(client: TestClient, session: Session) -> list[tuple[str, list[str]]]:
    polls = sorted(
        (p for p in rows(client, Poll) if p.session_id == session.id),
        key=lambda p: (p.position, p.id),
    )
    options = sorted(rows(client, PollOption), key=lambda o: (o.position, o.id))
    return [(p.question, [o.label for o in options if o.poll_id == p.id]) for p in polls]


def _spring(client: TestClient) -> str:
    token = admin(client)
    assert send(client, token, "/organise/events", title="Spring").status_code == 303
    return token


def test_sessions_are_added_edited_moved_and_deleted(client: TestClient) -> None:
    token = _spring(client)
    base = "/organise/spring/sessions"
    r = send(client, token, base, title="One", prompt="Why?", minutes="20", private="on")
    assert r.status_code == 303 and r.headers["location"].startswith(
        "/organise/spring?said=agenda#session-"
    )
    send(client, token, base, title="Two")
    send(client, token, base, title="Three")
    one, two, three = _sessions(client)
    assert (one.title, one.prompt, one.minutes, one.private) == ("One", "Why?", 20, True)
    assert (two.minutes, two.private) == (None, False)
    event = next(e for e in rows(client, Event) if e.slug == "spring")
    assert event.current_session_id == one.id  # the first session is current, as on import

    r = send(client, token, f"{base}/{two.id}", title="Two, renamed", prompt="", minutes="5")
    assert r.status_code == 303
    assert [(s.title, s.minutes) for s in _sessions(client)][1] == ("Two, renamed", 5)

    send(client, token, f"{base}/{three.id}/move", direction="up")
    assert [s.title for s in _sessions(client)] == ["One", "Three", "Two, renamed"]
    send(client, token, f"{base}/{one.id}/move", direction="down")
    assert [s.title for s in _sessions(client)] == ["Three", "One", "Two, renamed"]
    send(client, token, f"{base}/{three.id}/move", direction="up")  # already first: nothing
    assert [s.title for s in _sessions(client)] == ["Three", "One", "Two, renamed"]
    page = client.get("/organise/spring").text
    assert page.index("Three") < page.index("Two, renamed")

    # The current session of a draft may go: the first remaining one becomes current.
    assert send(client, token, f"{base}/{one.id}/delete").status_code == 303
    assert [s.title for s in _sessions(client)] == ["Three", "Two, renamed"]
    event = next(e for e in rows(client, Event) if e.slug == "spring")
    assert event.current_session_id == three.id
    actions = {a.action for a in rows(client, AuditEntry)}
    assert {"session.add", "session.edit", "session.move_up", "session.delete"} <= actions


def test_bad_session_values_are_refused_and_nothing_is_stored(client: TestClient) -> None:
    token = _spring(client)
    for data, says in [
        ({"title": ""}, "session title is empty"),
        ({"title": "x", "minutes": "0"}, "1 or more"),
        ({"title": "x", "minutes": "soon"}, "whole number"),
        ({"title": "x" * 201}, "the limit is 200"),
    ]:
        r = send(client, token, "/organise/spring/sessions", **data)
        assert r.status_code == 422 and says in r.text, data
    assert _sessions(client) == []
    r = send(client, token, "/organise/spring/sessions/999999/delete")
    assert r.status_code == 404


def test_a_session_holding_contributions_or_current_in_an_open_event_stays(
    client: TestClient,
) -> None:
    token = admin(client)
    first, second, third = _sessions(client, "demo")
    assert post(client, "said in the current session").status_code == 303
    token = csrf_of(client, "/organise/demo")
    r = send(client, token, f"/organise/demo/sessions/{first.id}/delete")
    assert r.status_code == 409 and "holds 1 contribution(s)" in r.text and "rename it" in r.text
    # The current session of an open event: make another current first.
    staff = csrf_of(client, "/console/demo")
    send(client, staff, f"/console/demo/sessions/{second.id}/current")
    r = send(client, token, f"/organise/demo/sessions/{second.id}/delete")
    assert r.status_code == 409 and "Make another session current" in r.text
    assert len(_sessions(client, "demo")) == 3


def test_polls_are_added_edited_moved_and_deleted(client: TestClient) -> None:
    token = _spring(client)
    send(client, token, "/organise/spring/sessions", title="One")
    [one] = _sessions(client)
    add = f"/organise/spring/sessions/{one.id}/polls"
    r = send(client, token, add, question="Ready?", options="Yes\r\nNo\r\n\r\n")
    assert r.status_code == 303 and "#poll-" in r.headers["location"]
    send(client, token, add, question="Which?", options="A\nB\nC")
    assert _polls(client, one) == [("Ready?", ["Yes", "No"]), ("Which?", ["A", "B", "C"])]
    ready, which = sorted((p for p in rows(client, Poll)), key=lambda p: p.id)[-2:]
    assert (ready.kind, ready.status) == ("single", "draft")

    r = send(
        client,
        token,
        f"/organise/spring/polls/{ready.id}",
        question="Ready now?",
        options="Yes\nNot yet\nNo",
    )
    assert r.status_code == 303
    send(client, token, f"/organise/spring/polls/{which.id}/move", direction="up")
    assert _polls(client, one) == [
        ("Which?", ["A", "B", "C"]),
        ("Ready now?", ["Yes", "Not yet", "No"]),
    ]
    assert send(client, token, f"/organise/spring/polls/{which.id}/delete").status_code == 303
    assert _polls(client, one) == [("Ready now?", ["Yes", "Not yet", "No"])]
    actions = {a.action for a in rows(client, AuditEntry)}
    assert {"poll.add", "poll.edit", "poll.move_up", "poll.delete"} <= actions


def test_bad_polls_are_refused_and_nothing_is_stored(client: TestClient) -> None:
    token = _spring(client)
    send(client, token, "/organise/spring/sessions", title="One")
    [one] = _sessions(client)
    add = f"/organise/spring/sessions/{one.id}/polls"
    for data, says in [
        ({"question": "Q", "options": "Only one"}, "at least two options"),
        ({"question": "Q", "options": "Same\nSame"}, "appears twice"),
        ({"question": "", "options": "A\nB"}, "question is empty"),
        ({"question": "Q", "options": "A\n" + "b" * 201}, "the limit is 200"),
    ]:
        r = send(client, token, add, **data)
        assert r.status_code == 422 and says in r.text, data
    assert _polls(client, one) == []
    # A poll of another event's session is not found through this one.
    demo_session = _sessions(client, "demo")[0]
    r = send(
        client,
        token,
        f"/organise/spring/sessions/{demo_session.id}/polls",
        question="Q",
        options="A\nB",
    )
    assert r.status_code == 404 and _polls(client, demo_session) != []


def test_a_poll_with_a_ballot_keeps_its_options_and_an_open_poll_is_not_deleted(
    client: TestClient,
) -> None:
    token = admin(client)
    staff = csrf_of(client, "/console/demo")
    session = _sessions(client, "demo")[0]
    poll = min((p for p in rows(client, Poll) if p.session_id == session.id), key=lambda p: p.id)
    send(client, staff, f"/console/demo/polls/{poll.id}/open")
    question, options = _polls(client, session)[0]

    # Open and without ballots: its options wait for it to close.
    r = send(client, token, f"/organise/demo/polls/{poll.id}", question=question, options="A\nB")
    assert r.status_code == 409 and "Close it in the console before changing its options" in r.text
    r = send(client, token, f"/organise/demo/polls/{poll.id}/delete")
    assert r.status_code == 409 and "Close it in the console first" in r.text

    option = min(o.id for o in rows(client, PollOption) if o.poll_id == poll.id)
    participant_token = csrf_of(client)
    client.post(
        f"/e/demo/polls/{poll.id}/ballot",
        data={"option": str(option), "csrf_token": participant_token},
    )
    assert len(rows(client, Ballot)) == 1
    send(client, staff, f"/console/demo/polls/{poll.id}/close")

    token = csrf_of(client, "/organise/demo")
    r = send(client, token, f"/organise/demo/polls/{poll.id}", question=question, options="A\nB")
    assert r.status_code == 409 and "options can no longer change" in r.text
    assert "add a new poll" in r.text
    assert _polls(client, session)[0] == (question, options)
    # The wording of the question may still be fixed; the options stay.
    r = send(
        client,
        token,
        f"/organise/demo/polls/{poll.id}",
        question="Fixed wording?",
        options="\n".join(options),
    )
    assert r.status_code == 303
    assert _polls(client, session)[0] == ("Fixed wording?", options)
    # A closed poll with ballots is not deleted: the votes would be lost.
    r = send(client, token, f"/organise/demo/polls/{poll.id}/delete")
    assert r.status_code == 409 and "lose their votes" in r.text
    assert len(rows(client, Ballot)) == 1
    # Nor is its session.
    r = send(client, token, f"/organise/demo/sessions/{session.id}/delete")
    assert r.status_code == 409
