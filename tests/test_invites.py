"""Team invite links: accepted by a new or a logged-in account, once, within a week; two at
once make one team member."""

from __future__ import annotations

import asyncio
import re

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from assembly.app import create_app
from assembly.config import Settings
from assembly.db import Database
from assembly.demo import add_account
from assembly.domain import (
    INVITE_GONE,
    Refused,
    accept_invite,
    create_invite,
    event_by_slug,
)
from assembly.models import TeamMember
from assembly.security import STAFF_COOKIE
from tests.conftest import PASSWORD, LiveServer, csrf_of
from tests.test_team import (
    _CSRF,
    _counts,
    _in_app,
    _invite,
    _login,
    _member,
    _role,
    _signup,
)

_LINK = re.compile(r"/team/invite/([A-Za-z0-9_-]{20,})")


def test_an_invite_makes_a_new_account_on_this_event_and_no_other(client: TestClient) -> None:
    _member(client, "olga", "organiser")
    _member(client, "someone", "organiser", "other")  # another event, which sam gets nothing on
    _login(client, "olga")
    token = csrf_of(client, "/organise/demo/team")
    r = client.post(
        "/organise/demo/team/invites",
        data={"role": "facilitator", "note": "Sam from the council", "csrf_token": token},
    )
    assert r.status_code == 200 and "shown only this once" in r.text
    invite = _LINK.search(r.text)
    assert invite
    link = invite.group(1)
    page = client.get("/organise/demo/team").text
    assert "Sam from the council" in page and link not in page  # listed; the link shown once
    client.cookies.clear()

    r = client.get(f"/team/invite/{link}")
    assert r.status_code == 200 and "as <strong>facilitator</strong>" in r.text
    assert "/login?next=/team/invite/" in r.text
    r = _signup(client, link, "sam")
    assert r.status_code == 303 and r.headers["location"] == "/console/demo"
    assert client.get("/console/demo").status_code == 200
    assert client.get("/console/other", follow_redirects=False).status_code == 403
    assert _role(client, "sam") == "facilitator" and _role(client, "sam", "other") is None
    # The link worked once.
    client.cookies.clear()
    r = client.get(f"/team/invite/{link}")
    assert r.status_code == 410 and INVITE_GONE in r.text
    _login(client, "olga")
    page = client.get("/organise/demo/team").text
    assert "Sam from the council" not in page and "<strong>sam</strong>" in page


