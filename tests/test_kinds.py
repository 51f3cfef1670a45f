"""The poll kinds end to end: a phone's form, its refusals (4xx, nothing stored), the marks the
writer stores, the result drawn, the organiser's form and the plan file's keys."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.datastructures import FormData, UploadFile
from starlette.testclient import TestClient

from assembly import domain
from assembly.domain import Refused
from assembly.kinds import KINDS, Answer, parse_ballot
from assembly.kinds.tally import borda, count_choices, summarise_scale
from assembly.models import Ballot, Participant, Poll, PollOption
from assembly.plan import PlanError
from assembly.plan.read import read_plan
from assembly.plan.write import write_plan
from tests.conftest import csrf_of, in_app, login
from tests.organise_helpers import admin
from tests.test_contributions import rows
from tests.test_polls import _session

BOTH_DATABASES = True


def _form(**fields: Any) -> FormData:
    items: list[tuple[str, str | UploadFile]] = [
        (k, str(x)) for k, v in fields.items() for x in (v if isinstance(v, list) else [v])
    ]
    return FormData(items)


def _open(client: TestClient, token: str, session: str, kind: str) -> tuple[Poll, list[int]]:
    """Make ``session`` current and open its poll of ``kind``; the poll and its option ids."""
    s = _session(client, session)
    client.post(f"/console/demo/sessions/{s.id}/current", data={"csrf_token": token})
    poll = next(p for p in rows(client, Poll) if p.session_id == s.id and p.kind == kind)
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
    assert r.status_code == 200
    options = sorted((o for o in rows(client, PollOption) if o.poll_id == poll.id), key=_place)
    return poll, [o.id for o in options]


def _place(o: PollOption) -> tuple[int, int]:
    return o.position, o.id


def _ballot(client: TestClient, poll: Poll, fields: dict[str, Any], new: bool = True) -> Any:
    if new:  # another phone
        client.cookies.clear()
    token = csrf_of(client)
    return client.post(
        f"/e/demo/polls/{poll.id}/ballot",
        data={"csrf_token": token, "kind": poll.kind, **fields},
        headers={"HX-Request": "true"},
    )


def _stored(client: TestClient, poll: Poll) -> list[tuple[int | None, str]]:
    return sorted(
        ((b.option_id, b.marks) for b in rows(client, Ballot) if b.poll_id == poll.id),
        key=repr,
    )


# Parsing a phone's form (no database).


def test_each_kind_parses_its_form() -> None:
    assert parse_ballot(_form(option=5)) == Answer("single", (5,))
    assert parse_ballot(_form(kind="multiple", option=[7, 5, 7])) == Answer("multiple", (5, 7))
    assert parse_ballot(_form(kind="scale", value=4)) == Answer("scale", (), 4)
    ranked = parse_ballot(_form(kind="ranking", place1=9, place2=3, place3=4))
    assert ranked == Answer("ranking", (9, 3, 4))
    for answer in (ranked, Answer("multiple", (5, 7)), Answer("scale", (), 4)):
        kind = KINDS[answer.kind]
        assert kind.read(*kind.store(answer)) == answer  # what is stored reads back the same


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"kind": "multiple"}, "Tick at least one option"),
        ({"kind": "scale", "value": "much"}, "Choose a point on the scale"),
        ({"kind": "scale"}, "Choose a point on the scale"),
        ({"kind": "ranking", "place1": "9", "place2": "9"}, "same option is in 1st and 2nd"),
        ({"kind": "ranking", "place1": "9", "place2": ""}, "The 2nd place is empty"),
        ({"kind": "ranking"}, "Choose an option for every place"),
        ({"kind": "ranking", "place1": "x"}, "Choose one of the options"),
        ({"kind": "secret"}, "not known"),
    ],
)
def test_a_malformed_form_is_refused_with_a_sentence(fields: dict[str, str], says: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_ballot(_form(**fields))
    assert refused.value.status == 422 and says in refused.value.message


# Voting over HTTP: the answer stored, the refusals, the result drawn.


def test_multiple_stores_the_ticks_refuses_too_many_and_draws_the_shares(
    client: TestClient,
) -> None:
    token = login(client)
    poll, (a, b, c, d, e) = _open(client, token, "Welcome", "multiple")
    assert poll.max_choices == 3
    r = _ballot(client, poll, {"option": [str(a), str(b), str(c), str(d)]})
    assert r.status_code == 422 and "at most 3" in r.text
    r = _ballot(client, poll, {"option": [str(a), "999999"]})
    assert r.status_code == 422 and "not part of this poll" in r.text
    r = _ballot(client, poll, {"kind": "ranking", "place1": str(a)})
    assert r.status_code == 409 and "changed since your page loaded" in r.text
    assert _stored(client, poll) == []  # nothing stored by any of them
    assert _ballot(client, poll, {"option": [str(a), str(b)]}).status_code == 200
    r = _ballot(client, poll, {"option": [str(b)]})
    assert r.status_code == 200
    assert "checked" in r.text.split(f'value="{b}"')[1].split(">")[0]  # my ticks stay shown
    assert _stored(client, poll) == [(a, f"{a} {b}"), (b, str(b))]
    expected = count_choices({(a, b): 1, (b,): 1}, [a, b, c, d, e])
    page = client.get("/e/demo").text
    results = page.split(f'id="poll-{poll.id}-results"')[1]
    for option in (a, b):
        assert (
            f'{expected.shares[option]}% <span class="n">({expected.counts[option]} of 2)'
            in results
        )


def test_scale_stores_the_point_refuses_off_the_scale_and_draws_mean_and_median(
    client: TestClient,
) -> None:
    token = login(client)
    poll, options = _open(client, token, "Shaping", "scale")
    assert options == [] and poll.points == 5
    for bad in ("0", "6", "-1"):
        r = _ballot(client, poll, {"value": bad})
        assert r.status_code == 422 and "runs from 1 to 5" in r.text
    assert _stored(client, poll) == []
    for value in (5, 4, 4, 1):
        assert _ballot(client, poll, {"value": str(value)}).status_code == 200
    assert _stored(client, poll) == [(None, "1"), (None, "4"), (None, "4"), (None, "5")]
    summary = summarise_scale([(5, 1), (4, 2), (1, 1)], 5)
    page = client.get("/e/demo").text
    assert (
        f"Mean <strong>{summary.mean:.1f}</strong>, median <strong>{summary.median:g}</strong>"
        in page
    )
    assert "Strongly oppose" in page and "Strongly support" in page
    # The phone's own point stays chosen.
    assert 'value="1" required checked' in page


def test_ranking_refuses_a_missing_place_and_draws_the_borda_count(client: TestClient) -> None:
    token = login(client)
    poll, (a, b, c, d, e) = _open(client, token, "Shaping", "ranking")
    assert poll.rank_top == 3
    r = _ballot(client, poll, {"place1": str(a), "place2": str(b)})
    assert r.status_code == 422 and "ranks 3 places; your ballot fills 2" in r.text
    r = _ballot(client, poll, {"place1": str(a), "place2": str(b), "place3": str(b)})
    assert r.status_code == 422 and "same option" in r.text
    r = _ballot(client, poll, {"place1": str(a), "place2": str(b), "place3": "77777777"})
    assert r.status_code == 422
    assert _stored(client, poll) == []
    ballots = [(a, b, c), (b, a, d), (b, e, a)]
    for ranked in ballots:
        fields = {f"place{i}": str(o) for i, o in enumerate(ranked, 1)}
        assert _ballot(client, poll, fields).status_code == 200
    assert sorted(m for _, m in _stored(client, poll)) == sorted(
        " ".join(map(str, r)) for r in ballots
    )
    result = borda({r: 1 for r in ballots}, [a, b, c, d, e])
    page = client.get("/e/demo").text
    drawn = page.split(f'id="poll-{poll.id}-results"')[1]
    # Options in Borda order, each with its points and first preferences.
    positions = [drawn.index(f'id="o-{o}-label"') for o in result.order]
    assert positions == sorted(positions)
    assert f'{result.points[b]} points <span class="n">({result.first[b]} first)' in drawn
    # My ranking stays selected in the selects after voting.
    assert f'<option value="{e}" selected>' in page


def test_single_is_unchanged_no_marks_and_one_option(client: TestClient) -> None:
    token = login(client)
    poll, (a, *_) = _open(client, token, "Welcome", "single")
    r = _ballot(client, poll, {"option": str(a), "kind": ""})  # old pages send no kind
    assert r.status_code == 200
    assert _stored(client, poll) == [(a, "")]


# The writer stores marks for each kind, in groups.


def test_the_writer_stores_each_kinds_marks_in_one_group(client: TestClient) -> None:
    token = login(client)
    multiple, m = _open(client, token, "Welcome", "multiple")

    async def join(db: Any) -> list[Participant]:
        event = await domain.event_by_slug(db, "demo")
        return [(await domain.join(db, event, None, "room"))[0] for _ in range(3)]

    people = in_app(client, join)

    async def burst(poll_id: int, answers: list[Answer | int]) -> list[Any]:
        st = client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.read() as db:
            event = await domain.event_by_slug(db, "demo")
        calls = [
            st.ballots.cast(event, p, poll_id, a, None)
            for p, a in zip(people, answers, strict=True)
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    answers: list[Answer | int] = [
        Answer("multiple", (m[0], m[1])),
        Answer("multiple", (m[0], m[1], m[2], m[3])),  # too many: refused alone
        Answer("multiple", (m[4],)),
    ]
    results = client.portal.call(burst, multiple.id, answers)  # type: ignore[union-attr]
    assert isinstance(results[1], Refused) and results[1].status == 422
    assert _stored(client, multiple) == [(m[0], f"{m[0]} {m[1]}"), (m[4], str(m[4]))]

    scale, _ = _open(client, token, "Shaping", "scale")
    answers = [Answer("scale", (), 3), Answer("scale", (), 11), Answer("scale", (), 5)]
    results = client.portal.call(burst, scale.id, answers)  # type: ignore[union-attr]
    assert isinstance(results[1], Refused)
    assert _stored(client, scale) == [(None, "3"), (None, "5")]

    ranking, r = _open(client, token, "Shaping", "ranking")
    answers = [Answer("ranking", (r[2], r[0], r[1])), Answer("ranking", (r[0],)), r[0]]
    results = client.portal.call(burst, ranking.id, answers)  # type: ignore[union-attr]
    assert isinstance(results[1], Refused) and isinstance(results[2], Refused)  # single: 409
    assert results[2].status == 409
    assert _stored(client, ranking) == [(r[2], f"{r[2]} {r[0]} {r[1]}")]


# Creating and editing kinds on the organiser page, and in the plan file.


def test_the_organiser_adds_and_edits_each_kind_and_bad_settings_store_nothing(
    client: TestClient,
) -> None:
    token = admin(client)
    session = _session(client, "Welcome")
    before = len(rows(client, Poll))
    add = f"/organise/demo/sessions/{session.id}/polls"

    def send(path: str, **fields: str) -> Any:
        return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)

    for fields, says in [
        ({"kind": "multiple", "options": "A\nB", "max_choices": "3"}, "most choices is 3"),
        ({"kind": "scale", "points": "11"}, "number of points is 11"),
        ({"kind": "ranking", "options": "A\nB\nC", "rank_top": "4"}, "rank is 4"),
        ({"kind": "statements", "options": ""}, "at least one statement"),
        ({"kind": "bogus", "options": "A\nB"}, "Choose the kind of poll"),
    ]:
        r = send(add, question="Q?", **fields)
        assert r.status_code == 422 and says in r.text, r.text
    assert len(rows(client, Poll)) == before
    r = send(add, question="How far?", kind="scale", points="7", label_low="No", label_high="Yes")
    assert r.status_code == 303
    scale = max(rows(client, Poll), key=lambda p: p.id)
    assert (scale.kind, scale.points, scale.labels) == ("scale", 7, ["No", "Yes"])
    assert [o for o in rows(client, PollOption) if o.poll_id == scale.id] == []
    r = send(
        f"/organise/demo/polls/{scale.id}",
        question="Rank",
        kind="ranking",
        options="A\nB\nC\nD",
        rank_top="2",
    )
    assert r.status_code == 303
    edited = next(p for p in rows(client, Poll) if p.id == scale.id)
    assert (edited.kind, edited.rank_top, edited.labels) == ("ranking", 2, None)
    page = client.get("/organise/demo").text
    assert '<option value="ranking" selected>' in page


PLAN = """\
event:
  slug: kinds
  title: Kinds
