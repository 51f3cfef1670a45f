"""Secret ballots (issue 10, point 3): no voter on the ballot, a receipt stops a second one, ids
and times say nothing, the tally moves only every few ballots, and the phone says it is final."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from assembly import domain
from assembly.domain import Refused
from assembly.kinds import Answer
from assembly.models import Ballot, BallotReceipt, Participant, Poll, PollOption, RequestKey
from assembly.outcomes.secrecy import K
from assembly.plan.read import read_plan
from assembly.plan.write import write_plan
from tests.conftest import csrf_of, login
from tests.test_contributions import rows
from tests.test_kinds import _ballot
from tests.test_polls import _session

BOTH_DATABASES = True
SECRET_IN = "Your secret ballot is in. It is final and is not stored with your name."


def _set(client: TestClient, sql: str, **params: object) -> None:
    from tests.test_privacy import _set as set_

    set_(client, sql, **params)


def _open_secret(
    client: TestClient, token: str, session: str = "Rights", kind: str = "single"
) -> tuple[Poll, list[int]]:
    """Make ``session`` current, make its first poll of ``kind`` secret and open it."""
    s = _session(client, session)
    client.post(f"/console/demo/sessions/{s.id}/current", data={"csrf_token": token})
    poll = min(
        (p for p in rows(client, Poll) if p.session_id == s.id and p.kind == kind),
        key=lambda p: p.id,
    )
    _set(client, "update poll set secret = true where id = :p", p=poll.id)
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
    assert r.status_code == 200
    options = sorted(
        (o for o in rows(client, PollOption) if o.poll_id == poll.id),
        key=lambda o: (o.position, o.id),
    )
    return next(p for p in rows(client, Poll) if p.id == poll.id), [o.id for o in options]


def _vote(client: TestClient, poll: Poll, fields: dict[str, Any], new: bool = True) -> Any:
    """A ballot from a phone: a new one (``new``), which joins with its ballot (the domain's
    ``cast_ballot``), or this one, known already (the writer)."""
    return _ballot(client, poll, fields, new)


def _known_phone(client: TestClient) -> None:
    client.cookies.clear()
    client.get("/e/demo")


def _staff(client: TestClient) -> dict[str, str]:
    """The logged-in console's cookies, to come back to after voting from phones."""
    return dict(client.cookies.items())


def _as_staff(client: TestClient, cookies: dict[str, str]) -> None:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)


def _ballots(client: TestClient, poll: Poll) -> list[Ballot]:
    return [b for b in rows(client, Ballot) if b.poll_id == poll.id]


def _naive(moment: Any) -> Any:
    return moment.replace(tzinfo=None)


@pytest.mark.parametrize("writer", [False, True], ids=["new-phone", "writer"])
def test_a_secret_ballot_names_nobody_and_has_the_polls_opening_as_its_time(
    client: TestClient, writer: bool
) -> None:
    token = login(client)
    poll, options = _open_secret(client, token)
    for option in (options[0], options[1], options[0]):
        if writer:
            _known_phone(client)
        r = _vote(client, poll, {"option": str(option)}, new=not writer)
        assert r.status_code == 200, r.text
        assert SECRET_IN in r.text and "You voted for" not in r.text
    stored = _ballots(client, poll)
    assert len(stored) == 3
    assert all(b.participant_id is None for b in stored)
    assert {_naive(b.cast_at) for b in stored} == {_naive(poll.opened_at)}
    assert all(b.id < 0 for b in stored)  # random, where the sequence never goes
    assert sorted(b.option_id for b in stored) == sorted([options[0], options[0], options[1]])
    voters = {p.id for p in rows(client, Participant)}
    receipts = [r for r in rows(client, BallotReceipt) if r.poll_id == poll.id]
    assert len(receipts) == 3 and {r.participant_id for r in receipts} <= voters


