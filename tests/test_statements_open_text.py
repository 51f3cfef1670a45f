"""The statements and open text poll kinds (issue 10): parsing, storing and counting (pure),
voting from phones in the room and online, statements participants add and their moderation,
hiding open text answers from everyone but the console, and the plan file's keys."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData
from starlette.testclient import TestClient

from assembly import domain
from assembly.domain import Refused
from assembly.kinds import KINDS, Answer, parse_ballot
from assembly.models import Ballot, Poll, PollOption
from assembly.plan.read import read_plan
from assembly.plan.write import write_plan
from assembly.security import room_code
from tests.conftest import csrf_of, in_app, live_socket, login, receive_until
from tests.organise_helpers import admin
from tests.test_contributions import rows
from tests.test_join import _room_secret
from tests.test_polls import _session

BOTH_DATABASES = True
POLL = Poll(question="Q?", kind="statements")


def _form(*pairs: tuple[str, object]) -> FormData:
    return FormData([(k, str(v)) for k, v in pairs])


# --- pure: parse, check, store, read, tally ------------------------------------------------


def test_statements_parse_partial_answers_and_store_them_in_marks() -> None:
    form = _form(
        ("kind", "statements"),
        *(("statement", s) for s in (14, 12, 13)),
        ("s12", "a"),
        ("s14", "p"),  # 13 left out: partial ballots are fine
    )
    answer = parse_ballot(form)
    assert answer == Answer("statements", (12, 14), None, ("a", "p"))
    kind = KINDS["statements"]
    assert kind.store(answer) == (None, "12:a 14:p")
    assert kind.read(None, "12:a 14:p") == answer
    assert answer.stance(14) == "p" and answer.stance(13) == ""
    kind.check(POLL, [12, 13, 14], answer)
    with pytest.raises(Refused) as refused:
        kind.check(POLL, [12, 13], answer)  # 14 is not offered (pending, hidden or another's)
    assert refused.value.status == 422


@pytest.mark.parametrize(
    ("pairs", "says"),
    [
        ((("statement", "5"),), "at least one statement"),
        ((("statement", "5"), ("s5", "")), "at least one statement"),
        ((("statement", "5"), ("s5", "maybe")), "agree, disagree or pass"),
        ((("statement", "x"), ("sx", "a")), "Choose one of the options"),
    ],
)
def test_a_malformed_statements_form_is_refused(pairs: Any, says: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_ballot(_form(("kind", "statements"), *pairs))
    assert refused.value.status == 422 and says in refused.value.message


def test_open_text_takes_up_to_200_characters() -> None:
    kind = KINDS["open_text"]
    answer = parse_ballot(_form(("kind", "open_text"), ("text", "  More\r\nbuses  ")))
    assert answer == Answer("open_text", text="More buses")
    assert kind.read(*kind.store(answer)) == answer
    assert parse_ballot(_form(("kind", "open_text"), ("text", "x" * 200))).text == "x" * 200
    for text, says in (("x" * 201, "201 characters; the limit is 200"), (" \n ", "empty")):
        with pytest.raises(Refused) as refused:
            parse_ballot(_form(("kind", "open_text"), ("text", text)))
        assert refused.value.status == 422 and says in refused.value.message


def _voters(*ballots: tuple[str, str, str, str, int]) -> dict[Any, int]:
    return {(None, marks, c, r, g): n for marks, c, r, g, n in ballots}


def test_statements_tally_per_statement_and_both_orderings_with_ties() -> None:
    voters = _voters(
        ("1:a 2:a 3:a", "room", "member", "", 3),
        ("1:a 2:d 3:a", "online", "public", "", 3),
        ("1:p 2:p", "online", "public", "", 2),
    )
    result = KINDS["statements"].tally_voters(POLL, [1, 2, 3, 4], voters)  # type: ignore[attr-defined]
    assert result.ballots == 8
    first, second, third, fourth = result.statements
    assert (first.everyone.agree, first.everyone.passed) == (6, 2)
    assert (second.everyone.agree, second.everyone.disagree) == (3, 3)
    assert fourth.everyone.answers == 0  # offered, not yet answered: shown with nothing
    # 1 and 3 both: every channel and role agrees (a tie on consensus, then on the agree share
    # among everyone and the deciding answers: the lower statement first).
    assert [r.statement for r in result.consensus] == [1, 3, 2]
    assert first.consensus == third.consensus == 1
    # 2 divides: the room and the members agree, online and the public disagree.
    assert [r.statement for r in result.division][0] == 2
    assert result.divided(second) == "in the room 100% agree, online 0%"
    assert result.percent(Fraction(2, 3)) == 67
    # A statement not offered (pending or hidden) is not counted.
    only = KINDS["statements"].tally_voters(POLL, [2], voters)  # type: ignore[attr-defined]
    assert [r.statement for r in only.statements] == [2]


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from("adp"), min_size=1, max_size=3),
            st.sampled_from(["room", "online"]),
            st.sampled_from(["member", "public"]),
            st.integers(1, 4),
        ),
        max_size=12,
    )
)
def test_a_pass_never_counts_as_agree(ballots: list[Any]) -> None:
    voters: dict[Any, int] = {}
    for stances, channel, role, n in ballots:
        marks = " ".join(f"{i}:{x}" for i, x in enumerate(stances, 1))
        key = (None, marks, channel, role, "")
        voters[key] = voters.get(key, 0) + n
    result = KINDS["statements"].tally_voters(POLL, [1, 2, 3], voters)  # type: ignore[attr-defined]
    for r in result.statements:
        given_ = {x: 0 for x in "adp"}
        for (_, marks, *_), n in voters.items():
            for part in marks.split():
                if part.startswith(f"{r.statement}:"):
                    given_[part[-1]] += n
        assert (r.everyone.agree, r.everyone.disagree, r.everyone.passed) == (
            given_["a"],
            given_["d"],
            given_["p"],
        )
        if r.consensus is not None:
            assert r.consensus <= (r.everyone.agree_share or 0)


def test_open_text_counts_words_once_per_answer_and_escapes_the_cloud() -> None:
    voters = _voters(
        ("More buses", "room", "public", "", 2),
        ("More bus lanes <script> O'Neill", "online", "public", "", 1),
    )
    result = KINDS["open_text"].tally_voters(Poll(kind="open_text"), [], voters)  # type: ignore[attr-defined]
    assert result.ballots == 3
    assert result.answers == [("More buses", 2), ("More bus lanes <script> O'Neill", 1)]
    assert dict(result.words)["buses"] == 3  # plural merged with "bus", once per answer
    # Words are letters and digits (no markup survives), and what may remain is escaped.
    assert "<script>" not in result.svg and "o&#x27;neill" in result.svg
    assert 'role="img"' in result.svg and "buses (3)" in result.svg


# --- over HTTP ---------------------------------------------------------------------------


def _add_and_open(client: TestClient, token: str, **fields: str) -> tuple[Poll, list[int]]:
    """A poll added in the console to the current session (Rights), then opened."""
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
    r = client.post("/console/demo/polls/new", data={"csrf_token": token, **fields})
    assert r.status_code in (200, 303), r.text
    poll = max(rows(client, Poll), key=lambda p: p.id)
    assert poll.kind == fields["kind"]
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
    assert r.status_code == 200
    return poll, _statements(client, poll)


def _statements(client: TestClient, poll: Poll, status: str = "visible") -> list[int]:
    found = [o for o in rows(client, PollOption) if o.poll_id == poll.id and o.status == status]
    return [o.id for o in sorted(found, key=lambda o: (o.position, o.id))]


def _phone(client: TestClient, room: bool) -> str:
    client.cookies.clear()
    if room:
        client.get(f"/j/{room_code(_room_secret(client), 300)}")
    return csrf_of(client)


def _post(client: TestClient, path: str, data: Any) -> Any:
    if isinstance(data, list):  # pairs, a name repeated: as a browser sends a form
        grouped: dict[str, list[str]] = {}
        for k, v in data:
            grouped.setdefault(k, []).append(v)
        data = grouped
    return client.post(path, data=data, headers={"HX-Request": "true"})


def _stored(client: TestClient, poll: Poll) -> list[tuple[str, str]]:
    return sorted((b.channel, b.marks) for b in rows(client, Ballot) if b.poll_id == poll.id)


def test_voting_on_statements_from_the_room_and_online(client: TestClient) -> None:
    token = login(client)
    poll, (a, b, c) = _add_and_open(
        client, token, question="Agree?", kind="statements", options="Buses\nTrams\nBikes"
    )
    room = _phone(client, room=True)
    page = client.get("/e/demo").text
    assert "<legend>Buses</legend>" in page and f'name="s{a}" value="p"' in page
    ballot = f"/e/demo/polls/{poll.id}/ballot"
    form = [
        ("csrf_token", room),
        ("kind", "statements"),
        *(("statement", str(s)) for s in (a, b, c)),
    ]
    r = _post(client, ballot, [*form, (f"s{a}", "a"), (f"s{b}", "d")])
    assert r.status_code == 200, r.text
    # My stances stay shown after a reload.
    page = client.get("/e/demo").text
    assert f'name="s{a}" value="a" checked' in page and f'name="s{b}" value="d" checked' in page
    online = _phone(client, room=False)
    form[0] = ("csrf_token", online)
    r = _post(client, ballot, [*form, (f"s{a}", "p")])
    assert r.status_code == 200
    r = _post(client, ballot, [*form, ("statement", "99999999"), ("s99999999", "a")])
    assert r.status_code == 422 and "not part of this poll" in r.text
    r = _post(client, ballot, form)  # nothing answered
    assert r.status_code == 422 and "at least one statement" in r.text
    assert _stored(client, poll) == [("online", f"{a}:p"), ("room", f"{a}:a {b}:d")]
    results = client.get("/e/demo").text.split(f'id="poll-{poll.id}-results"')[1]
    assert "50% agree · 0% disagree · 50% pass" in results  # a pass is not an agree
    assert "0% agree · 100% disagree · 0% pass" in results
    # Editing the statements after the first ballot is refused, nothing changed.
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    boss = admin(client)
    organiser = client.post(
        f"/organise/demo/polls/{poll.id}",
        data={"csrf_token": boss, "question": "Agree?", "kind": "statements", "options": "X"},
    )
    assert organiser.status_code == 409 and "options can no longer change" in organiser.text
    assert _statements(client, poll) == [a, b, c]


def test_open_text_answers_over_200_characters_are_refused_and_hidden_ones_leave_every_view(
    client: TestClient,
) -> None:
    token = login(client)
    poll, _ = _add_and_open(client, token, question="What else?", kind="open_text")
    ballot = f"/e/demo/polls/{poll.id}/ballot"
    for room, text in ((True, "More buses at night"), (False, "Cheaper <b>tickets</b>")):
        phone = _phone(client, room)
        data = {"csrf_token": phone, "kind": "open_text", "text": "x" * 201}
        r = _post(client, ballot, data)
        assert r.status_code == 422 and "the limit is 200" in r.text
        r = _post(client, ballot, {**data, "text": ""})
        assert r.status_code == 422 and "empty" in r.text
        assert _post(client, ballot, {**data, "text": text}).status_code == 200
    page = client.get("/e/demo").text
    assert ">Cheaper &lt;b&gt;tickets&lt;/b&gt;</textarea>" in page  # my answer stays shown
    assert "<b>tickets" not in page  # escaped in the list and in the cloud
    assert _stored(client, poll) == [
        ("online", "Cheaper <b>tickets</b>"),
        ("room", "More buses at night"),
    ]
    hidden = next(b for b in rows(client, Ballot) if b.marks.startswith("Cheaper"))
    token = login(client)
    console = client.get("/console/demo").text
    assert f"/answers/{hidden.id}/hide" in console
    with (
        live_socket(client, "/ws/e/demo") as public,
        live_socket(client, "/ws/console/demo") as staff,
    ):
        r = client.post(
            f"/console/demo/polls/{poll.id}/answers/{hidden.id}/hide", data={"csrf_token": token}
        )
        assert r.status_code in (200, 303)
        pushed = receive_until(public, f"poll-{poll.id}-results")
        to_console = receive_until(staff, f"poll-{poll.id}-moderation")
    assert "tickets" not in pushed and "buses" in pushed
    assert f"/answers/{hidden.id}/show" in to_console  # the console may show it again
    assert "/answers/" not in pushed  # no moderation controls, no ballot ids, to the public
    client.cookies.clear()
    for path in ("/e/demo", "/e/demo/w/poll"):
        assert "tickets" not in client.get(path).text
    screen = in_app(client, _screen_key)
    client.get(f"/screen/demo/open/{screen}")
    assert "tickets" not in client.get("/screen/demo").text


async def _screen_key(db: Any) -> str:
    return str((await domain.event_by_slug(db, "demo")).screen_key)


def test_participants_add_statements_only_where_allowed_and_moderated_as_contributions(
    client: TestClient,
) -> None:
    token = login(client)
    closed, _ = _add_and_open(client, token, question="Fixed?", kind="statements", options="A\nB")
    poll, (a,) = _add_and_open(
        client,
        token,
        question="Open?",
        kind="statements",
        options="Buses",
        allow_new_statements="on",
    )
    phone = _phone(client, room=False)
    before = len(rows(client, PollOption))
    r = _post(client, f"/e/demo/polls/{closed.id}/statements", {"csrf_token": phone, "text": "C"})
    assert r.status_code == 409 and "does not take new statements" in r.text
    r = _post(
        client, f"/e/demo/polls/{poll.id}/statements", {"csrf_token": phone, "text": "x" * 141}
    )
    assert r.status_code == 422 and "the limit is 140" in r.text
    assert len(rows(client, PollOption)) == before  # nothing stored
    assert "Add a statement for others to answer" in client.get("/e/demo").text
    add = f"/e/demo/polls/{poll.id}/statements"
    r = _post(client, add, {"csrf_token": phone, "text": "Trams   too"})
    assert r.status_code == 200 and "Everyone who loads the poll" in r.text
    [added] = [o for o in rows(client, PollOption) if o.poll_id == poll.id and o.id != a]
    assert (added.label, added.status, added.participant_id is not None) == (
        "Trams too",
        "visible",
        True,
    )
    assert "<legend>Trams too</legend>" in client.get("/e/demo").text
    r = _post(client, add, {"csrf_token": phone, "text": "trams TOO"})
    assert r.status_code == 409 and "already in this poll" in r.text
    # Pre-moderation: held until a moderator approves it.
    _moderation(client, "pre")
    r = _post(client, add, {"csrf_token": phone, "text": "Bikes"})
    assert r.status_code == 200 and "appears once they approve it" in r.text
    [pending] = _statements(client, poll, "pending")
    assert "Bikes" not in client.get("/e/demo").text
    r = _post(
        client,
        f"/e/demo/polls/{poll.id}/ballot",
        [
            ("csrf_token", phone),
            ("kind", "statements"),
            ("statement", str(pending)),
            (f"s{pending}", "a"),
        ],
    )
    assert r.status_code == 422  # a pending statement is not offered
    token = login(client)
    assert f"/statements/{pending}/approve" in client.get("/console/demo").text
    r = client.post(
        f"/console/demo/polls/{poll.id}/statements/{pending}/approve", data={"csrf_token": token}
    )
    assert r.status_code in (200, 303)
    client.cookies.clear()
    assert "<legend>Bikes</legend>" in client.get("/e/demo").text
    token = login(client)
    r = client.post(
        f"/console/demo/polls/{poll.id}/statements/{pending}/hide", data={"csrf_token": token}
    )
    client.cookies.clear()
    assert "Bikes" not in client.get("/e/demo").text


def _moderation(client: TestClient, mode: str) -> None:
    async def go(db: Any) -> None:
        (await domain.event_by_slug(db, "demo")).moderation = mode

    in_app(client, go)


PLAN = """\
event:
  slug: kinds
  title: Kinds