sessions:
  - title: One
    polls:
{polls}
"""


def test_the_plan_round_trips_every_kinds_keys() -> None:
    polls = """\
      - question: Tick
        kind: multiple
        options: [A, B, C]
        max_choices: 2
      - question: Scale
        kind: scale
        points: 7
        labels: [Low, High]
      - question: Rank
        kind: ranking
        options: [A, B, C]
        rank_top: 2
      - question: Default scale
        kind: scale
"""
    plan = read_plan(PLAN.format(polls=polls))
    multiple, scale, ranking, default = plan.sessions[0].polls
    assert multiple.max_choices == 2 and ranking.rank_top == 2
    assert (scale.points, scale.labels) == (7, ("Low", "High"))
    assert (default.points, default.labels) == (5, ("Strongly oppose", "Strongly support"))
    text = write_plan(plan)
    assert read_plan(text) == plan and write_plan(read_plan(text)) == text


@pytest.mark.parametrize(
    ("poll", "where", "says"),
    [
        (
            "kind: multiple\n        options: [A, B]\n        max_choices: 3",
            "max_choices",
            "1 to 2",
        ),
        (
            "kind: single\n        options: [A, B]\n        rank_top: 2",
            "rank_top",
            "ranking polls only",
        ),
        ("kind: scale\n        points: 11", "points", "at most 10"),
        ("kind: scale\n        labels: [A, B, C]", "labels", "needs two labels"),
        ("kind: scale\n        options: [A, B]", "options", "a scale has no options"),
        ("kind: ranking\n        options: [A, B]\n        rank_top: 3", "rank_top", "2 to 2"),
        ("kind: ranking", "options", "missing"),
        (
            "kind: multiple\n        options: [A, B]\n        majority: simple",
            "majority",
            "single, scale, ranking polls only",
        ),
        ("kind: open_text\n        options: [A, B]", "options", "no options"),
        ("kind: statements", "options", "missing"),
        ("kind: single\n        statements: [A, B]", "statements", "in place of"),
        (
            "kind: single\n        options: [A, B]\n        allow_new_statements: true",
            "allow_new_statements",
            "statements polls only",
        ),
    ],
)
def test_bad_kind_settings_in_a_plan_are_problems(poll: str, where: str, says: str) -> None:
    with pytest.raises(PlanError) as error:
        read_plan(PLAN.format(polls=f"      - question: Q\n        {poll}\n"))
    found = [(p.field, p.message) for p in error.value.problems]
    assert any(f.endswith(where) and says in m for f, m in found), found
