"""Results people may see (issue 10, points 2 and 4): live, on reveal or never; Reveal; the
majority and quorum in words; members and public side by side; splits by channel and group."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from starlette.testclient import TestClient

from assembly.models import AuditEntry, Poll, PollOption
from tests.conftest import live_socket, login, receive_until
from tests.test_contributions import rows
from tests.test_polls import vote
from tests.test_privacy import _set

BOTH_DATABASES = True
HX = {"HX-Request": "true"}


def _add_poll(client: TestClient, token: str, **fields: str) -> tuple[Poll, list[PollOption]]:
    """A poll made in the console (the demo's first session current) and opened."""
    [first] = [p for p in rows(client, Poll) if p.position == 0][:1]
    client.post(f"/console/demo/sessions/{first.session_id}/current", data={"csrf_token": token})
    data = {"kind": "single", "options": "Bus lanes\nTrams\nBikes", **fields, "csrf_token": token}
    r = client.post("/console/demo/polls/new", data=data, headers=HX)
    assert r.status_code == 200, r.text
    [poll] = [p for p in rows(client, Poll) if p.question == fields["question"]]
    options = sorted(
        (o for o in rows(client, PollOption) if o.poll_id == poll.id), key=lambda o: o.position
    )
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 200, r.text
    return poll, options


def _results(html: str, poll: Poll) -> str:
    """The poll's results widget in a page or fragment."""
    start = html.index(f'id="poll-{poll.id}-results"')
    depth = 1
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return unescape(html[start : start + tag.start()])
    raise AssertionError("the results widget does not end")


def _ballots(client: TestClient, poll: Poll, *cells: tuple[PollOption, str, str, str, int]) -> None:
    """Store ballots without voters (option, channel, role, group, how many)."""
    now = datetime.now(UTC)
    for option, channel, role, group, n in cells:
        for _ in range(n):
            _set(
                client,
                "insert into ballot (poll_id, option_id, marks, channel, group_name, role, "
                "hidden, cast_at) values (:p, :o, '', :c, :g, :r, false, :t)",
                p=poll.id,
                o=option.id,
                c=channel,
                g=group,
                r=role,
                t=now,
            )


def _checked_in(client: TestClient, n: int, start: int = 0) -> None:
    now = datetime.now(UTC)
    for i in range(start, start + n):
        _set(
            client,
            "insert into member (event_id, name, group_name, table_label, code, checked_in_at, "
            "created_at) values ((select id from event where slug = 'demo'), :name, '', '', "
            ":code, :t, :t)",
            name=f"Member {i}",
            code=f"TESTCODE{i:04d}",
            t=now,
        )


def test_on_reveal_shows_only_the_count_until_reveal(client: TestClient) -> None:
    token = login(client)
    poll, options = _add_poll(client, token, question="Which first?", results="on_reveal")
    with (
        live_socket(client, "/ws/e/demo") as public,
        live_socket(client, "/ws/screen/demo") as screen,
        live_socket(client, "/ws/console/demo") as console,
    ):
        reply = vote(client, poll, options[1].id)
        assert reply.status_code == 200
        pushes: dict[str, Any] = {}
        for name, ws in (("public", public), ("screen", screen), ("console", console)):
            pushes[name] = receive_until(ws, f'id="poll-{poll.id}-results"')
        for html in (pushes["public"], pushes["screen"], reply.text):
            hidden = _results(html, poll)
            assert "results-hidden" in hidden and re.search("</strong> ballots? in", hidden)
            assert "100%" not in hidden and "Trams" not in hidden
            assert "shown when the facilitators reveal it" in hidden
        assert pushes["public"] == pushes["screen"]  # the same bytes for the room
        assert "100%" in _results(pushes["console"], poll)  # the console sees it all
        for page in ("/e/demo", "/e/demo/w/poll", "/screen/demo"):
            hidden = _results(client.get(page).text, poll)
            assert "ballot in" in hidden and "100%" not in hidden, page
        assert "Reveal the result" in client.get("/console/demo").text

        r = client.post(
            f"/console/demo/polls/{poll.id}/reveal", data={"csrf_token": token}, headers=HX
        )
        assert r.status_code == 200 and "Result revealed" in r.text
        shown = receive_until(public, f'id="poll-{poll.id}-results"')
        assert "100%" in _results(shown, poll) and "results-hidden" not in shown
        assert "100%" in _results(receive_until(screen, f'id="poll-{poll.id}-results"'), poll)
    for page in ("/e/demo", "/e/demo/w/poll", "/screen/demo"):
        assert "100%" in _results(client.get(page).text, poll), page
    revealed = next(p for p in rows(client, Poll) if p.id == poll.id).revealed_at
    assert revealed is not None
    assert any(
        a.action == "poll.reveal" and a.target == f"poll:{poll.id}"
        for a in rows(client, AuditEntry)
    )
    # Revealing twice: a 409 sentence, nothing changed.
    r = client.post(f"/console/demo/polls/{poll.id}/reveal", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 409 and "already revealed" in r.text
    assert next(p for p in rows(client, Poll) if p.id == poll.id).revealed_at == revealed
    # Closing a closed poll is a 409 too.
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    r = client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    assert r.status_code == 409 and "not open" in r.text


def test_never_shows_the_count_in_the_room_and_everything_on_the_console(
    client: TestClient,
) -> None:
    token = login(client)
    poll, options = _add_poll(client, token, question="Secret-ish?", results="never")
    vote(client, poll, options[0].id)
    for page in ("/e/demo", "/screen/demo"):
        hidden = _results(client.get(page).text, poll)
        assert "Results are not shown in this room" in hidden and "100%" not in hidden
    console = _results(client.get("/console/demo").text, poll)
    assert "100%" in console and "never shown in the room" in console
    r = client.post(f"/console/demo/polls/{poll.id}/reveal", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 409 and "never shown in the room" in r.text
    assert next(p for p in rows(client, Poll) if p.id == poll.id).revealed_at is None


def test_a_live_poll_cannot_be_revealed(client: TestClient) -> None:
    token = login(client)
    poll, _ = _add_poll(client, token, question="Live?")
    r = client.post(f"/console/demo/polls/{poll.id}/reveal", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 409 and "live" in r.text
    assert not any(a.action == "poll.reveal" for a in rows(client, AuditEntry))


def test_the_members_decide_and_the_result_says_if_majority_and_quorum_were_met(
    client: TestClient,
) -> None:
    token = login(client)
    poll, (yes, no, abstain) = _add_poll(
        client,
        token,
        question="Adopt the motion?",
        options="For\nAgainst\nAbstain",
        majority="two_thirds",
        quorum="50%",
    )
    _checked_in(client, 20)
    _ballots(
        client,
        poll,
        (yes, "room", "member", "", 7),
        (no, "room", "member", "", 3),
        (abstain, "online", "member", "", 1),
        (no, "online", "public", "", 6),
    )
    outcome = (
        "Members' ballots decide; the public's 6 are advisory. Carried by a two-thirds majority: "
        "7 for, 3 against, 1 abstention (70% of votes for or against). Quorum met: 11 of 20 "
        "checked-in members voted (55%, needed 50%)."
    )
    for page in ("/e/demo", "/screen/demo", "/console/demo"):
        assert outcome in _results(client.get(page).text, poll), page
    _checked_in(client, 4, start=20)  # 24 checked in: 11 is under half
    text = _results(client.get("/screen/demo").text, poll)
    assert "Not carried, for want of a quorum" in text and "Quorum not met: 11 of 24" in text


def test_members_and_public_side_by_side_and_the_splits(client: TestClient) -> None:
    token = login(client)
    poll, (yes, no, _) = _add_poll(
        client, token, question="Agreed?", options="Yes\nNo\nAbstain", majority="simple"
    )
    _ballots(
        client,
        poll,
        (yes, "room", "member", "Residents", 4),
        (no, "online", "member", "Businesses", 1),
        (yes, "online", "public", "", 2),
        (no, "online", "public", "Residents", 3),
    )
    sentence = "Members 80% for, public 40% for: members 40 points more in favour."
    screen = _results(client.get("/screen/demo").text, poll)
    assert sentence in screen and "<caption>Members and public" in screen
    assert "By channel" not in screen  # the splits are the console's
    console = _results(client.get("/console/demo").text, poll)
    assert sentence in console
    channel = re.search(r"<caption>By channel.*?</table>", console, re.S)
    assert channel and "In the room" in channel.group() and "Online" in channel.group()
    groups = re.search(r"<caption>By group.*?</table>", console, re.S)
    # Residents (7) shown; Businesses (1) hidden, with the two ballots of no group.
    assert groups and "Residents" in groups.group() and "Businesses" not in groups.group()
    assert "3 ballots in groups too small to show" in groups.group()


def test_too_few_on_one_side_compares_nothing(client: TestClient) -> None:
    token = login(client)
    poll, (yes, no, _) = _add_poll(client, token, question="Few?", options="For\nAgainst\nAbstain")
    _ballots(client, poll, (yes, "room", "member", "", 5), (no, "online", "public", "", 2))
    console = _results(client.get("/console/demo").text, poll)
    assert "Too few public ballots to compare." in console
    assert "<caption>Members and public" not in console


def test_bad_result_settings_are_refused_and_add_nothing(client: TestClient) -> None:
    token = login(client)
    before = len(rows(client, Poll))
    base = {"question": "Q?", "options": "A\nB", "csrf_token": token}
    bad = [
        ({"quorum": "1.5"}, "share of the checked-in members"),
        ({"quorum": "0"}, "share of the checked-in members"),
        ({"quorum": "half"}, "share of the checked-in members"),
        ({"majority": "most"}, "Choose the majority rule"),
        ({"results": "later"}, "Choose when the room sees the result"),
        ({"kind": "multiple", "majority": "simple"}, "choose “none” for this multiple poll"),
    ]
    for fields, said in bad:
        r = client.post("/console/demo/polls/new", data={**base, **fields}, headers=HX)
        assert r.status_code == 422 and said in r.text, (fields, r.text)
    assert len(rows(client, Poll)) == before


def test_only_those_who_run_polls_reveal(client: TestClient) -> None:
    token = login(client)
    poll, _ = _add_poll(client, token, question="Whose?", results="on_reveal")
    _set(client, "update team_member set role = 'moderator'")
    r = client.post(f"/console/demo/polls/{poll.id}/reveal", data={"csrf_token": token}, headers=HX)
    assert r.status_code == 403
    assert next(p for p in rows(client, Poll) if p.id == poll.id).revealed_at is None


def test_every_kind_has_a_summary_a_screen_reader_reads(client: TestClient) -> None:
    """Point 7: before the figures, one sentence says the result (visually hidden)."""
    from tests.test_kinds import _ballot, _open

    token = login(client)
    said = {}
    for session, kind, fields in [
        ("Welcome", "single", lambda o: {"option": str(o[1])}),
        ("Welcome", "multiple", lambda o: {"option": [str(o[0]), str(o[2])]}),
        ("Shaping", "scale", lambda o: {"value": "4"}),
        (
            "Shaping",
            "ranking",
            lambda o: {
                "kind": "ranking",
                "place1": str(o[3]),
                "place2": str(o[0]),
                "place3": str(o[1]),
            },
        ),
    ]:
        poll, options = _open(client, token, session, kind)
        assert _ballot(client, poll, fields(options)).status_code == 200  # another phone
        token = login(client)
        page = _results(client.get("/screen/demo").text, poll)
        found = re.search(r'<p class="visually-hidden">([^<]+)</p>', page)
        assert found, kind
        said[kind] = found.group(1)
    assert said["single"].endswith("leads with 1 of 1 ballot (100%).")
    assert (
        said["multiple"].startswith("Chosen most: ")
        and "on 1 of 1 ballot each." in said["multiple"]
    )
    assert said["scale"] == "Mean 4.0, median 4, from 1 ballot."
    assert "comes first by Borda count; 1 of 1 ballot put it first." in said["ranking"]


def test_a_secret_poll_is_split_only_once_it_is_final(client: TestClient) -> None:
    """A secret poll's tally moves in steps while it takes ballots (docs/secret-ballots.md):
    nothing by channel, role or group is said before it closed for everyone."""
    token = login(client)
    poll, (yes, no, _) = _add_poll(
        client, token, question="Secretly?", options="For\nAgainst\nAbstain", secret="on"
    )
    _ballots(
        client,
        poll,
        (yes, "room", "member", "Residents", 3),
        (no, "online", "public", "Residents", 3),
    )
    console = _results(client.get("/console/demo").text, poll)
    assert "By channel" not in console and "Members and public" not in console
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    _set(client, "update poll set online_until = closed_at")
    console = _results(client.get("/console/demo").text, poll)
    assert "<caption>By channel" in console and "<caption>Members and public" in console
    assert "Members 100% for, public 0% for" in console
