"""An event's team page: who may open it, changing roles, the last organiser, and removing
someone (their login ends, their console closes). The helpers serve ``test_invites`` and
``test_account`` too."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from assembly.app import create_app
from assembly.config import Settings
from assembly.demo import add_account
from assembly.domain import (
    Refused,
    create_invite,
    event_by_slug,
    set_team_role,
)
from assembly.domain.plans import import_plan
from assembly.models import FacilitatorAccount, TeamInvite, TeamMember
from assembly.plan.read import read_plan
from assembly.security import STAFF_COOKIE
from tests.conftest import PASSWORD, LiveServer, closed_after, csrf_of
from tests.conftest import in_app as _in_app

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def test_the_last_organiser_cannot_step_down_by_an_invite_either(client: TestClient) -> None:
    _member(client, "olga", "organiser")
    link = _invite(client, "helper")
    _login(client, "olga")
    r = client.post(f"/team/invite/{link}/join", data={"csrf_token": csrf_of(client, "/login")})
    assert r.status_code == 409 and "last organiser" in r.text
    assert _role(client, "olga") == "organiser"
    client.cookies.clear()
    assert client.get(f"/team/invite/{link}").status_code == 200  # still usable by someone else