@pytest.mark.parametrize("writer", [False, True], ids=["first-by-new-phone", "writer"])
def test_a_second_secret_ballot_is_refused_and_changes_nothing(
    client: TestClient, writer: bool
) -> None:
    token = login(client)
    poll, options = _open_secret(client, token)
    if writer:
        _known_phone(client)
    assert _vote(client, poll, {"option": str(options[0])}, new=not writer).status_code == 200
    before = (
        sorted((b.id, b.option_id) for b in _ballots(client, poll)),
        len(rows(client, BallotReceipt)),
        len(rows(client, RequestKey)),
        next(p for p in rows(client, Poll) if p.id == poll.id).revision,
    )
    r = _vote(client, poll, {"option": str(options[1])}, new=False)
    assert r.status_code == 409
    assert "already voted in this secret ballot" in r.text and "final" in r.text
    after = (
        sorted((b.id, b.option_id) for b in _ballots(client, poll)),
        len(rows(client, BallotReceipt)),
        len(rows(client, RequestKey)),
        next(p for p in rows(client, Poll) if p.id == poll.id).revision,
    )
    assert after == before


def test_the_writer_refuses_a_second_secret_ballot_in_the_same_group(client: TestClient) -> None:
    token = login(client)
    poll, options = _open_secret(client, token)
    _known_phone(client)
    [me] = rows(client, Participant)

    async def twice() -> list[Any]:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.read() as db:
            event = await domain.event_by_slug(db, "demo")
        calls = [
            st.ballots.cast(event, me, poll.id, options[0], "one"),
            st.ballots.cast(event, me, poll.id, options[1], "two"),
        ]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    first, second = client.portal.call(twice)  # type: ignore[union-attr]
    assert isinstance(first, Poll)
    assert isinstance(second, Refused) and second.status == 409
    assert [b.option_id for b in _ballots(client, poll)] == [options[0]]
    assert {k.key for k in rows(client, RequestKey)} == {"one"}  # the refused one's key is free


def test_ids_do_not_follow_the_order_ballots_arrived_in(client: TestClient) -> None:
    """50 ballots one after another, the first 25 for A and the rest for B: read by id, they
    are not 25 As then 25 Bs (a chance of one in 10^14 if the ids were fair coins)."""
    token = login(client)
    staff = _staff(client)
    # An ordinary ballot first, and one after the secret ones: the sequence goes on by one.
    welcome, (w, *_) = _open_secret(client, token, "Welcome")
    _set(client, "update poll set secret = false where id = :p", p=welcome.id)
    assert _vote(client, welcome, {"option": str(w)}).status_code == 200
    [before] = _ballots(client, welcome)
    _as_staff(client, staff)
    poll, (a, b, *_) = _open_secret(client, token)
    for _ in range(50):
        client.cookies.clear()
        client.get("/e/demo")
    people = [p for p in rows(client, Participant) if p.id != before.participant_id]
    arrival = [a] * 25 + [b] * 25

    async def one_by_one() -> None:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.read() as db:
            event = await domain.event_by_slug(db, "demo")
        for p, option in zip(people, arrival, strict=True):
            await st.ballots.cast(event, p, poll.id, option, None)

    client.portal.call(one_by_one)  # type: ignore[union-attr]
    stored = _ballots(client, poll)
    assert len(stored) == 50 and all(x.participant_id is None for x in stored)
    by_id = [x.option_id for x in sorted(stored, key=lambda x: x.id)]
    assert by_id != arrival and by_id != arrival[::-1]
    assert len({x.id for x in stored}) == 50
    _set(client, "update poll set secret = false where id = :p", p=welcome.id)
    _set(client, "update poll set status = 'closed' where id = :p", p=poll.id)
    _set(client, "update poll set status = 'open' where id = :p", p=welcome.id)
    assert _vote(client, welcome, {"option": str(w)}).status_code == 200
    after = max(_ballots(client, welcome), key=lambda x: x.id)
    assert after.id == before.id + 1 and after.participant_id is not None


class _Pushes:
    """What the app publishes: the tallies of one poll, in order."""

    def __init__(self, client: TestClient, poll: Poll) -> None:
        self.client, self.marker, self.seen = client, f'id="poll-{poll.id}-results"', []
        st = client.app_state["app"]  # type: ignore[attr-defined]
        hub = st.push.hub
        real = hub.publish

        async def publish(topic: str, message: str) -> Any:
            if topic.endswith(":screen") and self.marker in message:
                self.seen.append(message.split(self.marker)[1])
            return await real(topic, message)

        hub.publish = publish

    def settle(self) -> str:
        """The last tally pushed to the screen, once every pending recount is out."""
        st = self.client.app_state["app"]  # type: ignore[attr-defined]
        self.client.portal.call(st.push.tallies.drained)  # type: ignore[union-attr]
        return self.seen[-1] if self.seen else ""


