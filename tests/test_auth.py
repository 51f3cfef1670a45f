"""Logins that end: logout, a new password and a removed account end every login and link;
failed logins slow only the address they come from; form tokens change with the login."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from websockets.asyncio.client import connect

from assembly import accounts, cli, security
from assembly.config import Settings
from assembly.demo import add_account
from assembly.domain.plans import import_plan
from assembly.models import Contribution, FacilitatorAccount
from assembly.plan.read import read_plan
from assembly.security import STAFF_COOKIE
from tests.conftest import (
    PASSWORD,
    LiveServer,
    closed_after,
    csrf_of,
    login,
    make_settings,
    post_login,
)
from tests.conftest import (
    in_app as _in_app,
)
from tests.test_contributions import post, rows

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _one_time_link(client: TestClient) -> str:
    """A one-time login link, issued as `assembly serve` issues it at start-up."""

    async def issue(db: Any) -> str:
        account = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        account.link_nonce = "printed-at-start"
        signer = client.app_state["app"].signer  # type: ignore[attr-defined]
        return f"/login/once/{signer.one_time_login(account.id, 'printed-at-start')}"

    link: str = _in_app(client, issue)
    return link


def _console_opens(client: TestClient, staff_cookie: str) -> bool:
    client.cookies.set(STAFF_COOKIE, staff_cookie)
    r = client.get("/console/demo", follow_redirects=False)
    return r.status_code == 200


def test_logout_ends_the_login_on_the_server_not_only_in_this_browser(
    client: TestClient,
) -> None:
    token = login(client)
    copied = client.cookies[STAFF_COOKIE]
    post(client, "Hide me if you can")
    item = rows(client, Contribution)[-1]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    # Someone who copied the cookie before the logout can neither read nor act.
    assert not _console_opens(client, copied)
    r = client.post(f"/console/demo/c/{item.id}/hide", data={"csrf_token": token})
    assert r.status_code == 403
    assert rows(client, Contribution)[-1].status == "visible"


def test_logout_also_ends_an_unused_one_time_link(client: TestClient) -> None:
    link = _one_time_link(client)
    token = login(client)
    client.post("/logout", data={"csrf_token": token})
    assert client.get(link, follow_redirects=False).status_code == 403


def test_a_new_password_ends_every_login_and_unused_link(client: TestClient) -> None:
    link = _one_time_link(client)
    login(client)
    copied = client.cookies[STAFF_COOKIE]
    _in_app(client, lambda db: add_account(db, "facilitator", "a brand new password"))
    assert client.get(link, follow_redirects=False).status_code == 403
    assert not _console_opens(client, copied)


def test_a_removed_account_can_do_nothing(client: TestClient) -> None:
    login(client)
    copied = client.cookies[STAFF_COOKIE]
    assert _in_app(client, lambda db: accounts.remove_account(db, "facilitator")) is True
    assert not _console_opens(client, copied)
    assert _in_app(client, lambda db: accounts.remove_account(db, "facilitator")) is False


def test_the_cli_lists_and_removes_accounts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    add = ["user", "add", "moira", "--password", "pw", "--event", "demo", "--role", "moderator"]
    assert cli.main(add) == 0
    assert cli.main(["user", "add", "olu", "--organiser", "--password", "pw"]) == 0
    assert cli.main(["user", "add", "nobody", "--password", "pw"]) == 0
    assert cli.main(["user", "list"]) == 0
    listed = capsys.readouterr().out
    assert "moira\tmoderator on demo" in listed and "facilitator\tfacilitator on demo" in listed
    assert "olu\torganiser of every event" in listed and "nobody\tno team yet" in listed
    assert cli.main(["user", "add", "x", "--event", "no-such-event"]) == 2
    assert "There is no event 'no-such-event'." in capsys.readouterr().err
    assert cli.main(["user", "remove", "moira"]) == 0
    assert "removed" in capsys.readouterr().out
    assert cli.main(["user", "remove", "moira"]) == 1
    assert "no account called 'moira'" in capsys.readouterr().err


def _login_from(base: str, address: str, password: str) -> int:
    """One login attempt as it reaches the server through a proxy from ``address``."""
    with httpx.Client(base_url=base, headers={"X-Forwarded-For": address}) as browser:
        token = csrf_of(browser, "/login")  # type: ignore[arg-type]
        data = {"username": "facilitator", "password": password, "next": "/", "csrf_token": token}
        return browser.post("/login", data=data, follow_redirects=False).status_code


def test_failed_logins_from_one_address_do_not_lock_out_another(settings: Settings) -> None:
    with LiveServer(settings) as server:
        attacker, facilitator = "203.0.113.9", "198.51.100.7"
        assert [_login_from(server.url, attacker, "guess") for _ in range(6)] == [401] * 5 + [429]
        # The real facilitator, elsewhere, is not kept out of the console.
        assert _login_from(server.url, facilitator, PASSWORD) == 303
        # The guesser still waits, even with the right password.
        assert _login_from(server.url, attacker, PASSWORD) == 429


def test_an_unknown_username_costs_a_password_check(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = security._hasher

    class Counting(type(real)):  # type: ignore[misc]
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checks.append("verify")
            return bool(real.verify(hash, password))

    monkeypatch.setattr(security, "_hasher", Counting(time_cost=1, memory_cost=8, parallelism=1))
    token = csrf_of(client, "/login")
    for username in ("facilitator", "nobody-by-this-name"):
        data = {"username": username, "password": "wrong", "next": "/", "csrf_token": token}
        assert client.post("/login", data=data).status_code == 401
    # Both took one argon2 check: the time taken does not tell which usernames exist.
    assert checks == ["verify", "verify"]


def test_the_form_token_changes_at_login_and_is_bound_to_it(client: TestClient) -> None:
    before = csrf_of(client, "/login")
    r = post_login(client)
    assert "asm_csrf=" in r.headers.get("set-cookie", "")  # type: ignore[attr-defined]
    after = csrf_of(client, "/console/demo")
    assert after != before
    post(client, "Pin me")
    item = rows(client, Contribution)[-1]
    # A token seen before the login (on a shared computer, say) is no use after it.
    r = client.post(f"/console/demo/c/{item.id}/pin", data={"csrf_token": before})
    assert r.status_code == 403 and not rows(client, Contribution)[-1].pinned
    assert client.post(f"/console/demo/c/{item.id}/pin", data={"csrf_token": after}).is_success
    assert rows(client, Contribution)[-1].pinned


@pytest.mark.parametrize(
    "path",
    [
        "/e/Log-in-again-at-evil.example",
        "/e/Log-in-again-at-evil.example/w/feed",
        "/j/EVILEXAMPLE",
        "/j?code=evil.example",
        "/screen/Log-in-again-at-evil.example/open/x",
    ],
)
def test_error_pages_do_not_repeat_text_from_the_address(client: TestClient, path: str) -> None:
    # A second open event: a stale room code then gets the join page (which once repeated the
    # code), not the one event's page.
    plan = read_plan("event:\n  slug: second\n  title: A second event\n  status: open\n")
    _in_app(client, lambda db: import_plan(db, plan))
    r = client.get(path)
    assert r.status_code < 500 and "evil" not in r.text.lower()
    if path.startswith("/j"):
        assert "not a room code we know" in r.text


async def _token(client: httpx.AsyncClient, path: str) -> str:
    match = _CSRF.search((await client.get(path)).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_logout_closes_the_console_socket_open_on_another_worker(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=postgres_url, broker_url=redis_url)

    async def main() -> float:
        async with httpx.AsyncClient(base_url=a.url) as staff:
            data = {"username": "facilitator", "password": PASSWORD, "next": "/"}
            await staff.post("/login", data={**data, "csrf_token": await _token(staff, "/login")})
            cookie = {"Cookie": f"asm_staff={staff.cookies['asm_staff']}"}
            url = b.url.replace("http", "ws", 1) + "/ws/console/demo"
            async with connect(url, additional_headers=cookie) as console:
                await console.recv()  # the greeting: the socket is open
                token = await _token(staff, "/console/demo")
                code, seconds = await closed_after(
                    console, lambda: staff.post("/logout", data={"csrf_token": token})
                )
                assert code == 1008
                return seconds

    with LiveServer(settings) as a, LiveServer(settings) as b:
        assert asyncio.run(main()) < 2.0  # the guard looks every half second


@pytest.mark.parametrize(
    ("role", "hidden"),
    [
        ("helper", {"no-moderate", "no-run"}),
        ("moderator", {"no-run"}),
        ("facilitator", set()),
        ("organiser", set()),
    ],
)
def test_the_console_hides_what_the_role_may_not_do(
    client: TestClient, role: str, hidden: set[str]
) -> None:
    """Pushed fragments are the same for every role, so the page hides (by a class on the
    console) the controls the server would refuse this role."""
    from assembly.domain import event_by_slug, set_team_role

    async def put_on_team(db: Any) -> None:
        account = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        await set_team_role(db, await event_by_slug(db, "demo"), account, role)

    _in_app(client, put_on_team)
    login(client)
    html = client.get("/console/demo").text
    classes = set(re.search(r'id="main" class="([^"]*)"', html).group(1).split())  # type: ignore[union-attr]
    assert classes & {"no-moderate", "no-run"} == hidden
    assert f'facilitator<span class="visually-hidden">: your account</span></a> ({role})' in html
