"""Reconnect churn through the real server: a socket dropped again and again while contributions
stream in ends with the same feed as a socket never dropped, with no duplicates and nothing missing.

Each watcher keeps its feed the way a participant page does (htmx, its ws extension and
static/app.js): a pushed item is inserted at the top, replacing one with the same id (app.js
upserts on htmx:oobBeforeSwap); a pushed delete removes it; after every reconnect but the first,
the page re-fetches ``/e/demo/w/feed`` and that reply replaces the whole feed when it arrives,
while pushes keep being applied meanwhile (one re-fetch at a time, the next queued: htmx's default).

The churner drops its own socket by aborting the TCP connection, never closing it politely,
every few posts. ``hub.close_all()`` would drop the never-dropped watcher too, and closing one
socket from the server would need the hub's private maps; to the page and to the server's
bookkeeping an abort is the same loss, only harsher: whatever was in flight is lost as well.
The stream goes on after the last drop: a re-fetch after the stream has ended would hide
anything the earlier ones got wrong.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from assembly.config import Settings
from assembly.push import public_topic
from tests.conftest import LiveServer

POSTERS = 5
BATCHES = 18  # one post per poster per batch: 90 contributions, 8 drops, 3 deletes
DROP_EVERY = 2  # batches between two drops of the churner's socket
LAST_DROP = BATCHES - 3  # the stream goes on after the last drop, as it does in a real room
DELETE_EVERY = 6  # batches between two authors deleting their newest contribution

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ITEM = re.compile(r'<li id="c-(\d+)"')
_GONE = re.compile(r'<li id="c-(\d+)" hx-swap-oob="delete">')
_INSERT = 'hx-swap-oob="afterbegin:#feed-items"'


def _ids(html: str) -> list[int]:
    return [int(i) for i in _ITEM.findall(html)]


def _cookie_header(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


class Watcher:
    """One participant page: its feed as the browser would show it, kept live over a socket."""

    def __init__(self, base: str, name: str) -> None:
        self.name = name
        self.http = httpx.AsyncClient(base_url=base)
        self.ws_url = base.replace("http", "ws", 1) + "/ws/e/demo"
        self.feed: list[int] = []
        self.socket: ClientConnection | None = None
        self.connects = 0
        self.drops = 0
        self.resyncs = 0
        self.upserts = 0  # pushed items already on the page (fetched in a resync as well)
        self.raced = 0  # pushes applied while a re-fetch was in flight
        self.wiped: list[int] = []  # items a re-fetch's reply took off the page
        self.unexpected_close = ""
        self.errors: list[str] = []  # what went wrong in this page's own tasks
        self.changed = asyncio.Event()
        self._resync_wanted = asyncio.Event()
        self._resyncing = False
        self._held: list[str] = []  # pushes that arrived during a re-fetch, applied after it
        self._stopping = False

    async def open_page(self) -> None:
        page = await self.http.get("/e/demo")
        assert page.status_code == 200
        self.feed = _ids(page.text)

    @property
    def settled(self) -> bool:
        """Connected, and no re-fetch wanted or in flight."""
        return self.socket is not None and not self._resyncing and not self._resync_wanted.is_set()

    def apply(self, message: str) -> None:
        if self._resyncing:  # as static/app.js does: hold pushes until the re-fetch is in
            self.raced += 1
            self._held.append(message)
            return
        if _INSERT in message:
            new = _ids(message)
            self.upserts += sum(i in self.feed for i in new)
            self.feed = new + [i for i in self.feed if i not in new]
        gone = {int(i) for i in _GONE.findall(message)}
        if gone:
            self.feed = [i for i in self.feed if i not in gone]
        self.changed.set()

    async def run(self, reconnect: bool) -> None:
        """Listen until stopped; with ``reconnect``, reconnect at once after every drop."""
        resyncer = asyncio.create_task(self._resync_loop())
        try:
            while not self._stopping:
                headers = {"Cookie": _cookie_header(self.http)}
                try:
                    async with connect(self.ws_url, additional_headers=headers) as ws:
                        self.socket = ws
                        self.connects += 1
                        if self.connects > 1:
                            self._resyncing = True
                            self._resync_wanted.set()
                        self.changed.set()
                        async for message in ws:
                            self.apply(str(message))
                except ConnectionClosed as exc:
                    if not reconnect and not self._stopping:
                        self.unexpected_close = repr(exc)
                finally:
                    self.socket = None
                if not reconnect:
                    if not self._stopping:
                        self.unexpected_close = self.unexpected_close or "closed by the server"
                    return
        finally:
            resyncer.cancel()
            await asyncio.gather(resyncer, return_exceptions=True)

    async def _resync_loop(self) -> None:
        while True:
            await self._resync_wanted.wait()
            self._resync_wanted.clear()
            reply = await self.http.get("/e/demo/w/feed")
            before, newest = self.feed, max(self.feed, default=0)
            if reply.status_code != 200:
                self.errors.append(f"re-fetch answered {reply.status_code}: {reply.text[:200]}")
            else:
                fetched = _ids(reply.text)
                # Shown, missing from the reply, and newer than all of it: pushed after the
                # reply's snapshot, and wiped out by it (unless deleted meanwhile: see the test).
                newest = max(fetched, default=0)
                self.feed = fetched
                self.resyncs += 1
            # A reconnect during this re-fetch wants another: keep holding pushes until that
            # one is back too, as app.js does, or its reply (rendered before them) wipes them.
            if not self._resync_wanted.is_set():
                self._resyncing = False
                held, self._held = self._held, []
                for message in held:  # upserts: what the reply had is replaced, not doubled
                    self.apply(message)
            self.wiped += [i for i in before if i > newest and i not in self.feed]
            self.changed.set()

    def drop(self) -> bool:
        """Cut the connection under the socket, as a phone losing its signal does."""
        if self.socket is None:
            return False
        self.socket.transport.abort()
        self.socket = None  # gone: a second drop before the reconnect would drop nothing
        self.drops += 1
        return True

    async def stop(self) -> None:
        self._stopping = True
        if self.socket is not None:
            await self.socket.close()

    async def wait_for(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``condition()`` holds after a change of this page, at most ``seconds``."""
        try:
            async with asyncio.timeout(seconds):
                while not condition():
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            return False
        return True