def _votes(html: str) -> str:
    return html.split('class="total">')[1].split(" ")[0]


def test_the_tally_moves_only_every_k_ballots_and_at_close(client: TestClient) -> None:
    token = login(client)
    staff = _staff(client)
    _set(client, "update event set stream_delay = 1")
    poll, (a, *_) = _open_secret(client, token)
    pushes = _pushes = _Pushes(client, poll)
    assert _pushes is pushes
    for n in range(1, 2 * K):
        if n % 2:  # a phone known already: through the writer
            _known_phone(client)
        r = _vote(client, poll, {"option": str(a)}, new=not n % 2)
        published = (n // K) * K
        # The reply is never fresher than what screens show (it may be a tick older).
        assert int(_votes(r.text.split(pushes.marker)[1])) <= published
        shown = pushes.settle()
        assert shown == "" or _votes(shown) == str(published), (n, shown)
        page = client.get("/e/demo").text.split(pushes.marker)[1]
        assert _votes(page) == str(published)
        _as_staff(client, staff)
        console = client.get("/console/demo").text
        assert _votes(console.split(pushes.marker)[1]) == str(published)
    assert _votes(pushes.settle()) == str(K)
    # Closed, online voters' grace running: still the last published; once over: all of it.
    _as_staff(client, staff)
    client.post(f"/console/demo/polls/{poll.id}/close", data={"csrf_token": token})
    assert _votes(client.get("/e/demo").text.split(pushes.marker)[1]) == str(K)
    client.portal.call(asyncio.sleep, 1.3)  # type: ignore[union-attr]
    assert _votes(pushes.settle()) == str(2 * K - 1)
    assert _votes(client.get("/e/demo").text.split(pushes.marker)[1]) == str(2 * K - 1)


def test_the_phone_says_a_secret_ballot_is_final_before_and_after(client: TestClient) -> None:
    token = login(client)
    staff = _staff(client)
    poll, (a, *_) = _open_secret(client, token)
    _known_phone(client)
    page = client.get("/e/demo").text
    assert "This is a secret ballot" in page and "once cast it is final" in page
    assert "Cast my secret ballot" in page and "Secret ballot</span>" in page
    assert _vote(client, poll, {"option": str(a)}, new=False).status_code == 200
    for page in (client.get("/e/demo").text, client.get("/e/demo/w/poll").text):
        assert SECRET_IN in page and 'name="option"' not in page and "You voted for" not in page
    r = client.post(
        f"/e/demo/polls/{poll.id}/ballot", data={"option": str(a), "csrf_token": csrf_of(client)}
    )
    assert r.status_code == 409  # without JS too
    _as_staff(client, staff)
    assert "Secret</span>" in client.get("/console/demo").text
    # A push is the same for every phone: it carries no form (this phone voted already) and
    # has each phone fetch its own.
    pushed: list[str] = []
    st = client.app_state["app"]  # type: ignore[attr-defined]
    real = st.push.hub.publish

    async def publish(topic: str, message: str) -> Any:
        if topic.endswith(":public") and 'id="poll"' in message:
            pushed.append(message)
        return await real(topic, message)

    st.push.hub.publish = publish
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
    assert pushed and 'hx-trigger="load, resync' in pushed[-1]
    assert 'name="option"' not in pushed[-1]


def test_a_secret_ranking_stores_its_marks_without_the_voter(client: TestClient) -> None:
    token = login(client)
    poll, (a, b, c, *_) = _open_secret(client, token, "Shaping", "ranking")
    fields = {"place1": str(b), "place2": str(a), "place3": str(c)}
    assert _vote(client, poll, fields).status_code == 200
    assert _vote(client, poll, fields, new=False).status_code == 409
    [ballot] = _ballots(client, poll)
    assert ballot.participant_id is None and ballot.marks == f"{b} {a} {c}"

    async def mine() -> Any:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.read() as db:
            [me] = await db.run_sync(lambda s: s.query(Participant).all())
            return await domain.my_ballot(db, me, poll)

    assert client.portal.call(mine) == Answer("ranking")  # type: ignore[union-attr]


def test_a_secret_ballot_stays_when_its_voter_leaves(client: TestClient) -> None:
    token = login(client)
    poll, (a, *_) = _open_secret(client, token)
    assert _vote(client, poll, {"option": str(a)}).status_code == 200
    r = client.post("/e/demo/leave", data={"csrf_token": csrf_of(client)})
    assert r.status_code in (200, 303)
    assert rows(client, BallotReceipt) == [] and len(_ballots(client, poll)) == 1


def test_no_log_line_names_a_voter_in_a_secret_poll(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = login(client)
    poll, (a, *_) = _open_secret(client, token)
    # Everything this project logs, at any level (a database driver's DEBUG log of statements
    # is not: docs/secret-ballots.md says to keep it off).
    with caplog.at_level(logging.INFO), caplog.at_level(logging.DEBUG, "assembly"):
        for _ in range(3):
            _known_phone(client)
            assert _vote(client, poll, {"option": str(a)}, new=False).status_code == 200
    people = {p.id for p in rows(client, Participant)}
    assert not [r for r in caplog.records if any(p in r.getMessage() for p in people)]


def test_secrecy_round_trips_in_the_plan_and_cannot_change_after_a_ballot(
    client: TestClient,
) -> None:
    text = (
        "event:\n  slug: s\n  title: S\nsessions:\n  - title: T\n    polls:\n"
        "      - question: Q?\n        kind: ranking\n        options: [a, b, c]\n"
        "        secret: true\n"
    )
    plan = read_plan(text)
    assert plan.sessions[0].polls[0].secret
    assert "secret: true" in write_plan(plan) and read_plan(write_plan(plan)) == plan
    token = login(client)
    r = client.post(
        "/console/demo/polls/new",
        data={
            "csrf_token": token,
            "question": "Secret?",
            "kind": "single",
            "options": "yes\nno",
            "secret": "on",
        },
    )
    assert r.status_code in (200, 303)
    [made] = [p for p in rows(client, Poll) if p.question == "Secret?"]
    assert made.secret
    poll, (a, *_) = _open_secret(client, token)
    assert _vote(client, poll, {"option": str(a)}).status_code == 200

    async def unsecret() -> Any:
        from assembly.domain.agenda import edit_poll, options_of
        from assembly.domain.pollplan import plan_of_poll
        from assembly.models import FacilitatorAccount

        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.write() as db:
            event = await domain.event_by_slug(db, "demo")
            account = (await db.run_sync(lambda s: s.query(FacilitatorAccount).all()))[0]
            the_poll = await db.get(Poll, poll.id)
            plan = plan_of_poll(the_poll, await options_of(db, the_poll))
            assert plan.secret
            from dataclasses import replace

            try:
                await edit_poll(db, event, account, poll.id, replace(plan, secret=False))
            except Refused as exc:
                return exc
        return None

    refused = client.portal.call(unsecret)  # type: ignore[union-attr]
    assert isinstance(refused, Refused) and refused.status == 409


def test_statements_and_open_text_cannot_be_secret(client: TestClient) -> None:
    """Their answers are listed and split as they come, which would tell who said what."""
    from assembly.plan import PlanError

    for kind, options in (("open_text", ""), ("statements", "        statements: [a, b]\n")):
        text = (
            "event:\n  slug: s\n  title: S\nsessions:\n  - title: T\n    polls:\n"
            f"      - question: Q?\n        kind: {kind}\n{options}        secret: true\n"
        )
        with pytest.raises(PlanError) as raised:
            read_plan(text)
        assert "secret" in str(raised.value.problems) and "ranking" in str(raised.value.problems)
    token = login(client)
    before = len(rows(client, Poll))
    data = {"csrf_token": token, "question": "Say?", "kind": "open_text", "secret": "on"}
    r = client.post("/console/demo/polls/new", data=data, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "Untick “secret”" in r.text
    assert len(rows(client, Poll)) == before
