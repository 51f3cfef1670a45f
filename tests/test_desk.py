"""Issue 11's desk: table facilitators and their summaries, helpers' paper cards, the word
list, pre-moderation's "waiting for a moderator", the keyboard queue, the audit log, and a
console split by role (a moderator's socket never receives agenda or poll fragments)."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from assembly.app import create_app
from assembly.config import Settings
from assembly.domain.words import DEFAULT_WORDS, initial_status
from assembly.models import AuditEntry, Contribution, Event
from assembly.security import STAFF_COOKIE
from tests.conftest import LiveServer, csrf_of, live_socket, receive_until
from tests.test_contributions import post, rows
from tests.test_members import _as, _import, _member
from tests.test_polls import _first_poll, _session
from tests.test_privacy import _set
from tests.test_team import _login
from tests.test_team import _member as _staff

HTMX = {"HX-Request": "true"}


def _contributions(client: TestClient) -> list[Contribution]:
    return sorted(rows(client, Contribution), key=lambda c: c.id)


# --- tables ------------------------------------------------------------------------------------


def _make_lead(client: TestClient, token: str, name: str, on: str = "1") -> Any:
    m = _member(client, name)
    data = {"csrf_token": token, "on": on}
    return client.post(f"/console/demo/members/{m.id}/table", data=data, follow_redirects=False)


def test_a_table_facilitator_posts_the_tables_summary_to_the_feed(client: TestClient) -> None:
    _import(client, _as(client, "olive", "organiser"))
    token = _as(client, "fay", "facilitator")
    console = client.get("/console/demo").text
    assert "Make table facilitator" in console
    r = _make_lead(client, token, "Ann Smith")
    assert r.status_code == 303
    assert _member(client, "Ann Smith").table_facilitator
    assert any(a.action == "member.table_facilitator" for a in rows(client, AuditEntry))
    client.cookies.clear()
    client.get(f"/i/{_member(client, 'Ann Smith').code}")
    page = client.get("/e/demo").text
    assert "Table 1's summary" in page
    r = client.post(
        "/e/demo/table",
        data={"csrf_token": csrf_of(client), "kind": "idea", "text": "More evening clinics"},
        headers=HTMX,
    )
    assert r.status_code == 200, r.text
    [c] = [c for c in _contributions(client) if c.text == "More evening clinics"]
    assert (c.channel, c.table_label, c.status) == ("table", "1", "visible")
    # The console filters by table.
    _as(client, "fay2", "facilitator")
    assert "More evening clinics" in client.get("/console/demo", params={"table": "1"}).text
    assert "More evening clinics" not in client.get("/console/demo", params={"table": "2"}).text


def test_a_table_summary_from_anyone_else_is_refused_and_nothing_is_stored(
    client: TestClient,
) -> None:
    _import(client, _as(client, "olive", "organiser"))
    token = _as(client, "fay", "facilitator")
    before = len(_contributions(client))
    client.cookies.clear()
    client.get(f"/i/{_member(client, 'Zoë Brown').code}")  # a member, but not the facilitator
    assert "table-summary" not in client.get("/e/demo").text
    r = client.post("/e/demo/table", data={"csrf_token": csrf_of(client), "text": "Ours"})
    assert r.status_code == 403
    assert "Only a table's facilitator posts its summary" in html.unescape(r.text)
    # Made facilitator and then stopped: refused again.
    token = _as(client, "fay2", "facilitator")
    assert _make_lead(client, token, "Zoë Brown").status_code == 303
    assert _make_lead(client, token, "Zoë Brown", on="0").status_code == 303
    client.cookies.clear()
    client.get(f"/i/{_member(client, 'Zoë Brown').code}")
    r = client.post("/e/demo/table", data={"csrf_token": csrf_of(client), "text": "Ours"})
    assert r.status_code == 403
    assert len(_contributions(client)) == before


def test_only_runners_make_table_facilitators(client: TestClient) -> None:
    _import(client, _as(client, "olive", "organiser"))
    for role in ("moderator", "helper"):
        token = _as(client, f"x-{role}", role)
        r = _make_lead(client, token, "Ann Smith")
        assert r.status_code == 403
    assert not _member(client, "Ann Smith").table_facilitator


# --- paper cards -------------------------------------------------------------------------------


def test_a_helper_types_in_paper_cards_and_the_kind_stays(client: TestClient) -> None:
    token = _as(client, "hal", "helper")
    page = client.get("/console/demo/cards/new").text
    assert "Cards entered this session: <strong>0</strong>" in page
    data = {"csrf_token": token, "kind": "q", "text": "Who pays?", "entered": "0", "table": "4"}
    r = client.post("/console/demo/cards", data=data, headers=HTMX)
    assert r.status_code == 200
    assert "Cards entered this session: <strong>1</strong>" in r.text
    assert re.search(r'value="question"[^>]*checked', r.text)
    assert 'name="text" type="text"' in r.text and "Who pays?" not in r.text  # cleared
    # Without JS: post/redirect/get, the count and the kind in the address.
    data = {**data, "text": "Too far to travel", "entered": "1"}
    r = client.post("/console/demo/cards", data=data, follow_redirects=False)
    assert r.status_code == 303 and "entered=2" in r.headers["location"]
    assert "kind=question" in r.headers["location"]
    again = client.get(r.headers["location"]).text
    assert "Cards entered this session: <strong>2</strong>" in again
    cards = [(c.kind, c.table_label, c.participant_id) for c in _contributions(client)]
    assert [c for c in cards if c[2] is None] == [("question", "4", None)] * 2
    assert "Too far to travel" in client.get("/e/demo").text  # the same public feed


def test_paper_cards_are_moderated_like_any_contribution(client: TestClient) -> None:
    _set(client, "update event set moderation = 'pre' where slug = 'demo'")
    token = _as(client, "hal", "helper")
    data = {"csrf_token": token, "kind": "i", "text": "A ramp at the entrance"}
    r = client.post("/console/demo/cards", data=data, headers=HTMX)
    assert "It waits for a moderator" in r.text
    [c] = [c for c in _contributions(client) if c.channel == "paper"]
    assert c.status == "pending"
    assert "A ramp at the entrance" not in client.get("/e/demo").text


def test_a_helper_posting_to_another_event_is_refused_and_nothing_is_stored(
    client: TestClient,
) -> None:
    _as(client, "other-org", "organiser", event="elsewhere")
    _set(client, "update event set status = 'open' where slug = 'elsewhere'")
    token = _as(client, "hal", "helper")
    before = len(_contributions(client))
    data = {"csrf_token": token, "kind": "i", "text": "Not my event"}
    r = client.post("/console/elsewhere/cards", data=data)
    assert r.status_code == 403 and "not on the team" in r.text
    assert client.get("/console/elsewhere/cards/new").status_code == 403
    assert len(_contributions(client)) == before


def test_bad_cards_are_refused_with_a_sentence(client: TestClient) -> None:
    token = _as(client, "hal", "helper")
    for data, words in (
        ({"kind": "x", "text": "t"}, "Choose what kind"),
        ({"kind": "i", "text": "  "}, "empty"),
        ({"kind": "i", "text": "t", "group": "nobody"}, "Choose one of this event's groups"),
    ):
        r = client.post("/console/demo/cards", data={"csrf_token": token, **data})
        assert r.status_code == 422 and words in html.unescape(r.text)
    assert not [c for c in _contributions(client) if c.channel == "paper"]
    # Moderators do not type cards in.
    token = _as(client, "mo", "moderator")
    r = client.post("/console/demo/cards", data={"csrf_token": token, "kind": "i", "text": "t"})
    assert r.status_code == 403


# --- moderation --------------------------------------------------------------------------------


def test_the_word_list_matches_whole_words_and_stems() -> None:
    event = Event(moderation="post", word_list=["bloody", "wank*", "piss off"])
    assert initial_status(event, "The bloody car park") == "pending"
    assert initial_status(event, "Wankers, all of them") == "pending"
    assert initial_status(event, "Just PISS   off") == "pending"
    assert initial_status(event, "Bloodywell fine, a pissoff") == "visible"
    assert initial_status(Event(moderation="pre", word_list=[]), "fine") == "pending"
    assert "fuck*" in DEFAULT_WORDS


def test_the_word_list_holds_a_contribution_in_post_moderation(client: TestClient) -> None:
    _set(client, """update event set word_list = '["rubbish"]' where slug = 'demo'""")
    r = post(client, "The food is rubbish", htmx=True)
    assert "Waiting for a moderator" in r.text  # the author's own item, on their page
    post(client, "The food is fine")
    statuses = {c.text: c.status for c in _contributions(client)}
    assert statuses["The food is rubbish"] == "pending"
    assert statuses["The food is fine"] == "visible"
    assert "Waiting for a moderator" in client.get("/e/demo/me").text


def test_a_new_event_gets_the_english_default_word_list(client: TestClient) -> None:
    from tests.organise_helpers import admin, send

    token = admin(client)
    r = send(client, token, "/organise/events", title="Words", slug="words")
    assert r.status_code in (200, 303), r.text
    [event] = [e for e in rows(client, Event) if e.slug == "words"]
    assert event.word_list == list(DEFAULT_WORDS)
    assert "fuck*" in client.get("/organise/words").text  # editable on the settings page


def test_the_queue_approves_and_hides_and_pushes_to_phones(client: TestClient) -> None:
    _set(client, "update event set moderation = 'pre' where slug = 'demo'")
    post(client, "First waiting")
    post(client, "Second waiting")
    first, second = _contributions(client)[-2:]
    token = _as(client, "mo", "moderator")
    console = client.get("/console/demo").text
    assert f'id="q-{first.id}"' in console and f'id="q-{second.id}"' in console
    client.cookies.clear()
    with live_socket(client, "/ws/e/demo") as phone:
        token = _as(client, "mo", "moderator")
        r = client.post(
            f"/console/demo/modqueue/{first.id}/approve",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"].endswith("#modqueue")
        assert "First waiting" in receive_until(phone, "First waiting")
    r = client.post(
        f"/console/demo/modqueue/{second.id}/hide", data={"csrf_token": token}, headers=HTMX
    )
    assert r.status_code == 200
    statuses = {c.id: c.status for c in _contributions(client)}
    assert (statuses[first.id], statuses[second.id]) == ("visible", "hidden")
    assert 'id="q-' not in client.get("/console/demo").text
    r = client.post(f"/console/demo/modqueue/{first.id}/feature", data={"csrf_token": token})
    assert r.status_code == 400


def test_the_audit_log_is_filtered_by_action_and_person_and_paginated(client: TestClient) -> None:
    post(client, "to hide")
    [c] = _contributions(client)[-1:]
    token = _as(client, "mo", "moderator")
    for action in ["hide", "show"] * 30:
        client.post(f"/console/demo/c/{c.id}/{action}", data={"csrf_token": token})
    _as(client, "fay", "facilitator")
    client.post(f"/console/demo/c/{c.id}/pin", data={"csrf_token": csrf_of(client, "/login")})
    page = client.get("/console/demo/audit").text
    assert "contribution.pin" in page and "Older" in page
    assert page.count("<tr><td>") == 50
    older = client.get("/console/demo/audit", params={"page": "2"}).text
    assert older.count("<tr><td>") == 11 and "Newer" in older
    only = client.get("/console/demo/audit", params={"who": "fay"}).text
    assert only.count("<tr><td>") == 1 and "contribution.pin" in only
    hides = client.get("/console/demo/audit", params={"action": "contribution.hide"}).text
    assert hides.count("<tr><td>") == 30
    _as(client, "hal", "helper")
    assert client.get("/console/demo/audit").status_code == 403


# --- the console by role -----------------------------------------------------------------------


def test_a_moderator_sees_no_agenda_and_cannot_open_a_poll(client: TestClient) -> None:
    token = _as(client, "mo", "moderator")
    page = client.get("/console/demo").text
    assert 'id="agenda"' not in page and "Make table facilitator" not in page
    assert client.get("/console/demo/w/agenda").status_code == 403
    poll, _ = _first_poll(client, _session(client, "Rights"))
    r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
    assert r.status_code == 403 and "Facilitators and organisers run" in r.text
    assert next(p for p in rows(client, type(poll)) if p.id == poll.id).status == "draft"


def test_a_moderators_console_socket_gets_no_agenda_or_poll_fragment(settings: Settings) -> None:
    """Through the real server: a poll opens; the facilitator's console socket receives the
    agenda and the tally, the moderator's neither (but both receive a new contribution)."""

    async def cookie_of(base: str, username: str) -> str:
        async with httpx.AsyncClient(base_url=base) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', (await c.get("/login")).text)
            assert token
            data = {"username": username, "password": "correct horse battery staple"}
            await c.post("/login", data={**data, "next": "/", "csrf_token": token.group(1)})
            return str(c.cookies[STAFF_COOKIE])

    async def collect(ws: Any, until: str) -> list[str]:
        got: list[str] = []
        while not any(until in m for m in got):
            got.append(str(await asyncio.wait_for(ws.recv(), 5)))
        return got

    async def main(base: str, poll_id: int, session_id: int) -> tuple[list[str], list[str]]:
        url = base.replace("http", "ws", 1) + "/ws/console/demo"
        fay, mo = await cookie_of(base, "fay"), await cookie_of(base, "mo")
        async with (
            connect(url, additional_headers={"Cookie": f"{STAFF_COOKIE}={fay}"}) as fay_ws,
            connect(url, additional_headers={"Cookie": f"{STAFF_COOKIE}={mo}"}) as mo_ws,
            httpx.AsyncClient(base_url=base, cookies={STAFF_COOKIE: fay}) as c,
        ):
            await fay_ws.recv(), await mo_ws.recv()  # the greetings
            page = (await c.get("/console/demo")).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            csrf = {"csrf_token": token.group(1)}
            await c.post(f"/console/demo/sessions/{session_id}/current", data=csrf)
            r = await c.post(f"/console/demo/polls/{poll_id}/open", data=csrf)
            assert r.status_code == 303
            # Then a paper card: every console receives it, and it ends the moderator's wait.
            await c.post("/console/demo/cards", data={**csrf, "kind": "i", "text": "END-MARK"})
            return await collect(fay_ws, "END-MARK"), await collect(mo_ws, "END-MARK")

    with LiveServer(settings) as server, TestClient(create_app(settings)) as client:
        _staff(client, "fay", "facilitator")
        _staff(client, "mo", "moderator")
        _login(client, "fay")
        session = _session(client, "Rights")
        poll, _ = _first_poll(client, session)
        fay_got, mo_got = asyncio.run(main(server.url, poll.id, session.id))
    fay_all, mo_all = "".join(fay_got), "".join(mo_got)
    assert 'id="agenda"' in fay_all and "END-MARK" in fay_all
    assert "END-MARK" in mo_all
    assert 'id="agenda"' not in mo_all and "/polls/" not in mo_all and "results" not in mo_all
