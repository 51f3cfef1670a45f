"""Random forms against every POST route: never a 5xx, and a refusal (4xx) changes nothing stored.

The routes come from the app itself, so a new POST route without a strategy here fails
``test_every_post_route_is_fuzzed``. Rate limits are off (``rate_limit_scale=0``) so the fuzzing
reaches validation instead of stopping at 429.
"""

from __future__ import annotations

import json
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from starlette.routing import Route
from starlette.testclient import TestClient

from assembly.app import create_app
from assembly.domain import MODERATION_ACTIONS
from assembly.models import (
    KINDS,
    Ballot,
    Base,
    Contribution,
    FacilitatorAccount,
    Member,
    Poll,
    PollOption,
    Session,
    TeamMember,
)
from assembly.security import CSRF_COOKIE, STAFF_COOKIE
from tests.conftest import PASSWORD, csrf_of, login, make_settings
from tests.test_contributions import post, rows
from tests.test_polls import open_first_poll

FORMS_PER_ROUTE = 15
RAW_PER_ROUTE = 6


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,  # the same cases on every run: CI stays stable
        database=None,  # so nothing to replay, and no .hypothesis/ in the work tree
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# How many fuzz cases ran, by test (read at the end of each test, and by whoever counts them).
CASES: Counter[str] = Counter()


# --- values -------------------------------------------------------------------------------

_ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\u202egnirts desrever",  # right-to-left override
    "مرحبا بالجميع",  # RTL script
    "שלום\u200f",
    "🧑🏽‍⚕️🏥❤️",  # emoji with joiners and skin tone
    "e\u0301\u0301\u0301",  # stacked combining marks
    "\ufeff",
    "\uffff",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "' OR 1=1 --",
    "0",
    "-1",
    "-0",
    "+7",
    " 12 ",
    "١٢",  # Arabic-Indic digits: int() accepts them
    "1_000",
    "1e309",
    "NaN",
    "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "9" * 5000,  # longer than int() converts
    "x" * 1001,  # one over the limit
    "n" * 61,
    "  \r\n\t ",
]
_CHARS = st.characters(codec="utf-8")  # every character a form can carry: no lone surrogates
_LONG = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["x", "é", "🙂", "\x00", "ab\r\n", "\u202e", " "]),
    st.integers(0, 20_000),
)
WEIRD = st.one_of(
    st.sampled_from(_ODD),
    st.text(_CHARS, max_size=40),
    st.integers(-(2**80), 2**80).map(str),
    _LONG,
)


@st.composite
def _or_weird(draw: st.DrawFn, *good: str) -> str:
    """Mostly a good value (so that forms get past validation), else a weird one."""
    return draw(st.sampled_from(good) if draw(st.integers(0, 3)) else WEIRD)


@dataclass
class World:
    """What the seeded database holds, so that most generated ids and values are real ones."""

    token: str
    event_id: int
    contributions: list[int] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)
    polls: list[int] = field(default_factory=list)
    open_poll: int = 0
    options: list[int] = field(default_factory=list)  # the open poll's
    # The team: another account on it (to change and remove), an invite to withdraw, and
    # invite links to join with and to create an account from.
    bystander: int = 0
    invites: list[int] = field(default_factory=list)
    join_token: str = "t"
    signup_token: str = "t"
    members: list[int] = field(default_factory=list)  # the roster's
    # A second open event ("kinds", see ``_kinds_event``): its open statements poll (which
    # takes participants' statements) with a statement, and an open text poll with an answer.
    kinds_polls: list[int] = field(default_factory=list)
    kinds_ids: list[int] = field(default_factory=list)
    # Issue 12: the demo's API key the JSON route posts with, and a spare key to revoke.
    api_token: str = ""
    api_keys: list[int] = field(default_factory=list)


# Routes that act on the "kinds" event's statements and open text polls.
KIND_ROUTES = ("add_statement", "moderate_statement", "moderate_answer")


@dataclass
class Case:
    """One form post: the route it was made for, the path, the fields in order, and how."""

    route: str
    path: str
    pairs: list[tuple[str, str]]
    encoding: str  # urlencoded | multipart | multipart-file | json (the pairs as one object)
    headers: dict[str, str]
    cookies: str  # as-is | no-participant | forged-participant | no-staff | none
    file: bytes = b"hello"  # what a multipart-file case uploads (as the field "file")


@dataclass
class RawCase:
    """One post of raw bytes with headers of its own (a content type that may not match)."""

    route: str
    path: str
    body: bytes
    headers: dict[bytes, bytes]


