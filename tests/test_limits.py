"""Rate limits: a clear 429 sentence, per participant and per address; login backoff."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from assembly.domain import Refused
from assembly.models import Contribution
from assembly.ratelimit import RULES, RateLimiter
from tests.conftest import BROKER_PREFIX, PASSWORD, csrf_of
from tests.test_contributions import post, rows


def test_a_participant_posting_too_fast_gets_a_429_sentence(client: TestClient) -> None:
    allowed = RULES["contribution"].per_participant
    for i in range(allowed):
        assert post(client, f"post {i}").status_code == 303
    r = post(client, "one too many")
    assert r.status_code == 429 and "Wait a minute" in r.text
    assert r.headers["retry-after"] == "60"
    assert len(rows(client, Contribution)) == allowed  # the refused one was not stored


def test_one_participants_limit_does_not_touch_another(client: TestClient) -> None:
    flood = RULES["contribution"].per_participant + 1
    statuses = [post(client, f"flood {i}").status_code for i in range(flood)]
    assert statuses[-1] == 429  # the flooder is stopped...
    # ...and another phone on the same Wi-Fi (same address) still gets through.
    client.cookies.clear()
    assert post(client, "a different person").status_code == 303


def test_per_address_limit() -> None:
    async def main() -> None:
        limiter = RateLimiter(scale=0.005)  # per address: 600 * 0.005 = 3 a minute
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
            limiter.login_failed("u", "1.2.3.4")
        assert limiter.login_wait("u", "1.2.3.4") == 0

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
        limiter.login_failed("ann", "1.2.3.4")
    assert limiter.login_wait("ann", "1.2.3.4") == 30
    now[0] += 31
    assert limiter.login_wait("ann", "1.2.3.4") == 0
    limiter.login_failed("ann", "1.2.3.4")
    assert limiter.login_wait("ann", "1.2.3.4") == 60
    limiter.login_succeeded("ann", "1.2.3.4")
    assert limiter.login_wait("ann", "1.2.3.4") == 0
    assert limiter.login_wait("bob", "1.2.3.4") == 0  # one account's failures do not lock another


def test_a_participant_who_went_too_fast_is_answered_before_being_read(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assembly.fairshare as fairshare

    monkeypatch.setattr(fairshare, "TARPIT_SECONDS", 0)
    for i in range(RULES["contribution"].per_participant + 1):
        post(client, f"p{i}")
    # Within the penalty, even a valid upvote is refused at the door, with the sentence.
    token = csrf_of(client)
    [c, *_] = rows(client, Contribution)
    r = client.post(
        f"/e/demo/c/{c.id}/upvote",
        data={"csrf_token": token, "on": "1"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 429 and "faster than we can take them" in r.text
    assert r.headers["hx-reswap"] == "none" and "x-assembly-penalty" not in r.headers
    assert rows(client, Contribution)[0].upvotes == 0


def test_a_shared_address_going_over_does_not_penalise_the_people_behind_it() -> None:
    async def main() -> None:
        limiter = RateLimiter(scale=0.005)  # per address: 3 contributions a minute
        for who in ("a", "b", "c"):
            await limiter.check("contribution", who, "10.0.0.1")
        with pytest.raises(Refused) as info:
            await limiter.check("contribution", "d", "10.0.0.1")
        assert not info.value.penalise  # d did nothing wrong; the room's network is busy
        with pytest.raises(Refused) as info:
            for _ in range(10):  # joins: 120 * 0.005 = 1 a minute per address
                await limiter.check("join", None, "10.0.0.9")
        assert info.value.penalise  # a cookieless caller is the address itself

    asyncio.run(main())


def test_processes_sharing_redis_share_the_windows(redis_url: str) -> None:
    """With BROKER_URL on Redis, two workers count against one window: a participant who
    spreads posts over both still meets the per-participant limit."""

    async def main() -> list[bool]:
        a, b = (RateLimiter(redis_url=redis_url, key_prefix=BROKER_PREFIX) for _ in "ab")
        me = f"p{uuid.uuid4().hex}"  # a fresh key: windows outlive the test in Redis
        accepted = []
        try:
            for i in range(RULES["contribution"].per_participant + 1):
                try:
                    await (a, b)[i % 2].check("contribution", me, None)
                    accepted.append(True)
                except Refused as refused:
                    assert refused.status == 429
                    accepted.append(False)
        finally:
            await a.aclose()
            await b.aclose()
        return accepted

    allowed = RULES["contribution"].per_participant
    assert asyncio.run(main()) == [True] * allowed + [False]


def test_another_key_prefix_counts_in_other_windows(redis_url: str) -> None:
    """BROKER_PREFIX keeps the windows of deployments (and test runs) on one Redis apart."""

    async def main() -> tuple[bool, bool]:
        mine = RateLimiter(redis_url=redis_url, key_prefix=BROKER_PREFIX + "a:")
        other = RateLimiter(redis_url=redis_url, key_prefix=BROKER_PREFIX + "b:")
        me = f"p{uuid.uuid4().hex}"
        try:
            for _ in range(RULES["contribution"].per_participant):
                await mine.check("contribution", me, None)
            try:
                await mine.check("contribution", me, None)
                refused = False
            except Refused:
                refused = True
            await other.check("contribution", me, None)  # raises if it shared the window
            return refused, True
        finally:
            await mine.aclose()
            await other.aclose()

    assert asyncio.run(main()) == (True, True)


def _request(share: object, signer: object, address: str, who: str) -> dict[str, object]:
    """An ASGI scope from ``address`` carrying the participant cookie of ``who``."""
    cookie = f"asm_p1={signer.participant_cookie(who)}".encode()  # type: ignore[attr-defined]
    return {
        "type": "http",
        "method": "GET",
        "path": "/e/demo/w/feed",
        "headers": [(b"cookie", cookie)],
        "client": (address, 50000),
        "state": {"app": SimpleNamespace(fair=share, signer=signer)},
        "who": who,
    }


def test_one_address_has_a_ceiling_in_flight_whatever_cookies_it_sends() -> None:
    """Issue 18.5: 20 fresh cookies at one address had 40 requests in flight, each cookie its
    own caller; an honest reader's feed went from 9 ms to 555 ms. Now the address has a ceiling,
    another address is not held up by it, and an honest phone behind the same address gets the
    next free place ahead of the flood's queued requests."""
    from assembly import fairshare
    from assembly.security import Signer

    async def main() -> None:
        share, signer = fairshare.FairShare(), Signer("k")
        running: list[str] = []
        started: list[str] = []
        tickets: list[asyncio.Event] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            ticket = asyncio.Event()
            tickets.append(ticket)
            running.append(scope["who"])
            started.append(scope["who"])
            await ticket.wait()
            running.remove(scope["who"])
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        middleware = fairshare.FairShareMiddleware(app)

        async def call(address: str, who: str) -> None:
            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b""}

            async def send(message: object) -> None:
                pass

            await middleware(_request(share, signer, address, who), receive, send)

        async def settle() -> None:
            for _ in range(20):
                await asyncio.sleep(0)

        flood = [asyncio.create_task(call("10.0.0.1", f"flood{k % 20}")) for k in range(40)]
        await settle()
        assert len(running) == fairshare.ADDRESS_IN_FLIGHT < 40
        other = asyncio.create_task(call("10.0.0.2", "elsewhere"))
        await settle()
        assert "elsewhere" in running  # another address is not behind this one's queue
        honest = asyncio.create_task(call("10.0.0.1", "honest"))
        await settle()
        assert "honest" not in running
        # Flood requests finish one by one. The freed places go to callers never served: the
        # four flood cookies that were waiting before the phone, then the phone, ahead of every
        # flood cookie that was served already (FIFO would have put it behind all 24).
        releases = 0
        while "honest" not in running:
            tickets[releases].set()
            releases += 1
            await settle()
        assert releases == 20 - fairshare.ADDRESS_IN_FLIGHT + 1
        assert len(running) == fairshare.ADDRESS_IN_FLIGHT + 1  # and "elsewhere"
        while running:
            for ticket in tickets:
                ticket.set()
            await settle()
        await asyncio.gather(*flood, other, honest)
        assert share.slots == {} and share.gates == {}  # nothing kept once all is done

    asyncio.run(main())
