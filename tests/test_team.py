"""An event's team: invite links (accepted by a new or a logged-in account, once, within a
week), roles and removal on the team page, and changing one's own password."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from assembly import cli
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
    set_team_role,
)
from assembly.domain.plans import import_plan
from assembly.models import FacilitatorAccount, TeamInvite, TeamMember
from assembly.plan.read import read_plan
from assembly.security import STAFF_COOKIE
from tests.conftest import PASSWORD, LiveServer, closed_after, csrf_of

NEW_PASSWORD = "a new and longer passphrase"
_LINK = re.compile(r"/team/invite/([A-Za-z0-9_-]{20,})")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _in_app(client: TestClient, work: Any) -> Any:
    async def go() -> Any:
        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            return await work(db)

    return client.portal.call(go)  # type: ignore[union-attr]


async def _event(db: Any, slug: str) -> Any:
    """The event ``slug``, made from a one-line plan when missing."""
    try:
        return await event_by_slug(db, slug)
    except Refused:
        plan = read_plan(f"event:\n  slug: {slug}\n  title: Assembly {slug}\n  status: open\n")
        event, _ = await import_plan(db, plan)
        return event


def _member(client: TestClient, username: str, role: str, slug: str = "demo") -> int:
    """An account called ``username`` (password PASSWORD) with ``role`` on ``slug``'s team."""

    async def make(db: Any) -> int:
        account, _ = await add_account(db, username, PASSWORD)
        await set_team_role(db, await _event(db, slug), account, role)
        return int(account.id)

    result: int = _in_app(client, make)
    return result