# Numbers at the edges of what a database integer holds, and things that are nearly numbers.
_ODD_IDS = ["0", "-1", str(2**63 - 1), str(2**63), str(-(2**63) - 1), "9" * 30, "1.5", "0x10"]
_ODD_IDS += ["%00", "..", "."]


@st.composite
def _segment(draw: st.DrawFn, real: list[str]) -> str:
    """A path segment: mostly a real one, else a number of any size or any text."""
    pick = draw(st.integers(0, 11))
    if pick < 8:
        return draw(st.sampled_from(real))
    if pick == 8:
        return str(draw(st.integers(-(2**80), 2**80)))
    if pick == 9:
        return str(draw(st.integers(2**31, 2**80)))
    if pick == 10:
        return draw(st.sampled_from(_ODD_IDS))
    return draw(st.text(_CHARS, min_size=1, max_size=30))


def _fields(world: World) -> dict[str, dict[str, st.SearchStrategy[str]]]:
    """Each POST route's own form fields, by route name: the fuzz strategies. Routes are fuzzed
    in this order: those that take things away (close a poll, move the agenda on, delete
    contributions, delete the participant, log out) come after those that need them."""
    text = _or_weird("An idea", "x" * 1000)
    return {
        "login": {
            "username": _or_weird("facilitator", "nobody"),
            "password": _or_weird(PASSWORD, "wrong"),
            "next": _or_weird("/console/demo", "//evil.example/", "https://evil.example/"),
        },
        "set_name": {"display_name": _or_weird("Ann", "n" * 60)},
        "set_group": {"group_name": _or_weird("", "patient")},
        "contribute": {"kind": _or_weird(*KINDS), "text": text},
        "upvote": {"on": _or_weird("0", "1")},
        "ballot": {
            "option": _or_weird(*map(str, world.options)),
            "kind": _or_weird("single", "multiple", "scale", "ranking", "statements", "open_text"),
            "value": _or_weird("1", "5", "11"),
            "text": _or_weird("More buses", "t" * 201),
            "statement": _or_weird(*map(str, world.options)),
            **{f"s{o}": _or_weird("a", "d", "p") for o in world.options[:2]},
            "place1": _or_weird(*map(str, world.options)),
            "place2": _or_weird(*map(str, world.options)),
        },
        "respond": {"text": text},
        "raise_hand": {"topic": _or_weird("Waiting lists", "t" * 121)},
        "queue_alternate": {"on": _or_weird("0", "1")},
        "queue_next": {},
        "queue_mark": {},
        "lower_hand": {},
        "set_outcome": {
            "outcome": _or_weird("open", "answered", "taken_forward", "not_taken_forward"),
            "reason": _or_weird("", "Out of scope", "r" * 1001),
        },
        "set_themes": {"theme": _or_weird("", "awareness", "t" * 61)},
        "add_statement": {"text": _or_weird("Buses should be free", "s" * 141)},
        "moderate_statement": {},
        "moderate_answer": {},
        # The organiser's forms (the fuzzing account is an installation organiser); they keep
        # the event open, and delete only what nothing later needs.
        "event_settings": {
            "title": _or_weird("NHS assembly"),
            "moderation": _or_weird("post", "pre"),
            "stream_url": _or_weird("", "https://youtu.be/abc"),
            "stream_delay": _or_weird("30", "600", "601"),
            "call_url": _or_weird("", "https://meet.example.org/x"),
            "starts_on": _or_weird("", "2027-01-12"),
            "retention_days": _or_weird("", "30"),
            "groups": _or_weird("", "Patient\nCarer"),
            "outcomes_public": _or_weird("on"),
        },
        "event_status": {"status": _or_weird("open")},
        "session_add": {"title": _or_weird("Fuzzed"), "minutes": _or_weird("", "10")},
        "session_edit": {"title": _or_weird("Edited"), "prompt": text, "private": _or_weird("on")},
        "session_move": {"direction": _or_weird("up", "down")},
        "poll_add": {
            "question": _or_weird("Q?"),
            "options": _or_weird("A\nB", "A"),
            "kind": _or_weird("single", "multiple", "scale", "ranking", "statements", "open_text"),
            "allow_new_statements": _or_weird("on"),
            "max_choices": _or_weird("", "1", "3"),
            "points": _or_weird("5", "11"),
            "label_low": _or_weird("Low", ""),
            "rank_top": _or_weird("", "2"),
        },
        "poll_edit": {"question": _or_weird("Q?"), "options": _or_weird("Yes\nNo", "A")},
        "console_poll_add": {
            "question": _or_weird("Quick?"),
            "options": _or_weird("A\nB", "A"),
            "kind": _or_weird("single", "scale"),
            "results": _or_weird("live", "on_reveal", "never"),
            "majority": _or_weird("none", "simple", "two_thirds"),
            "quorum": _or_weird("", "0.5", "50%", "1.5"),
        },
        "poll_move": {"direction": _or_weird("up", "down")},
        "poll_delete": {},
        "session_delete": {},
        "new_event": {"title": _or_weird("Fuzzed event"), "slug": _or_weird("", "fuzzed")},
        "import_event": {},
        "plan_upload": {},
        "moderate": {},
        "new_screen_key": {},
        "poll_status": {},
        "make_current": {},
        "next_session": {},
        "timer": {
            "action": _or_weird("start", "pause", "add", "reset"),
            "minutes": _or_weird("", "2", "-5", "0", "601"),
        },
        "team_invite": {"role": _or_weird("helper", "organiser"), "note": _or_weird("Sam", "")},
        "team_withdraw": {},
        "team_role": {"role": _or_weird("moderator", "helper")},
        "team_remove": {},
        "invite_join": {},
        "invite_signup": {
            "username": _or_weird("newbie", "facilitator"),
            "password": _or_weird(PASSWORD),
            "password_again": _or_weird(PASSWORD),
        },
        # The roster: a file (see ``_multipart``), the rows it carries to the import, a card.
        "members_preview": {},
        "members_import": {"roster": _or_weird("name\nFuzz Person", "name,table\nFuzz Two,3")},
        "checkin": {"on": _or_weird("0", "1"), "q": _or_weird("Ann")},
        # Issue 11's desk: paper cards, table facilitators and summaries, the queue.
        "card_add": {
            "kind": _or_weird("i", "e", "q", "c", *KINDS),
            "text": text,
            "group": _or_weird("", "Patient"),
            "table": _or_weird("", "3", "t" * 41),
            "entered": _or_weird("0", "7", "-1", "9" * 9),
        },
        "table_facilitator": {"on": _or_weird("0", "1")},
        "table_summary": {"kind": _or_weird(*KINDS), "text": text},
        "queue_decide": {},
        # Issue 12: API keys, and the JSON API (sent as JSON with the key: see ``cases``).
        "api_key_create": {"label": _or_weird("Hashtag bridge", "l" * 61)},
        "api_contribution": {
            "text": text,
            "kind": _or_weird(*KINDS),
            "source": _or_weird("", "#nhsassembly", "s" * 101),
            "author": _or_weird("", "@sam", "a" * 61),
        },
        "api_key_revoke": {},
        "member_reissue": {},
        "member_remove": {},
        "delete_own": {},
        "leave": {},
        # Near the end: it gives the account a new login (to the same password), so the
        # browser's copy of the old one, put back after each case, no longer works.
        "account_password": {
            "current": _or_weird(PASSWORD, "wrong"),
            "password": _or_weird(PASSWORD),
            "password_again": _or_weird(PASSWORD),
        },
        # Last: logging out ends the account's login everywhere, and every staff route after it
        # would only ever be refused.
        "logout": {},
    }