async def _on_server(server: LiveServer, fn: Callable[[Any], Any]) -> Any:
    """``fn(app_state)`` run on the server's loop, and its result."""
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def run(state: Any) -> None:
        try:
            done.set_result(fn(state))
        except Exception as exc:  # handed back to the test
            done.set_exception(exc)

    server.call(run)
    return await asyncio.wrap_future(done)


async def _server_sockets(server: LiveServer, event_id: int, want: int) -> tuple[int, Any]:
    """The server's sockets on the event's public topic and its count of connected pages by
    channel, once the first is ``want`` (or after 5 s)."""
    topic = public_topic(event_id)

    def count(st: Any) -> tuple[int, Any]:
        return st.hub.count(topic), st.push.connected_by_channel(event_id)

    found: tuple[int, Any] = (-1, {})
    try:
        async with asyncio.timeout(5):
            while (found := await _on_server(server, count))[0] != want:
                await asyncio.sleep(0.01)  # a polling interval, not a wait for something to happen
    except TimeoutError:
        pass
    return found


class Poster:
    """A participant posting from their own phone, with their own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, headers={"HX-Request": "true"})
        self.token = ""

    async def join(self) -> None:
        page = await self.http.get("/e/demo")
        match = _CSRF.search(page.text)
        assert match
        self.token = match.group(1)

    async def post(self, text: str) -> None:
        r = await self.http.post(
            "/e/demo/contributions",
            data={"kind": "idea", "text": text, "csrf_token": self.token},
        )
        assert r.status_code == 200 and "Sent." in r.text, (r.status_code, r.text)

    async def delete_newest(self) -> None:
        mine = await self.http.get("/e/demo/me")
        newest = re.search(r"/e/demo/c/(\d+)/delete", mine.text)
        assert newest, "the author's page lists no contribution to delete"
        r = await self.http.post(
            f"/e/demo/c/{newest.group(1)}/delete", data={"csrf_token": self.token}
        )
        assert r.status_code == 200 and "Deleted." in r.text, (r.status_code, r.text)


def _db_path(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


def _visible(db_path: Path) -> list[int]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "select id from contribution where status = 'visible' order by id desc"
        ).fetchall()
    return [i for (i,) in rows]


async def _stream(server: LiveServer, db_path: Path, event_id: int) -> dict[str, Any]:
    stable = Watcher(server.url, "stable")
    churner = Watcher(server.url, "churner")
    posters = [Poster(server.url) for _ in range(POSTERS)]
    tasks: list[asyncio.Task[None]] = []
    try:
        await stable.open_page()
        await churner.open_page()
        await asyncio.gather(*(p.join() for p in posters))
        tasks = [
            asyncio.create_task(stable.run(reconnect=False)),
            asyncio.create_task(churner.run(reconnect=True)),
        ]
        # Posting starts once the server has both sockets on the topic, so the never-dropped
        # page cannot miss the first push.
        assert (await _server_sockets(server, event_id, 2))[0] == 2

        intervals: list[float] = []
        last_drop = time.monotonic()
        for batch in range(BATCHES):
            await asyncio.gather(*(p.post(f"churn {batch}-{n}") for n, p in enumerate(posters)))
            if batch % DELETE_EVERY == DELETE_EVERY - 1:
                await posters[batch % POSTERS].delete_newest()
            if batch % DROP_EVERY == DROP_EVERY - 1 and batch <= LAST_DROP and churner.drop():
                now = time.monotonic()
                intervals.append(now - last_drop)
                last_drop = now

        # Every post and delete is acknowledged, so committed and published: the truth is known.
        truth = _visible(db_path)
        stable_ok = await stable.wait_for(lambda: stable.feed == truth, 5)
        churner_ok = await churner.wait_for(lambda: churner.settled and churner.feed == truth, 5)
        sockets = await _server_sockets(server, event_id, 2)
        return {
            "truth": truth,
            "stable": stable,
            "churner": churner,
            "stable_ok": stable_ok,
            "churner_ok": churner_ok,
            "sockets": sockets,
            "intervals": intervals,
        }
    finally:
        await stable.stop()
        await churner.stop()
        for task in tasks:
            task.cancel()
        for watcher, outcome in zip(
            (stable, churner), await asyncio.gather(*tasks, return_exceptions=True), strict=False
        ):
            if isinstance(outcome, Exception):
                watcher.errors.append(repr(outcome))
        for client in [stable.http, churner.http, *(p.http for p in posters)]:
            await client.aclose()


def _duplicates(ids: list[int]) -> list[int]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def test_a_churning_socket_ends_with_the_same_feed_as_a_steady_one(
    sqlite_copy: Callable[..., Settings],
) -> None:
    settings = sqlite_copy(rate_limit_scale=0)
    db_path = _db_path(settings)
    with sqlite3.connect(db_path) as conn:
        (event_id,) = conn.execute("select id from event where slug = 'demo'").fetchone()
    with LiveServer(settings) as server:
        result = asyncio.run(_stream(server, db_path, event_id))
    truth: list[int] = result["truth"]
    stable: Watcher = result["stable"]
    churner: Watcher = result["churner"]
    deletes = BATCHES // DELETE_EVERY
    print(
        f"\nchurn: {len(truth)} visible, {churner.drops} drops, {churner.connects - 1} reconnects,"
        f" {churner.resyncs} re-fetches, {churner.upserts} upserts, {churner.raced} raced,"
        f" wiped {churner.wiped};"
        f" drop intervals {min(result['intervals'], default=0):.2f}"
        f"-{max(result['intervals'], default=0):.2f} s"
    )

    assert len(truth) == POSTERS * BATCHES - deletes
    assert truth == sorted(truth, reverse=True)
    assert stable.errors == [] and churner.errors == []
    assert not stable.unexpected_close, stable.unexpected_close
    assert stable.connects == 1 and stable.resyncs == 0
    # The churn happened: every drop was followed by a reconnect and a re-fetch (re-fetches
    # asked for while one is under way are one more, as htmx queues them).
    assert churner.drops >= LAST_DROP // DROP_EVERY
    assert churner.connects == churner.drops + 1
    assert 0 < churner.resyncs <= churner.drops
    for name, watcher, ok in (
        ("stable", stable, result["stable_ok"]),
        ("churner", churner, result["churner_ok"]),
    ):
        feed = watcher.feed
        assert _duplicates(feed) == [], f"{name} shows duplicates"
        assert sorted(set(truth) - set(feed)) == [], f"{name} is missing contributions"
        assert sorted(set(feed) - set(truth)) == [], f"{name} shows deleted contributions"
        assert feed == truth, f"{name} shows the feed out of order"
        assert ok
    assert churner.feed == stable.feed
    # Nor did it lack them for a while: no re-fetch took an item off the page that was pushed
    # while the re-fetch was under way (and is still there to be seen).
    assert [i for i in churner.wiped if i in truth] == [], "a re-fetch wiped out pushed items"
    # The server let go of every dropped socket: only the two pages' current sockets remain,
    # and the console's count of connected pages says so too.
    assert result["sockets"] == (2, {"online": 2})