def test_a_logged_in_account_joins_with_an_invite(client: TestClient) -> None:
    link = _invite(client, "helper", "other")
    _login(client, "facilitator")
    assert client.get("/console/other", follow_redirects=False).status_code == 403
    page = client.get(f"/team/invite/{link}").text
    assert "Join the team as facilitator" in page
    r = client.post(
        f"/team/invite/{link}/join",
        data={"csrf_token": _CSRF.search(page).group(1)},  # type: ignore[union-attr]
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/other"
    assert client.get("/console/other").status_code == 200
    assert _role(client, "facilitator", "other") == "helper"
    assert _role(client, "facilitator") == "facilitator"  # the demo's role is untouched


def test_expired_used_withdrawn_and_unknown_links_create_nothing(client: TestClient) -> None:
    expired, used, withdrawn = _invite(client), _invite(client), _invite(client)

    _in_app(
        client,
        lambda db: db.execute(
            text(
                "update team_invite set expires_at = :past where id = "
                "(select min(id) from team_invite)"
            ),
            {"past": "2000-01-01 00:00:00"},
        ),
    )
    assert _signup(client, used, "first").status_code == 303
    client.cookies.clear()
    _member(client, "olga", "organiser")
    _login(client, "olga")
    page = client.get("/organise/demo/team").text
    ids = re.findall(r"/team/invites/(\d+)/withdraw", page)
    assert len(ids) == 1  # the expired and the used ones are no longer listed
    token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/organise/demo/team/invites/{ids[0]}/withdraw", data={"csrf_token": token})
    assert r.status_code == 200 and "/withdraw" not in r.text
    client.cookies.clear()
    before = _counts(client)
    for link in (expired, used, withdrawn, "no-such-invite-token-at-all"):
        r = client.get(f"/team/invite/{link}")
        assert r.status_code == 410 and INVITE_GONE in r.text, link
        r = _signup(client, link, f"late-{link[:6]}")
        assert r.status_code == 410 and INVITE_GONE in r.text, link
        assert STAFF_COOKIE not in r.cookies
    assert _counts(client) == before
    # A logged-in account cannot join with them either.
    _login(client, "facilitator")
    for link in (expired, used, withdrawn):
        token = csrf_of(client, "/login")
        r = client.post(f"/team/invite/{link}/join", data={"csrf_token": token})
        assert r.status_code == 410
    assert _counts(client) == before and _role(client, "facilitator") == "facilitator"


def test_a_bad_signup_says_why_and_keeps_the_link(client: TestClient) -> None:
    link = _invite(client)
    before = _counts(client)
    r = _signup(client, link, "facilitator")
    assert r.status_code == 409 and "The username “facilitator” is taken" in r.text
    r = _signup(client, link, "sam", again="not the same password")
    assert r.status_code == 422 and "not the same" in r.text
    data = {"username": "sam", "password": "short", "password_again": "short"}
    r = client.post(
        f"/team/invite/{link}/account", data={**data, "csrf_token": csrf_of(client, "/login")}
    )
    assert r.status_code == 422 and "at least 12 characters" in r.text
    for odd in ("a b", "x", "nul\x00byte", "\u202eevil", "n" * 61):
        r = _signup(client, link, odd)
        assert r.status_code == 422 and "without spaces" in r.text, odd
    assert _counts(client) == before
    assert _signup(client, link, "sam").status_code == 303  # the link still works


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_accepting_one_link_at_once_only_one_wins(settings: Settings) -> None:
    """The second UPDATE waits on the first's row lock, then finds the link used: exactly one
    team row, whichever way a check-then-set would have interleaved."""

    async def main() -> tuple[int, str]:
        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                demo = await event_by_slug(s, "demo")
                a, _ = await add_account(s, "ann", PASSWORD)
                b, _ = await add_account(s, "bob", PASSWORD)
                _, token = await create_invite(s, demo, a, "moderator", "")

            async def second() -> str:
                try:
                    async with db.write() as s2:
                        await accept_invite(s2, token, b)
                    return "joined"
                except Refused as exc:
                    return exc.message

            async with db.write() as s1:
                await accept_invite(s1, token, a)
                racer = asyncio.create_task(second())
                # Until the second transaction is waiting on the first's lock (bounded).
                async with db.engine.connect() as watch:
                    for _ in range(500):
                        waiting = await watch.scalar(
                            text(
                                "select count(*) from pg_stat_activity "
                                "where wait_event_type = 'Lock' and datname = current_database()"
                            )
                        )
                        if waiting:
                            break
                        await watch.rollback()  # a new snapshot of pg_stat_activity next time
                        await asyncio.sleep(0.01)
                    assert waiting, (
                        "the second accept never waited for the first",
                        racer.done() and (racer.exception() or racer.result()),
                    )
            outcome = await racer
            async with db.read() as s:
                rows = await s.scalar(
                    select(func.count())
                    .select_from(TeamMember)
                    .where(TeamMember.account_id.in_([a.id, b.id]))
                )
            return int(rows or 0), outcome
        finally:
            await db.dispose()

    rows, outcome = asyncio.run(main())
    assert rows == 1 and outcome == INVITE_GONE


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_browsers_creating_accounts_from_one_link_make_one(settings: Settings) -> None:
    """Both browsers open the link first (so both hold a live form), then both send it at once."""

    async def both(base: str, token: str) -> list[int]:
        async with (
            httpx.AsyncClient(base_url=base) as ann,
            httpx.AsyncClient(base_url=base) as bob,
        ):
            forms = []
            for browser, username in ((ann, "ann"), (bob, "bob")):
                r = await browser.get(f"/team/invite/{token}")
                assert r.status_code == 200, r.status_code
                forms.append(
                    {
                        "username": username,
                        "password": PASSWORD,
                        "password_again": PASSWORD,
                        "csrf_token": _CSRF.search(r.text).group(1),  # type: ignore[union-attr]
                    }
                )
            answers = await asyncio.gather(
                ann.post(f"/team/invite/{token}/account", data=forms[0]),
                bob.post(f"/team/invite/{token}/account", data=forms[1]),
            )
            return [r.status_code for r in answers]

    with LiveServer(settings) as server, TestClient(create_app(settings)) as client:
        token = _invite(client)
        before = _counts(client)
        statuses = asyncio.run(both(server.url, token))
        assert sorted(statuses) == [303, 410]
        assert _counts(client) == (before[0] + 1, before[1] + 1)