def explicit_cases(world: World, route: Route) -> list[Case]:
    """Cases every run tries before the random ones: a form the route accepts (so every route is
    seen to accept something), the same from a browser with no valid participant cookie, and
    with ids just past what a database integer holds."""
    c = world.contributions
    s = world.sessions  # the demo's: see _organiser_ids
    real = {
        # plan_upload: a draft new_event made; the kinds' routes: a second open event
        "event": {"plan_upload": "fuzz", **dict.fromkeys(KIND_ROUTES, "kinds")}.get(
            route.name, "demo"
        ),
        "id": {
            "make_current": s[0],
            "poll_status": world.open_poll,
            "team_withdraw": world.invites[0],
            "checkin": world.members[0],
            "table_facilitator": world.members[0],
            "member_reissue": world.members[0],
            "member_remove": world.members[-1],
            "moderate_statement": world.kinds_ids[0] if world.kinds_ids else 0,
            "moderate_answer": world.kinds_ids[-1] if world.kinds_ids else 0,
            "api_key_revoke": world.api_keys[0] if world.api_keys else 0,
            **_organiser_ids(world),
        }.get(route.name, c[-1] if route.name == "delete_own" else c[0]),
        "account": world.bystander,
        "token": world.join_token if route.name == "invite_join" else world.signup_token,
        "poll": {
            "add_statement": world.kinds_polls[0] if world.kinds_polls else 0,
            "moderate_statement": world.kinds_polls[0] if world.kinds_polls else 0,
            "moderate_answer": world.kinds_polls[-1] if world.kinds_polls else 0,
        }.get(route.name, world.open_poll),
        "action": {
            "moderate": "pin",
            "poll_status": "open",
            "moderate_statement": "approve",
            "moderate_answer": "hide",
            "queue_mark": "speaking",
            "queue_decide": "approve",
        }.get(route.name, ""),
    }
    fields = {
        "login": [("username", "facilitator"), ("password", PASSWORD), ("next", "/console/demo")],
        "set_name": [("display_name", "Ann")],
        "contribute": [("kind", "idea"), ("text", "An idea")],
        "upvote": [("on", "1")],
        "ballot": [("option", str(world.options[0]))],
        "respond": [("text", "Thank you")],
        "set_outcome": [("outcome", "not_taken_forward"), ("reason", "Out of scope")],
        "add_statement": [("text", "Buses should run all night")],
        "team_invite": [("role", "helper"), ("note", "Sam")],
        "team_role": [("role", "moderator")],
        "invite_signup": [
            ("username", "newbie"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
        "account_password": [
            ("current", PASSWORD),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ],
        "set_group": [("group_name", "")],
        "members_import": [("roster", "name\nFuzz Accepted")],
        "checkin": [("on", "1")],
        "raise_hand": [("topic", "Waiting lists")],
        "queue_alternate": [("on", "1")],
        "card_add": [("kind", "q"), ("text", "A paper card"), ("table", "2")],
        "table_facilitator": [("on", "1")],
        "table_summary": [("kind", "idea"), ("text", "Our table's view")],
        "event_settings": [("title", "NHS assembly"), ("moderation", "post")],
        "event_status": [("status", "open")],
        "session_add": [("title", "Fuzzed")],
        "session_edit": [("title", "Edited"), ("minutes", "5")],
        "session_move": [("direction", "down")],
        "poll_add": [("question", "Q?"), ("options", "A\nB")],
        "console_poll_add": [("question", "Quick?"), ("options", "A\nB")],
        "timer": [("action", "start"), ("minutes", "2")],
        "poll_edit": [("question", "Plainer?"), ("options", "Yes\nNo")],
        "poll_move": [("direction", "up")],
        "new_event": [("title", "Fuzz")],
        "api_key_create": [("label", "Hashtag bridge")],
        "api_contribution": [("kind", "idea"), ("text", "From outside"), ("source", "#nhs")],
    }.get(route.name, [])
    plan = {"import_event": PLAN.format("fuzz-import"), "plan_upload": PLAN.format("fuzz")}
    pairs = [*fields, ("csrf_token", world.token)]
    encoding = "multipart-file" if route.name == "members_preview" else "urlencoded"

    def case(cookies: str = "as-is", path: dict[str, object] | None = None) -> Case:
        params = {p: {**real, **(path or {})}[p] for p in route.param_convertors}
        path_ = route.path.format(**params)
        if route.name in plan:
            file = plan[route.name].encode()
            return Case(route.name, path_, pairs, "multipart-file", {}, cookies, file)
        if route.name in JSON_ROUTES:
            return Case(route.name, path_, pairs, "json", _bearer(world), cookies)
        return Case(route.name, path_, pairs, encoding, {}, cookies, ROSTER)

    found = [case()]
    if route.path.startswith("/e/"):
        found.append(case(cookies="forged-participant"))
    ids: dict[str, object] = {p: 2**63 for p in ("id", "poll") if p in route.param_convertors}
    if ids:
        found.append(case(path=ids))
    return found


ROSTER = b"name\r\nhello\r\n"  # what the roster preview uploads
JSON_ROUTES = ("api_contribution",)  # a JSON body and a Bearer key, no form, no CSRF token


def _bearer(world: World, key: str = "good") -> dict[str, str]:
    """An Authorization header with the world's API key ("good"), another, or none."""
    token = {"good": world.api_token, "forged": "forged-key", "none": ""}[key]
    return {"Authorization": f"Bearer {token}"} if token else {}


PLAN = "event:\n  slug: {}\n  title: Fuzzed plan\nsessions:\n  - title: One\n"


def _organiser_ids(world: World) -> dict[str, int]:
    """The demo's sessions are Welcome (with contributions), Rights (current, with the open
    poll, polls[1]) and Shaping; each organiser route's good form acts on one it may change."""
    s, p = world.sessions, world.polls
    return {
        "session_edit": s[1],
        "session_move": s[1],
        "session_delete": s[2],
        "poll_add": s[1],
        "poll_edit": p[2],
        "poll_move": p[2],
        "poll_delete": p[0],
    }


def _path_values(world: World, route: str) -> dict[str, st.SearchStrategy[str]]:
    """Each path parameter: mostly a real value for this route, else anything."""
    ids = {
        **{r: world.sessions for r in ("session_edit", "session_move", "session_delete")},
        **{r: world.sessions for r in ("poll_add",)},
        **{r: world.polls for r in ("poll_edit", "poll_move", "poll_delete")},
        "make_current": world.sessions,
        "poll_status": [world.open_poll, world.open_poll, *world.polls],
        "ballot": [world.open_poll, *world.polls],
        "team_withdraw": world.invites,
        "checkin": world.members,
        "table_facilitator": world.members,
        "member_reissue": world.members,
        "member_remove": world.members,
        "api_key_revoke": world.api_keys,
    }.get(route, world.contributions)
    actions = {
        "moderate": list(MODERATION_ACTIONS),
        "poll_status": ["open", "close", "reveal"],
        "moderate_statement": ["approve", "hide"],
        "moderate_answer": ["hide", "show"],
        "queue_mark": ["speaking", "done"],
        "queue_decide": ["approve", "hide"],
    }
    kinds = route in KIND_ROUTES
    if kinds:
        ids = world.kinds_ids
    polls = world.kinds_polls if kinds else ids
    return {
        "event": _segment(["kinds" if kinds else "demo"]),
        "id": _segment([str(i) for i in ids]),
        "poll": _segment([str(i) for i in polls]),
        "action": _segment(actions.get(route, ["x"])),
        "account": _segment([str(world.bystander)]),
        "token": _segment([world.join_token if route == "invite_join" else world.signup_token]),
    }


def _path(draw: st.DrawFn, world: World, route: Route) -> str:
    values = _path_values(world, route.name)
    params = {p: quote(draw(values[p]), safe="") for p in route.param_convertors}
    return route.path.format(**params)


# --- requests -----------------------------------------------------------------------------


def _multipart(
    pairs: list[tuple[str, str]], with_file: bool, file: bytes = b"hello", field: str = "file"
) -> tuple[bytes, str]:
    boundary = "fuzz-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        + v.encode()
        + b"\r\n"
        for k, v in pairs
    ]
    if with_file:  # a roster file, which the roster's preview reads (and others refuse)
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n".encode()
            + file
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@st.composite
def cases(draw: st.DrawFn, world: World, route: Route) -> Case:
    path = _path(draw, world, route)
    pairs: list[tuple[str, str]] = []
    for key, strategy in _fields(world)[route.name].items():
        shape = draw(st.integers(0, 9))  # 0: missing; 1: the field repeated; else one value
        count = 0 if shape == 0 else draw(st.integers(2, 3)) if shape == 1 else 1
        pairs += [(key, draw(strategy)) for _ in range(count)]
    if draw(st.integers(0, 19)) == 0:
        pairs += [("x", "y")] * draw(st.integers(51, 60))  # more fields than a form may have
    else:  # unknown extra fields
        pairs += draw(st.lists(st.tuples(st.text(max_size=20), WEIRD), max_size=2))
    headers: dict[str, str] = {}
    csrf = draw(st.integers(0, 11))
    if csrf <= 6:
        pairs.append(("csrf_token", world.token))
    elif csrf == 7:
        headers["X-CSRF-Token"] = world.token
    elif csrf == 8:
        pairs.append(("csrf_token", draw(st.sampled_from(["", "forged", world.token[:-1]]))))
    elif csrf == 9:
        pairs += [("csrf_token", "forged"), ("csrf_token", world.token)]
    elif csrf == 10:
        pairs += [("csrf_token", world.token), ("csrf_token", "forged")]
    # 11: no token at all
    if draw(st.booleans()):
        headers["HX-Request"] = "true"
    key = draw(st.sampled_from(["", "", "", "k1", "k2", "x" * 65, "\x00", "é"]))
    if key:
        if draw(st.booleans()):
            pairs.append(("idempotency_key", key))
        elif key.isascii() and "\x00" not in key:
            headers["Idempotency-Key"] = key
    order = draw(st.permutations(range(len(pairs))))
    encoding = draw(st.sampled_from(["urlencoded"] * 10 + ["multipart"] * 3 + ["multipart-file"]))
    cookies = draw(
        st.sampled_from(
            ["as-is"] * 8 + ["no-participant", "forged-participant"] * 2 + ["no-staff", "none"]
        )
    )
    if route.name in JSON_ROUTES:  # mostly JSON with the key, so most cases reach the fields
        if draw(st.integers(0, 3)):
            encoding = "json"
        headers.update(_bearer(world, draw(st.sampled_from(["good"] * 4 + ["forged", "none"]))))
    return Case(route.name, path, [pairs[i] for i in order], encoding, headers, cookies)


# --- what is stored -----------------------------------------------------------------------


def snapshot(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: counts and contents (contributions,
    ballots, display names, poll status, the event's current session and the rest)."""

    async def dump() -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        async with client.app_state["app"].db.read() as db:
            for table in Base.metadata.sorted_tables:
                result = await db.execute(select(table).order_by(*table.primary_key.columns))
                out[table.name] = [tuple(row) for row in result]
        return out

    return client.portal.call(dump)  # type: ignore[union-attr]


def _changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for table in before:
        if before[table] != after[table]:
            gone = [r for r in before[table] if r not in after[table]]
            new = [r for r in after[table] if r not in before[table]]
            changed[table] = {
                "rows": (len(before[table]), len(after[table])),
                "gone": gone[:3],
                "new": new[:3],
            }
    return changed


async def _cheap_password_hash(client: TestClient) -> None:
    """The same password, hashed with argon2's cheapest parameters: each login case that names
    the real account verifies it, and the real cost (most of a second here) would use up the
    time this file has."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    async with client.app_state["app"].db.write() as db:
        await db.execute(update(FacilitatorAccount).values(password_hash=cheap))


async def _team(client: TestClient) -> tuple[int, list[int], str, str]:
    """Make the facilitator an organiser of the demo (the team routes need one), put a
    bystander on its team, and make invites: one to withdraw, one to join with (as organiser,
    so the facilitator stays one), one to create an account from."""
    from assembly.demo import add_account
    from assembly.domain import create_invite, event_by_slug, set_team_role

    async with client.app_state["app"].db.write() as db:
        demo = await event_by_slug(db, "demo")
        me = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        await set_team_role(db, demo, me, "organiser")
        bystander, _ = await add_account(db, "bystander", PASSWORD)
        await set_team_role(db, demo, bystander, "helper")
        withdrawn, _ = await create_invite(db, demo, me, "helper", "to withdraw")
        _, join = await create_invite(db, demo, me, "organiser", "to join")
        _, signup = await create_invite(db, demo, me, "helper", "to sign up")
        return bystander.id, [withdrawn.id], join, signup


async def _organiser_with_roster(client: TestClient) -> None:
    """The facilitator organises the demo too (the roster's routes), which has three members."""
    from assembly.domain import event_by_slug
    from assembly.domain.members import new_code

    async with client.app_state["app"].db.write() as db:
        await db.execute(update(TeamMember).values(role="organiser"))
        demo = await event_by_slug(db, "demo")
        db.add_all(
            Member(event_id=demo.id, name=n, table_label="1", code=new_code())
            for n in ("Ann Fuzz", "Bob Fuzz", "Cy Fuzz")
        )


KINDS_PLAN = """\
event:
  slug: kinds
  title: Statements and open text
  status: open
sessions:
  - title: One
    polls:
      - question: Agree?
        kind: statements
        statements: [Buses first]
        allow_new_statements: true
      - question: What else?
        kind: open_text
"""


async def _kinds_event(client: TestClient) -> tuple[list[int], list[int]]:
    """A second open event with an open statements poll that takes participants' statements,
    and an open text poll holding one answer: its polls' ids, and its statement's and
    answer's ids."""
    from assembly.domain import join
    from assembly.domain.plans import import_plan
    from assembly.plan.read import read_plan

    async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
        event, _ = await import_plan(db, read_plan(KINDS_PLAN))
        statements, text = list(
            await db.scalars(select(Poll).where(Poll.event_id == event.id).order_by(Poll.position))
        )
        event.current_session_id = statements.session_id
        statements.status = "open"
        option = await db.scalar(select(PollOption.id).where(PollOption.poll_id == statements.id))
        someone, _ = await join(db, event, None, "online")
        ballot = Ballot(
            poll_id=text.id, participant_id=someone.id, marks="More buses", channel="online"
        )
        db.add(ballot)
        await db.flush()
        return [statements.id, text.id], [int(option or 0), ballot.id]


async def _installation_organiser(client: TestClient) -> None:
    """The fuzzing account may do everything, the organiser pages and new events included."""
    async with client.app_state["app"].db.write() as db:
        await db.execute(
            update(FacilitatorAccount)
            .where(FacilitatorAccount.username == "facilitator")
            .values(role="organiser")
        )


async def _api_keys(client: TestClient) -> tuple[str, list[int]]:
    """Two API keys of the demo: one the JSON route posts with, one to revoke."""
    from assembly.domain import event_by_slug
    from assembly.domain.apikeys import create_key

    async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
        demo = await event_by_slug(db, "demo")
        _, token = await create_key(db, demo, None, "Fuzz bridge")
        spare, _ = await create_key(db, demo, None, "Spare")
        return token, [spare.id]


@pytest.fixture
def fuzz_client(sqlite_copy: Callable[..., Any]) -> Iterator[tuple[TestClient, World]]:
    """A logged-in facilitator who is also a participant, on an event with contributions and
    an open poll; rate limits off."""
    settings_ = sqlite_copy(rate_limit_scale=0)
    with TestClient(create_app(settings_), base_url="http://testserver") as client:
        client.portal.call(_cheap_password_hash, client)  # type: ignore[union-attr]
        bystander, invites, join, signup = client.portal.call(_team, client)  # type: ignore[union-attr]
        client.portal.call(_installation_organiser, client)  # type: ignore[union-attr]
        token = login(client)
        assert csrf_of(client) == token  # one browser, one CSRF cookie
        client.portal.call(_organiser_with_roster, client)  # type: ignore[union-attr]
        for n in range(8):
            assert post(client, f"seeded {n}").status_code == 303
        poll, options = open_first_poll(client, token)
        world = World(
            token=token,
            event_id=poll.event_id,
            contributions=[c.id for c in rows(client, Contribution)],
            sessions=[s.id for s in rows(client, Session)],
            polls=[p.id for p in rows(client, Poll)],
            open_poll=poll.id,
            options=[o.id for o in options],
            bystander=bystander,
            invites=invites,
            join_token=join,
            signup_token=signup,
            members=[m.id for m in rows(client, Member)],
        )
        world.kinds_polls, world.kinds_ids = client.portal.call(_kinds_event, client)  # type: ignore[union-attr]
        world.api_token, world.api_keys = client.portal.call(_api_keys, client)  # type: ignore[union-attr]
        yield client, world


def post_routes() -> dict[str, Route]:
    app = create_app(make_settings(Path("/nonexistent")))  # routes only: nothing is opened
    return {r.name: r for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())}


def test_every_post_route_is_fuzzed() -> None:
    world = World(token="t", event_id=1)
    assert set(post_routes()) == set(_fields(world)), "a POST route without a fuzz strategy"


def _send(client: TestClient, world: World, case: Case) -> Any:
    if case.encoding == "urlencoded":
        body = urlencode(case.pairs).encode()
        content_type = "application/x-www-form-urlencoded"
    elif case.encoding == "json":  # a repeated field: the last one counts, as in most parsers
        body = json.dumps(dict(case.pairs)).encode()
        content_type = "application/json"
    else:
        field = "roster" if case.route == "members_preview" else "file"
        body, content_type = _multipart(
            case.pairs, case.encoding == "multipart-file", case.file, field
        )
    participant_cookie = f"asm_p{world.event_id}"
    saved = dict(client.cookies.items())
    if case.cookies in ("no-participant", "none"):
        client.cookies.delete(participant_cookie)
    if case.cookies == "forged-participant":
        client.cookies.set(participant_cookie, "forged.cookie")
    if case.cookies in ("no-staff", "none"):
        client.cookies.delete(STAFF_COOKIE)
    if case.cookies == "none":
        client.cookies.delete(CSRF_COOKIE)
    try:
        return client.post(
            case.path,
            content=body,
            headers={"content-type": content_type, **case.headers},
            follow_redirects=False,
        )
    finally:
        client.cookies.clear()
        for name, value in saved.items():
            client.cookies.set(name, value)


class Checker:
    """Checks one response: never a 5xx; a 4xx is a sentence and left every table as it was."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self._known: dict[str, Any] | None = None  # the snapshot after the last refusal
        self._pending = False  # a case began and never reached check(): it raised

    def before(self) -> dict[str, Any]:
        if self._known is None or self._pending:
            self._known = snapshot(self.client)
        self._pending = True
        return self._known

    def check(self, before: dict[str, Any], status: int, text: str, what: Any) -> str:
        self._known, self._pending = None, False
        assert status < 500, (status, what, text[:500])
        if status < 400:
            return "accepted"
        assert "Traceback" not in text and text.strip(), (status, what)
        after = snapshot(self.client)
        assert after == before, (status, what, text[:300], _changes(before, after))
        self._known = after
        return "refused"


def each_route(world: World, fuzz: Callable[[Route], None]) -> None:
    """Fuzz every POST route in turn, and fail with every route that failed, not only the first
    (each one's traceback is printed; its smallest failing case is in the message)."""
    routes = post_routes()
    failures: dict[str, str] = {}
    for name in _fields(world):  # each route its own run, so none is left to chance
        try:
            fuzz(routes[name])
        except Exception as exc:
            print(f"\n--- {name} ---\n" + "".join(traceback.format_exception(exc)))
            failures[name] = "".join(traceback.format_exception_only(exc))
    assert not failures, "\n\n".join(f"{n}: {what}" for n, what in failures.items())


# About 50 s alone with ~70 POST routes; under the whole suite's load on two cores it can pass
# the default 60 s, and the limit grows with every route (each gets its own run).
@pytest.mark.timeout(150)
def test_random_forms_on_every_post_route(fuzz_client: tuple[TestClient, World]) -> None:
    client, world = fuzz_client
    checker = Checker(client)
    outcomes: Counter[tuple[str, str]] = Counter()

    def fuzz(route: Route) -> None:
        @_settings(FORMS_PER_ROUTE)
        @given(case=cases(world, route))
        def run(case: Case) -> None:
            CASES["forms"] += 1
            before = checker.before()
            r = _send(client, world, case)
            outcomes[(case.route, checker.check(before, r.status_code, r.text, case))] += 1

        for case in explicit_cases(world, route):
            run = example(case=case)(run)
        run()

    each_route(world, fuzz)
    print(f"\nfuzz forms: {CASES['forms']} cases; {sorted(outcomes.items())}")
    routes = post_routes()
    explicit = sum(len(explicit_cases(world, r)) for r in routes.values())
    assert CASES["forms"] == FORMS_PER_ROUTE * len(routes) + explicit
    # Every route accepted its good form, and refused at least one random one.
    for name in routes:
        assert outcomes[(name, "accepted")] > 0, f"{name} never accepted a form"
        assert outcomes[(name, "refused")] > 0, f"{name} was never refused"


# --- raw bodies ---------------------------------------------------------------------------

_CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data",  # no boundary
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=b",
    'multipart/form-data; boundary="b"; charset=utf-16',
    "multipart/form-data; boundary=" + "b" * 200,
    "text/plain",
    "application/json",
    "",
    "x/\u00ff",
]
_RAW = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"\xff\xfe\xfd",
            b"text=\xff\xfe&kind=idea",
            b"text=%ff%fe%00&kind=idea",
            b"%",
            b"%zz=%zz",
            b"&&&===",
            b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
            b"--b\r\n\r\n\r\n--b--\r\n",
            b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nx\r\n--b--\r\n',
            b"--b--\r\n",
            b'--c\r\nContent-Disposition: form-data; name="kind"\r\n\r\nidea\r\n--c--\r\n',
            b'{"kind": "idea", "text": "json"}',
            # For the JSON API: shapes and values its fields refuse.
            b'{"kind": "idea", "text": 7}',
            b'{"kind": "idea", "text": "a\\u0000b"}',
            b'{"kind": "idea", "text": "a\\ud800"}',
            b'{"kind": ["idea"], "text": "x"}',
            b'{"kind": "idea", "text": "x", "author": {"a": 1}}',
            b"[1, 2]",
            b"null",
            b"[" * 5000,
        ]
    ),
    st.text(_CHARS, max_size=200).map(lambda s: s.encode("utf-16")),
)


