"""Rate limits: a clear 429 sentence, per participant and per address; login backoff."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from assembly.config import Settings
from assembly.domain import Refused
from assembly.models import Contribution
from assembly.ratelimit import RULES, RateLimiter
from tests.conftest import PASSWORD, csrf_of
from tests.test_contributions import post, rows


def test_a_participant_posting_too_fast_gets_a_429_sentence(client: TestClient) -> None:
    allowed = RULES["contribution"].per_participant
    for i in range(allowed):
        assert post(client, f"post {i}").status_code == 303
    r = post(client, "one too many")
    assert r.status_code == 429 and "Wait a minute" in r.text
    assert r.headers["retry-after"] == "60"
    assert len(rows(client, Contribution)) == allowed  # the refused one was not stored


def test_one_participants_limit_does_not_touch_another(
    client: TestClient, settings: Settings
) -> None:

    for i in range(RULES["contribution"].per_participant + 1):
        post(client, f"flood {i}")
    # Another phone on the same Wi-Fi (same address) still gets through.
    client.cookies.clear()
    assert post(client, "a different person").status_code == 303


def test_per_address_limit() -> None:
    async def main() -> None:
        limiter = RateLimiter(scale=0.01)  # per address: 300 * 0.01 = 3 a minute
        for who in ("a", "b", "c"):
            await limiter.check("contribution", who, "10.0.0.1")
        with pytest.raises(Refused) as info:
            await limiter.check("contribution", "d", "10.0.0.1")
        assert info.value.status == 429
        await limiter.check("contribution", "d", "10.0.0.2")  # another network is fine

    asyncio.run(main())


def test_scale_zero_turns_limits_off() -> None:
    async def main() -> None:
        limiter = RateLimiter(scale=0)
        for _ in range(100):
            await limiter.check("contribution", "p", "a")
            limiter.login_failed("u")
        assert limiter.login_wait("u") == 0

    asyncio.run(main())


def test_failed_logins_back_off_even_with_the_right_password(client: TestClient) -> None:
    token = csrf_of(client, "/login")

    def attempt(password: str) -> int:
        data = {"username": "facilitator", "password": password, "csrf_token": token, "next": "/"}
        return client.post("/login", data=data, follow_redirects=False).status_code

    assert [attempt("wrong") for _ in range(5)] == [401] * 5
    r = client.post(
        "/login",
        data={"username": "facilitator", "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert r.status_code == 429 and "Too many failed logins for this account" in r.text
    assert "asm_staff" not in client.cookies


def test_login_wait_doubles_and_ends() -> None:
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(5):
        limiter.login_failed("ann")
    assert limiter.login_wait("ann") == 30
    now[0] += 31
    assert limiter.login_wait("ann") == 0
    limiter.login_failed("ann")
    assert limiter.login_wait("ann") == 60
    limiter.login_succeeded("ann")
    assert limiter.login_wait("ann") == 0
    assert limiter.login_wait("bob") == 0  # one account's failures do not lock another
