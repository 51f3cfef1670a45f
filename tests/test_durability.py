"""Nothing acknowledged is lost: kill -9 the real server mid-burst, restart, retry everything.

Every acknowledged contribution and ballot must be stored exactly once, and retrying every
request (acknowledged or not) with its idempotency key must not store anything twice.
On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest

from assembly.config import Settings
from assembly.db import Database
from tests.conftest import make_settings, open_poll_over_http

ROOT = Path(__file__).resolve().parent.parent
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# 12 phones with 5 requests each in flight at once: enough for the writer to commit ballots in
# groups and for the kill to cut requests mid-commit, about half-way through the burst.
PHONES = 12
POSTS_EACH = 4
KILL_AFTER = 30  # acknowledgements seen before the kill


class Server:
    """`python -m assembly serve` in a subprocess, which the test can kill -9."""

    def __init__(self, settings: Settings) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": settings.secret_key,
            "RATE_LIMIT_SCALE": "0",
            "PORT": str(self.port),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assembly", "serve", "--no-demo"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as c, asyncio.timeout(30):
            while True:
                try:
                    if (await c.get(self.url + "/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    assert self.proc.poll() is None, "the server exited"
                await asyncio.sleep(0.05)  # polling a starting process, not hiding a race

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@dataclass
class Phone:
    client: httpx.AsyncClient
    token: str = ""
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)  # indexes into requests


async def _join(base: str) -> Phone:
    phone = Phone(httpx.AsyncClient(base_url=base, timeout=10))
    page = await phone.client.get("/e/demo")
    phone.token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    return phone


async def _send(phone: Phone, i: int, acks: list[int], killed: asyncio.Event) -> None:
    path, data = phone.requests[i]
    try:
        r = await phone.client.post(
            path, data={**data, "csrf_token": phone.token}, follow_redirects=False
        )
    except httpx.TransportError:
        return  # the server died under this request: not acknowledged
    if r.status_code == 303:
        phone.acked.append(i)
        acks.append(1)


async def _burst(server: Server, db_url: str) -> dict[str, int]:
    await server.start()
    poll, options = await open_poll_over_http(server.url)
    phones = [await _join(server.url) for _ in range(PHONES)]
    for n, phone in enumerate(phones):
        for k in range(POSTS_EACH):
            phone.requests.append(
                (
                    "/e/demo/contributions",
                    {"kind": "idea", "text": f"phone {n} post {k}", "idempotency_key": f"c{n}-{k}"},
                )
            )
        phone.requests.append(
            (
                f"/e/demo/polls/{poll}/ballot",
                {"option": str(options[n % len(options)]), "idempotency_key": f"b{n}"},
            )
        )
    acks: list[int] = []
    killed = asyncio.Event()

    async def phone_loop(phone: Phone) -> None:
        for i in range(len(phone.requests)):
            if killed.is_set():
                return
            await _send(phone, i, acks, killed)

    async def killer() -> None:
        while len(acks) < KILL_AFTER:
            await asyncio.sleep(0.001)  # watching a counter; the kill lands mid-burst
        server.kill()
        killed.set()

    await asyncio.gather(killer(), *(phone_loop(p) for p in phones))
    acknowledged = {(n, i) for n, p in enumerate(phones) for i in p.acked}

    stored_after_crash = await _stored(db_url)
    for n, i in acknowledged:
        assert stored_after_crash.get(_label(phones[n], n, i), 0) == 1, (n, i)

    # Restart and retry every request, acknowledged or not, with its idempotency key, from
    # fresh connections (the pooled ones died with the server), as a phone would.
    await server.start()
    for p in phones:
        old, p.client = (
            p.client,
            httpx.AsyncClient(base_url=server.url, timeout=10, cookies=p.client.cookies),
        )
        await old.aclose()
    retried = [(n, i) for n, p in enumerate(phones) for i in range(len(p.requests))]
    await asyncio.gather(*(_send(phones[n], i, [], asyncio.Event()) for n, i in retried))
    stored = await _stored(db_url)
    server.stop()
    for p in phones:
        await p.client.aclose()
    for n, p in enumerate(phones):
        for i in range(len(p.requests)):
            assert stored.get(_label(p, n, i), 0) == 1, f"phone {n} request {i} not stored once"
    return {
        "acknowledged_before_kill": len(acknowledged),
        "stored_after_crash": sum(stored_after_crash.values()),
        "requests": len(retried),
        "stored_after_retry": sum(stored.values()),
    }


def _label(phone: Phone, n: int, i: int) -> str:
    path, data = phone.requests[i]
    return data["text"] if "text" in data else f"ballot:{n}"


async def _stored(db_url: str) -> dict[str, int]:
    """How many times each contribution text and each phone's ballot is stored."""
    from sqlalchemy import text

    db = Database(db_url)
    try:
        async with db.read() as s:
            texts = (
                await s.execute(text("select text, count(*) from contribution group by text"))
            ).all()
            # Phones joined in order, so participant join order maps to phone numbers.
            ballots = (
                await s.execute(
                    text(
                        "select p.id, count(b.id) from participant p join ballot b "
                        "on b.participant_id = p.id group by p.id"
                    )
                )
            ).all()
            order = [
                r[0]
                for r in (
                    await s.execute(text("select id from participant order by joined_at, id"))
                ).all()
            ]
    finally:
        await db.dispose()
    counts = {str(t): int(n) for t, n in texts}
    by_participant = {str(pid): int(n) for pid, n in ballots}
    # The facilitator's browser joined first (to read the poll's options).
    for n, pid in enumerate(order[1:]):
        if pid in by_participant:
            counts[f"ballot:{n}"] = by_participant[pid]
    return counts


@pytest.fixture
def sqlite_settings(sqlite_copy: Callable[[], Settings]) -> Settings:
    return sqlite_copy()


def test_kill_9_mid_burst_loses_and_doubles_nothing_on_sqlite(sqlite_settings: Settings) -> None:
    server = Server(sqlite_settings)
    try:
        figures = asyncio.run(_burst(server, sqlite_settings.database_url))
    finally:
        server.stop()
    print("sqlite", figures)
    assert figures["acknowledged_before_kill"] >= KILL_AFTER
    assert figures["stored_after_retry"] == figures["requests"] == PHONES * (POSTS_EACH + 1)


def test_kill_9_mid_burst_loses_and_doubles_nothing_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=postgres_url)
    server = Server(settings)
    try:
        figures = asyncio.run(_burst(server, postgres_url))
    finally:
        server.stop()
    print("postgres", figures)
    assert figures["acknowledged_before_kill"] >= KILL_AFTER
    assert figures["stored_after_retry"] == figures["requests"] == PHONES * (POSTS_EACH + 1)