@st.composite
def raw_cases(draw: st.DrawFn, world: World, route: Route) -> RawCase:
    path = _path(draw, world, route)
    token = draw(st.sampled_from(["field", "field", "header", "none"]))
    body = draw(_RAW)
    if token == "field":  # so that some bodies get past the CSRF check to the form's fields
        sep = draw(st.sampled_from([b"&", b"\r\n", b""]))
        body = body + sep + b"csrf_token=" + world.token.encode()
    headers = {b"content-type": draw(st.sampled_from(_CONTENT_TYPES)).encode("latin-1")}
    if token == "header":
        headers[b"x-csrf-token"] = world.token.encode()
    if draw(st.booleans()):
        headers[b"hx-request"] = b"true"
    if route.name in JSON_ROUTES:  # with the key, so that the body is read
        headers[b"authorization"] = f"Bearer {world.api_token}".encode()
    return RawCase(route.name, path, body, headers)


def test_raw_and_malformed_bodies(fuzz_client: tuple[TestClient, World]) -> None:
    client, world = fuzz_client
    checker = Checker(client)
    statuses: Counter[int] = Counter()

    def fuzz(route: Route) -> None:
        @_settings(RAW_PER_ROUTE)
        @given(case=raw_cases(world, route))
        def run(case: RawCase) -> None:
            CASES["raw"] += 1
            before = checker.before()
            r = client.post(
                case.path, content=case.body, headers=case.headers, follow_redirects=False
            )
            checker.check(before, r.status_code, r.text, case)
            statuses[r.status_code] += 1

        run()

    each_route(world, fuzz)
    print(f"\nfuzz raw bodies: {CASES['raw']} cases; statuses {sorted(statuses.items())}")
    assert CASES["raw"] == RAW_PER_ROUTE * len(post_routes())
    assert statuses[400] > 0  # unreadable forms were refused as such, not as something else
