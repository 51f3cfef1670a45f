"""One's own account: the account page, changing one's password, and the CLI's view of
accounts that joined by invite."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from assembly import cli
from assembly.app import create_app
from assembly.config import Settings
from tests.conftest import PASSWORD, csrf_of
from tests.test_team import (
    _invite,
    _login,
    _signup,
)

NEW_PASSWORD = "a new and longer passphrase"


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