def _login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client, "/login")
    data = {"username": username, "password": password, "next": "/", "csrf_token": token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def _invite(client: TestClient, role: str = "facilitator", slug: str = "demo") -> str:
    """A fresh invite link's token onto ``slug``'s team, made by the facilitator."""

    async def make(db: Any) -> str:
        by = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        _, token = await create_invite(db, await _event(db, slug), by, role, "for a test")
        return token

    result: str = _in_app(client, make)
    return result


def _counts(client: TestClient) -> tuple[int, int]:
    """(accounts, team rows)."""

    async def count(db: Any) -> tuple[int, int]:
        accounts = await db.scalar(select(func.count()).select_from(FacilitatorAccount))
        team = await db.scalar(select(func.count()).select_from(TeamMember))
        return int(accounts), int(team)

    result: tuple[int, int] = _in_app(client, count)
    return result


def _role(client: TestClient, username: str, slug: str = "demo") -> str | None:
    async def read(db: Any) -> str | None:
        role: str | None = await db.scalar(
            select(TeamMember.role)
            .join(FacilitatorAccount, FacilitatorAccount.id == TeamMember.account_id)
            .where(
                FacilitatorAccount.username == username,
                TeamMember.event_id == (await _event(db, slug)).id,
            )
        )
        return role

    result: str | None = _in_app(client, read)
    return result


def _signup(client: TestClient, token: str, username: str, again: str = PASSWORD) -> Any:
    data = {"username": username, "password": PASSWORD, "password_again": again}
    form = {**data, "csrf_token": csrf_of(client, "/login")}
    return client.post(f"/team/invite/{token}/account", data=form, follow_redirects=False)


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
    async def signup(base: str, token: str, username: str) -> int:
        async with httpx.AsyncClient(base_url=base) as browser:
            page = (await browser.get(f"/team/invite/{token}")).text
            data = {
                "username": username,
                "password": PASSWORD,
                "password_again": PASSWORD,
                "csrf_token": _CSRF.search(page).group(1),  # type: ignore[union-attr]
            }
            r = await browser.post(f"/team/invite/{token}/account", data=data)
            return r.status_code

    with LiveServer(settings) as server, TestClient(create_app(settings)) as client:
        token = _invite(client)
        before = _counts(client)

        async def both() -> list[int]:
            return list(
                await asyncio.gather(
                    signup(server.url, token, "ann"), signup(server.url, token, "bob")
                )
            )

        assert sorted(asyncio.run(both())) == [303, 410]
        assert _counts(client) == (before[0] + 1, before[1] + 1)


def test_an_organiser_of_another_event_gets_nothing_here(client: TestClient) -> None:
    _member(client, "alice", "organiser", "other")
    _login(client, "alice")
    assert client.get("/organise/other/team").status_code == 200
    assert client.get("/organise/demo/team", follow_redirects=False).status_code == 403
    token = csrf_of(client, "/organise/other/team")
    r = client.post("/organise/demo/team/invites", data={"role": "organiser", "csrf_token": token})
    assert r.status_code == 403
    facilitator = _member(client, "facilitator", "facilitator")
    r = client.post(f"/organise/demo/team/{facilitator}/remove", data={"csrf_token": token})
    assert r.status_code == 403 and _role(client, "facilitator") == "facilitator"

    async def invites(db: Any) -> int:
        return int(await db.scalar(select(func.count()).select_from(TeamInvite)))

    assert _in_app(client, invites) == 0


def test_a_moderator_cannot_change_the_team(client: TestClient) -> None:
    _member(client, "mo", "moderator")
    facilitator = _member(client, "facilitator", "facilitator")
    _login(client, "mo")
    assert client.get("/organise/demo/team", follow_redirects=False).status_code == 403
    token = csrf_of(client, "/login")
    r = client.post(
        f"/organise/demo/team/{facilitator}/role", data={"role": "helper", "csrf_token": token}
    )
    assert r.status_code == 403 and "Your role here is moderator" in r.text
    assert _role(client, "facilitator") == "facilitator"


def test_organisers_change_roles_and_the_last_one_stays(client: TestClient) -> None:
    olga = _member(client, "olga", "organiser")
    facilitator = _member(client, "facilitator", "facilitator")
    _login(client, "olga")
    token = csrf_of(client, "/organise/demo/team")
    r = client.post(
        f"/organise/demo/team/{facilitator}/role",
        data={"role": "helper", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and _role(client, "facilitator") == "helper"
    r = client.post(
        f"/organise/demo/team/{facilitator}/role", data={"role": "king", "csrf_token": token}
    )
    assert r.status_code == 422 and _role(client, "facilitator") == "helper"
    # Olga is the last organiser on the team: she can neither leave nor step down.
    for action, data in (("remove", {}), ("role", {"role": "helper"})):
        r = client.post(f"/organise/demo/team/{olga}/{action}", data={**data, "csrf_token": token})
        assert r.status_code == 409 and "last organiser" in r.text
        assert _role(client, "olga") == "organiser"
    # With a second organiser she may leave; that ends her login.
    _member(client, "facilitator", "organiser")
    r = client.post(
        f"/organise/demo/team/{olga}/remove", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert _role(client, "olga") is None
    assert client.get("/organise/demo/team", follow_redirects=False).status_code == 303


def test_removing_someone_ends_their_login_and_closes_their_console(
    settings: Settings,
) -> None:
    async def main(base: str, olga_cookie: str, mo_id: int) -> float:
        async with httpx.AsyncClient(base_url=base) as mo:
            page = (await mo.get("/login")).text
            token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
            data = {"username": "mo", "password": PASSWORD, "next": "/", "csrf_token": token}
            await mo.post("/login", data=data)
            copied = mo.cookies[STAFF_COOKIE]
            headers = {"Cookie": f"{STAFF_COOKIE}={copied}"}
            url = base.replace("http", "ws", 1) + "/ws/console/demo"
            async with (
                connect(url, additional_headers=headers) as console,
                httpx.AsyncClient(base_url=base, cookies={STAFF_COOKIE: olga_cookie}) as olga,
            ):
                await console.recv()  # the greeting: the socket is open
                page = (await olga.get("/organise/demo/team")).text
                token = _CSRF.search(page).group(1)  # type: ignore[union-attr]
                code, seconds = await closed_after(
                    console,
                    lambda: olga.post(
                        f"/organise/demo/team/{mo_id}/remove", data={"csrf_token": token}
                    ),
                )
                assert code == 1008
            async with httpx.AsyncClient(base_url=base, cookies={STAFF_COOKIE: copied}) as thief:
                r = await thief.get("/console/demo")
                assert r.status_code == 303 and r.headers["location"].startswith("/login")
            return seconds

    with LiveServer(settings) as server, TestClient(create_app(settings)) as client:
        _member(client, "olga", "organiser")
        mo_id = _member(client, "mo", "moderator")
        _login(client, "olga")
        olga_cookie = client.cookies[STAFF_COOKIE]
        # No rounds of the guard (every half second): the remove itself closes the console.
        server.call(lambda st: st.guard._stopping.set())
        assert asyncio.run(main(server.url, olga_cookie, mo_id)) < 1


def _change(client: TestClient, current: str, new: str = NEW_PASSWORD) -> Any:
    data = {"current": current, "password": new, "password_again": new}
    form = {**data, "csrf_token": csrf_of(client, "/account")}
    return client.post("/account/password", data=form, follow_redirects=False)


def test_changing_ones_own_password(settings: Settings) -> None:
    with (
        TestClient(create_app(settings)) as here,
        TestClient(create_app(settings)) as elsewhere,
    ):
        _login(here, "facilitator")
        _login(elsewhere, "facilitator")
        assert "Change your password" in here.get("/account").text
        r = _change(here, "not my password")
        assert r.status_code == 403 and "Nothing was changed" in r.text
        r = _change(here, PASSWORD, "too short")
        assert r.status_code == 422 and "at least 12 characters" in r.text
        assert elsewhere.get("/console/demo").status_code == 200  # nothing changed
        r = _change(here, PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/account?changed=1"
        assert here.get("/console/demo").status_code == 200
        assert "Your password is changed" in here.get("/account?changed=1").text
        r = elsewhere.get("/console/demo", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        elsewhere.cookies.clear()
        token = csrf_of(elsewhere, "/login")
        data = {"username": "facilitator", "password": PASSWORD, "csrf_token": token}
        assert elsewhere.post("/login", data=data).status_code == 401
        _login(elsewhere, "facilitator", NEW_PASSWORD)


def test_the_account_page_needs_a_login(client: TestClient) -> None:
    r = client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account"
    _login(client, "facilitator")
    page = client.get("/account").text
    assert 'href="/console/demo"' in page and "(facilitator)" in page
    assert 'href="/account"' in client.get("/console/demo").text


def test_user_list_shows_who_joined_by_invite(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(settings)) as client:
        assert _signup(client, _invite(client, "helper"), "sam").status_code == 303
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert cli.main(["user", "list"]) == 0
    assert "sam\thelper on demo" in capsys.readouterr().out
    assert cli.main(["user", "remove", "sam"]) == 0
    assert cli.main(["user", "list"]) == 0
    assert "sam" not in capsys.readouterr().out.split("removed")[-1]


def test_the_last_organiser_cannot_step_down_by_an_invite_either(client: TestClient) -> None:
    _member(client, "olga", "organiser")
    link = _invite(client, "helper")
    _login(client, "olga")
    r = client.post(f"/team/invite/{link}/join", data={"csrf_token": csrf_of(client, "/login")})
    assert r.status_code == 409 and "last organiser" in r.text
    assert _role(client, "olga") == "organiser"
    client.cookies.clear()
    assert client.get(f"/team/invite/{link}").status_code == 200  # still usable by someone else
