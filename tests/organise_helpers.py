"""Shared by the organiser tests: accounts, logins and forms on the organiser pages."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import PASSWORD, csrf_of


def add_account(client: TestClient, username: str, organiser: bool = False) -> None:
    """An account: one of the installation's organisers, or a plain one on no team."""

    async def go() -> None:
        from assembly.demo import add_account

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            await add_account(db, username, PASSWORD, organiser=organiser)

    client.portal.call(go)  # type: ignore[union-attr]


def login_as(client: TestClient, username: str) -> str:
    """Log ``username`` in; returns a CSRF token for its forms."""
    token = csrf_of(client, "/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client, "/login")


def admin(client: TestClient) -> str:
    """Log in as an installation organiser ("boss"); returns a CSRF token."""
    add_account(client, "boss", organiser=True)
    return login_as(client, "boss")


def send(client: TestClient, token: str, path: str, **data: Any) -> Any:
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def upload(client: TestClient, token: str, path: str, text: str) -> Any:
    return client.post(
        path,
        data={"csrf_token": token},
        files={"file": ("plan.yaml", text.encode(), "application/yaml")},
        follow_redirects=False,
    )