sessions:
  - title: One
    polls:
{polls}
"""


def test_the_plan_round_trips_statements_and_open_text() -> None:
    polls = """\
      - question: Agree?
        kind: statements
        statements: [Buses first, Trams later]
        allow_new_statements: true
      - question: Synonym
        kind: statements
        options: [One statement]
      - question: Only participants' statements
        kind: statements
        allow_new_statements: true
      - question: What else?
        kind: open_text
"""
    plan = read_plan(PLAN.format(polls=polls))
    agree, synonym, empty, text = plan.sessions[0].polls
    assert agree.options == ("Buses first", "Trams later") and agree.allow_new_statements
    assert synonym.options == ("One statement",) and not synonym.allow_new_statements
    assert empty.options == () and text.options == ()
    written = write_plan(plan)
    assert "statements:\n" in written and "allow_new_statements: true" in written
    assert read_plan(written) == plan and write_plan(read_plan(written)) == written


def test_a_moderator_sees_and_is_sent_the_statements_to_moderate(client: TestClient) -> None:
    """Moderators see no agenda (issue 11): the statements and answers they moderate stand on
    their console on their own, and reach it live on the topic every console gets."""
    from tests.test_privacy import _set

    token = login(client)
    poll, _ = _add_and_open(
        client,
        token,
        question="Open?",
        kind="statements",
        options="Buses",
        allow_new_statements="on",
    )
    _set(client, "update team_member set role = 'moderator'")
    client.cookies.clear()
    login(client)
    page = client.get("/console/demo").text
    assert 'id="agenda"' not in page and f'id="poll-{poll.id}-moderation"' in page
    with live_socket(client, "/ws/console/demo") as console:
        phone = _phone(client, room=False)
        r = _post(
            client, f"/e/demo/polls/{poll.id}/statements", {"csrf_token": phone, "text": "Trams"}
        )
        assert r.status_code == 200
        pushed = receive_until(console, f"poll-{poll.id}-moderation")
    assert "Trams" in pushed
