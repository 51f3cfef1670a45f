"""Many processes: Redis fan-out between workers, resync after a broker gap, PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx2 as httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from assembly import cli
from assembly.config import Settings
from tests.conftest import (
    BROKER_PREFIX,
    PASSWORD,
    LiveServer,
    make_settings,
    open_poll_over_http,
    staff_headers,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ITEM = re.compile(r'<li id="c-(\d+)"')


@pytest.fixture
def two_workers(postgres_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings for two app processes sharing PostgreSQL and Redis."""
    return make_settings(
        tmp_path, database_url=postgres_url, broker_url=redis_url, rate_limit_scale=0
    )


async def _phone(base: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base)
    page = await client.get("/e/demo")
    return client, _CSRF.search(page.text).group(1)  # type: ignore[union-attr]


async def _post(client: httpx.AsyncClient, token: str, text: str) -> None:
    r = await client.post(
        "/e/demo/contributions",
        data={"kind": "idea", "text": text, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _ws(base: str) -> str:
    return base.replace("http", "ws", 1) + "/ws/e/demo"


def test_a_contribution_posted_on_worker_a_reaches_a_socket_on_worker_b(
    two_workers: Settings,
) -> None:
    with LiveServer(two_workers) as a, LiveServer(two_workers) as b:

        async def main() -> str:
            phone, token = await _phone(a.url)
            try:
                async with connect(_ws(b.url)) as socket:
                    await _post(phone, token, "posted on A")
                    async with asyncio.timeout(5):
                        while True:
                            message = str(await socket.recv())
                            if "posted on A" in message:
                                return message
            finally:
                await phone.aclose()

        assert 'hx-swap-oob="afterbegin:#feed-items"' in asyncio.run(main())


def test_tallies_from_both_workers_agree_with_the_ballots(two_workers: Settings) -> None:
    with LiveServer(two_workers) as a, LiveServer(two_workers) as b:

        async def main() -> tuple[list[int], list[int]]:
            poll, options = await open_poll_over_http(a.url)
            phones = [await _phone(url) for url in [a.url, b.url] * 10]
            screen_url = b.url.replace("http", "ws", 1) + "/ws/screen/demo"
            async with connect(screen_url, additional_headers=await staff_headers(b.url)) as screen:
                await asyncio.gather(
                    *(
                        p.post(
                            f"/e/demo/polls/{poll}/ballot",
                            data={"option": str(options[n % len(options)]), "csrf_token": t},
                        )
                        for n, (p, t) in enumerate(phones)
                    )
                )
                truth = [
                    sum(1 for n in range(20) if n % len(options) == i) for i in range(len(options))
                ]
                shown: list[int] = []
                revisions: list[int] = []
                async with asyncio.timeout(10):
                    while shown != truth:
                        message = str(await screen.recv())
                        if f'id="poll-{poll}-results"' in message:
                            shown = [int(x) for x in re.findall(r'class="n">\((\d+)\)', message)]
                            revisions.append(int(re.findall(r'data-revision="(\d+)"', message)[0]))
            for p, _ in phones:
                await p.aclose()
            return shown, revisions

        shown, revisions = asyncio.run(main())
    assert sum(shown) == 20
    assert revisions[-1] == max(revisions)  # the final tally is the newest one


def test_dropping_the_redis_subscription_makes_every_page_resync(two_workers: Settings) -> None:
    import redis.asyncio as aioredis

    from live.redis import RedisBroker

    with LiveServer(two_workers) as a, LiveServer(two_workers) as b:

        async def main() -> tuple[int, set[int], set[int]]:
            phone, token = await _phone(a.url)
            reader, _ = await _phone(b.url)
            cookie = "; ".join(f"{k}={v}" for k, v in reader.cookies.items())
            code = 0
            async with connect(_ws(b.url), additional_headers={"Cookie": cookie}) as socket:
                await _post(phone, token, "before the drop")
                # Cut both workers' pub/sub connections, as a Redis restart or a network blip
                # would (only theirs: another suite may share this Redis).
                admin = aioredis.from_url(two_workers.broker_url)
                name = RedisBroker(two_workers.broker_url, two_workers.broker_prefix).client_name
                ours = [c for c in await admin.client_list(_type="pubsub") if c["name"] == name]
                assert len(ours) == 2, ours
                for client in ours:
                    await admin.client_kill_filter(_id=client["id"])
                await admin.aclose()
                await _post(phone, token, "during the gap")
                try:
                    async with asyncio.timeout(10):
                        async for _ in socket:
                            pass
                except ConnectionClosed as exc:
                    code = exc.rcvd.code if exc.rcvd else 0
                code = code or (socket.close_code or 0)
            # The page reconnects and re-fetches its feed: everything is there.
            feed = await reader.get("/e/demo/w/feed")
            ids = {int(i) for i in _ITEM.findall(feed.text)}
            everything = {int(i) for i in _ITEM.findall((await phone.get("/e/demo")).text)}
            await phone.aclose()
            await reader.aclose()
            return code, ids, everything

        code, ids, everything = asyncio.run(main())
    assert code == 1013  # "try again later": the htmx ws extension reconnects on it
    assert len(everything) == 2 and ids == everything


def test_workers_need_postgres_and_redis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", make_settings(tmp_path).database_url)
    assert cli.main(["serve", "--workers", "2"]) == 2
    assert "BROKER_URL=redis://" in capsys.readouterr().err
    monkeypatch.setenv("BROKER_URL", "redis://127.0.0.1:6379")
    assert cli.main(["serve", "--workers", "2"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err


def test_concurrent_publishes_arrive_in_order_without_a_false_gap(redis_url: str) -> None:
    from live.redis import RedisBroker

    async def main() -> tuple[list[str], int]:
        received: list[str] = []
        resyncs = 0

        def resync() -> None:
            nonlocal resyncs
            resyncs += 1

        a, b = RedisBroker(redis_url, BROKER_PREFIX), RedisBroker(redis_url, BROKER_PREFIX)
        await a.connect(lambda topic, data: None)
        await b.connect(lambda topic, data: received.append(data), resync)
        try:
            await asyncio.gather(*(a.publish(f"t{n % 3}", str(n)) for n in range(300)))
            async with asyncio.timeout(5):
                while len(received) < 300:
                    await asyncio.sleep(0.01)  # polling a counter the listener fills
        finally:
            await a.disconnect()
            await b.disconnect()
        return received, resyncs

    received, resyncs = asyncio.run(main())
    assert received == [str(n) for n in range(300)] and resyncs == 0


_CONNECTED = re.compile(r"<th scope=\"row\">Online</th><td>\d+</td><td>(\d+)</td>")


def test_connected_now_counts_the_sockets_of_every_worker(two_workers: Settings) -> None:
    """A facilitator's console, on either worker, counts the sockets open on both."""
    with LiveServer(two_workers) as a, LiveServer(two_workers) as b:

        async def connected(staff: httpx.AsyncClient, want: int) -> int:
            # Reports travel through Redis: ask again until they have (or 10 s have passed).
            async with asyncio.timeout(10):
                while True:
                    page = (await staff.get("/console/demo/w/presence")).text
                    shown = int(_CONNECTED.search(page).group(1))  # type: ignore[union-attr]
                    if shown == want:
                        return shown
                    await asyncio.sleep(0.05)

        async def main() -> None:
            staff_a, staff_b = await _staff(a.url), await _staff(b.url)
            on_a, _ = await _phone(a.url)
            on_b, _ = await _phone(b.url)
            sockets = []
            for phone, server in ((on_a, a), (on_b, b)):
                cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
                sockets.append(
                    await connect(_ws(server.url), additional_headers={"Cookie": cookie})
                )
            assert await connected(staff_a, 2) == 2
            assert await connected(staff_b, 2) == 2
            await sockets[1].close()  # the one on worker B
            assert await connected(staff_a, 1) == 1
            await sockets[0].close()
            for client in (staff_a, staff_b, on_a, on_b):
                await client.aclose()

        asyncio.run(main())


async def _staff(base: str) -> httpx.AsyncClient:
    staff = httpx.AsyncClient(base_url=base)
    token = _CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
    data = {"username": "facilitator", "password": PASSWORD, "next": "/"}
    await staff.post("/login", data={**data, "csrf_token": token})
    return staff


def test_a_withdrawn_ballot_reaches_every_screen_as_the_newer_tally(
    two_workers: Settings,
) -> None:
    """Leaving withdraws the ballots of open polls: the recount is pushed, and a page that keeps
    the newest tally keeps it, though it counts fewer ballots than the tally before."""
    with LiveServer(two_workers) as a, LiveServer(two_workers) as b:

        async def main() -> int:
            poll, options = await open_poll_over_http(a.url)
            phones = [await _phone(url) for url in [a.url, b.url] * 3]
            kept: tuple[int, int] = (-1, -1)  # (revision, total) the page shows

            async def shown_until(screen: object, total: int) -> None:
                nonlocal kept
                async with asyncio.timeout(10):
                    while kept[1] != total:
                        message = str(await screen.recv())  # type: ignore[attr-defined]
                        if f'id="poll-{poll}-results"' not in message:
                            continue
                        revision = int(re.findall(r'data-revision="(\d+)"', message)[0])
                        counted = sum(int(x) for x in re.findall(r'class="n">\((\d+)\)', message))
                        kept = max(kept, (revision, counted))  # the page keeps the newer

            screen_url = b.url.replace("http", "ws", 1) + "/ws/screen/demo"
            async with connect(screen_url, additional_headers=await staff_headers(b.url)) as screen:
                await asyncio.gather(
                    *(
                        p.post(
                            f"/e/demo/polls/{poll}/ballot",
                            data={"option": str(options[0]), "csrf_token": t},
                        )
                        for p, t in phones
                    )
                )
                await shown_until(screen, len(phones))
                leaver, token = phones[0]
                r = await leaver.post("/e/demo/leave", data={"csrf_token": token})
                assert r.status_code == 200, r.text
                await shown_until(screen, len(phones) - 1)
            for p, _ in phones:
                await p.aclose()
            return kept[1]

        assert asyncio.run(main()) == 5


def test_brokers_with_another_prefix_never_see_each_others_messages(redis_url: str) -> None:
    """BROKER_PREFIX keeps deployments (and test runs) on one Redis apart."""
    from live.redis import RedisBroker

    async def main() -> tuple[list[str], list[str]]:
        ours: list[str] = []
        theirs: list[str] = []
        a = RedisBroker(redis_url, BROKER_PREFIX + "a:")
        same = RedisBroker(redis_url, BROKER_PREFIX + "a:")
        other = RedisBroker(redis_url, BROKER_PREFIX + "b:")
        await a.connect(lambda topic, data: None)
        await same.connect(lambda topic, data: ours.append(f"{topic}={data}"))
        await other.connect(lambda topic, data: theirs.append(f"{topic}={data}"))
        try:
            await a.publish("feed", "for a")
            await a.publish("presence", "also for a")
            # Redis delivers in order on each connection: had the other prefix's listener
            # received a's messages, they would come before its own.
            await other.publish("feed", "for b")
            async with asyncio.timeout(5):
                while len(ours) < 2 or not theirs:
                    await asyncio.sleep(0.01)  # polling lists the listeners fill
        finally:
            for broker in (a, same, other):
                await broker.disconnect()
        return ours, theirs

    ours, theirs = asyncio.run(main())
    assert ours == ["feed=for a", "presence=also for a"]
    assert theirs == ["feed=for b"]
