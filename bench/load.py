"""Many sockets: delivery latency of a contribution feed, and a vote burst, against the real
server (`python -m assembly serve --no-demo`), with server CPU per 1,000 deliveries and server
memory per connection read from /proc.

    .venv/bin/python bench/load.py [--participants 1000] [--rate 2] [--seconds 20]
        [--votes 2000] [--vote-seconds 10] [--generator-procs K] [--no-deflate]
        [--database URL] [--broker URL] [--workers N] [--py-spy FILE]

Participants join (half through the room QR code, half online), each with its own cookies, and
open the event socket; a facilitator's console socket and the big screen's socket stay open.
The sockets are spread over K generator processes (this script run with ``--worker``), which
report back as JSON lines. Prints one JSON line per scenario ("feed", "vote burst").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.cookiejar
import json
import math
import os
import re
import resource
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import httpx2 as httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'<p class="code">([^<]+)</p>')
SCREEN_KEY = re.compile(r"/screen/demo/open/([0-9a-f]+)")
# Marker in each posted text: ldm{post number}t{send time, monotonic ns}.
MARK_BYTES = re.compile(rb"ldm(\d+)t(\d+)")
COUNT = re.compile(r'<span class="n">\((\d+)\)</span>')
TOTAL = re.compile(r'<p class="total">(\d+) (?:vote|ballot)')
KINDS = ("single", "multiple", "scale", "ranking")
PASSWORD = "bench-password"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def summary(prefix: str, values: list[float]) -> dict[str, Any]:
    return {
        f"{prefix}_p50_ms": pct(values, 0.50),
        f"{prefix}_p95_ms": pct(values, 0.95),
        f"{prefix}_p99_ms": pct(values, 0.99),
        f"{prefix}_max_ms": round(max(values), 1) if values else None,
    }


# --- /proc: the server process and its children (workers) ---


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for p in pids:
        with contextlib.suppress(OSError), open(f"/proc/{p}/statm") as f:
            total += int(f.read().split()[1]) * PAGE
    return total


# --- HTTP helpers: one client per process, cookies kept per participant by hand ---


def client(base: str, connections: int = 200) -> httpx.AsyncClient:
    no_jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        base_url=base,
        cookies=httpx.Cookies(no_jar),
        timeout=120,
        trust_env=False,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


class Person:
    """One participant (or the facilitator): their cookies and CSRF token."""

    __slots__ = ("index", "cookies", "token")

    def __init__(self, index: int) -> None:
        self.index = index
        self.cookies: dict[str, str] = {}
        self.token = ""

    def keep(self, response: httpx.Response) -> httpx.Response:
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    @property
    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def get(self, http: httpx.AsyncClient, path: str) -> httpx.Response:
        return self.keep(await http.get(path, headers={"cookie": self.header}))

    async def post(
        self, http: httpx.AsyncClient, path: str, data: dict[str, Any]
    ) -> httpx.Response:
        return self.keep(
            await http.post(
                path,
                data={**data, "csrf_token": self.token},
                headers={"cookie": self.header, "hx-request": "true"},
            )
        )

    async def join(self, http: httpx.AsyncClient, room_code: str | None) -> None:
        if room_code:
            r = await self.get(http, f"/j/{room_code}")
            if r.status_code != 303:
                raise RuntimeError(f"room join answered {r.status_code}")
        r = await self.get(http, "/e/demo")
        r.raise_for_status()
        match = CSRF.search(r.text)
        if match is None:
            raise RuntimeError("no CSRF token on the participant page")
        self.token = match.group(1)


async def open_socket(base: str, path: str, person: Person, deflate: bool) -> ClientConnection:
    ws_base = base.replace("http://", "ws://")
    return await connect(
        ws_base + path,
        additional_headers={"Cookie": person.header},
        origin=base,  # type: ignore[arg-type]
        compression="deflate" if deflate else None,
        ping_interval=None,
        open_timeout=120,
        max_size=2**22,
        proxy=None,
    )


# --- worker process: a share of the participants and their sockets ---


class Listener:
    """Reads one socket; records which markers arrived and how late."""

    __slots__ = ("seen", "latencies", "last", "closed", "task")

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.latencies: list[float] = []
        self.last = 0  # monotonic ns of the last new marker
        self.closed: int | None = None
        self.task: asyncio.Task[None] | None = None

    def markers(self, data: bytes, now: int) -> None:
        for n, sent in MARK_BYTES.findall(data):
            k = int(n)
            if k not in self.seen:
                self.seen.add(k)
                self.latencies.append((now - int(sent)) / 1e6)
                self.last = now

    def take_over(self, ws: ClientConnection) -> None:
        """From now on read ``ws`` through a LeanReader instead of the asyncio client."""
        ws.transport.set_protocol(LeanReader(ws, self))

    async def run(self, ws: ClientConnection, on_frame: Any = None) -> None:
        try:
            async for frame in ws:
                now = time.monotonic_ns()
                text = frame if isinstance(frame, str) else frame.decode()
                if on_frame is not None:
                    on_frame(text, now)
                if "ldm" in text:
                    self.markers(text.encode(), now)
        except Exception:  # noqa: BLE001 - any end of the socket is recorded the same way
            pass
        self.closed = ws.close_code if ws.close_code is not None else -1


class LeanReader(asyncio.Protocol):
    """Reads a participant socket after its handshake straight from the transport, parsing
    the server's frames by hand. The asyncio client cost the generator about 94 µs of CPU per
    message and websockets' sans-I/O parser about 60, against the server's ~25 to deliver it,
    so at 10,000 sockets latency measured the generator. Server frames are never masked and
    ours are small; pings get their pong (or uvicorn would drop the socket), a close its code.
    """

    def __init__(self, ws: ClientConnection, listener: Listener) -> None:
        self.transport = ws.transport
        self.listener = listener
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        buf = self.buffer + data if self.buffer else data
        at, end = 0, len(buf)
        while end - at >= 2:
            opcode, length = buf[at] & 0x0F, buf[at + 1] & 0x7F
            head = 2
            if length == 126:
                if end - at < 4:
                    break
                length, head = int.from_bytes(buf[at + 2 : at + 4]), 4
            elif length == 127:
                if end - at < 10:
                    break
                length, head = int.from_bytes(buf[at + 2 : at + 10]), 10
            if end - at < head + length:
                break
            payload = buf[at + head : at + head + length]
            at += head + length
            if opcode == 0x1:
                if b"ldm" in payload:
                    self.listener.markers(payload, now)
            elif opcode == 0x9:  # ping: a masked pong with the same payload (zero mask)
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            elif opcode == 0x8:
                self.listener.closed = int.from_bytes(payload[:2]) if length >= 2 else 1005
                self.transport.close()
                return
        self.buffer = buf[at:]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.listener.closed is None:
            self.listener.closed = 1006


async def join_all(http: httpx.AsyncClient, cmd: dict[str, Any]) -> tuple[list[Person], Any]:
    """Join this worker's participants: even indices through the room code, odd ones online."""
    people = [Person(i) for i in cmd["indices"]]
    sem = asyncio.Semaphore(cmd["concurrency"])
    failed: list[str] = []

    async def join(p: Person) -> None:
        async with sem:
            try:
                await p.join(http, cmd["room_code"] if p.index % 2 == 0 else None)
            except Exception as exc:  # noqa: BLE001
                failed.append(repr(exc)[:200])

    t = time.monotonic()
    await asyncio.gather(*(join(p) for p in people))
    joined = [p for p in people if p.token]
    seconds = time.monotonic() - t
    return joined, {
        "joined": len(joined),
        "failed": len(failed),
        "errors": failed[:3],
        "seconds": seconds,
    }


async def connect_all(
    people: list[Person],
    listeners: list[Listener],
    sockets: list[ClientConnection],
    cmd: dict[str, Any],
) -> dict[str, Any]:
    """Open each participant's event socket (with their cookies) and start reading it."""
    sem = asyncio.Semaphore(cmd["concurrency"])
    errors: list[str] = []

    async def attach(p: Person) -> None:
        async with sem:
            try:
                ws = await open_socket(cmd["base"], "/ws/e/demo", p, cmd["deflate"])
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc)[:200])
                return
            sockets.append(ws)
            lst = Listener()
            lst.take_over(ws)
            listeners.append(lst)

    t = time.monotonic()
    await asyncio.gather(*(attach(p) for p in people))
    seconds = time.monotonic() - t
    return {
        "sockets": len(sockets),
        "failed": len(errors),
        "errors": errors[:3],
        "seconds": seconds,
    }


async def worker_main() -> None:
    raise_fd_limit()
    # Below the server's priority: with seven readers runnable at once the kernel gave the
    # server a quarter of a core while it fanned out, and latency measured the scheduler.
    os.nice(10)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    people: list[Person] = []
    listeners: list[Listener] = []
    sockets: list[ClientConnection] = []
    http: httpx.AsyncClient | None = None

    def reply(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    while line := await reader.readline():
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "join":
            http = client(cmd["base"], cmd["concurrency"])
            people, result = await join_all(http, cmd)
            # Close the joins' keep-alive connections now, so that the server's memory is
            # measured without them; the ballots later open connections of their own.
            await http.aclose()
            http = client(cmd["base"], cmd["vote_connections"])
            reply(result)
        elif op == "connect":
            reply(await connect_all(people, listeners, sockets, cmd))
        elif op == "reset":
            for lst in listeners:
                lst.seen.clear()
                lst.latencies.clear()
                lst.last = 0
            reply({"ok": True})
        elif op == "count":
            reply({"hits": sum(len(lst.seen) for lst in listeners)})
        elif op == "report":
            posted = set(cmd["posted"])
            latencies = [x for lst in listeners for x in lst.latencies]
            hits = sum(len(lst.seen & posted) for lst in listeners)
            closed: dict[str, int] = {}
            for lst in listeners:
                if lst.closed is not None:
                    closed[str(lst.closed)] = closed.get(str(lst.closed), 0) + 1
            reply(
                {
                    "sockets": len(listeners),
                    "hits": hits,
                    "latencies": [round(x, 2) for x in latencies],
                    "last": max((lst.last for lst in listeners), default=0),
                    "closed": closed,
                }
            )
        elif op == "vote":
            assert http is not None
            reply(await vote(http, people, cmd))
        elif op == "quit":
            for ws in sockets:
                ws.transport.close()  # read by a LeanReader: the client would wait for no reply
            if http is not None:
                await http.aclose()
            reply({"ok": True})
            return


async def vote(
    http: httpx.AsyncClient, people: list[Person], cmd: dict[str, Any]
) -> dict[str, Any]:
    """Ballot k (of V, spread evenly over T seconds) comes from participant k mod N; a participant
    with several ballots changes their vote, one ballot after the other."""
    n, v, spread, t0 = cmd["n"], cmd["votes"], cmd["seconds"], cmd["t0"]
    mine = {p.index: p for p in people}
    plan: dict[int, list[int]] = {}
    for k in range(v):
        if k % n in mine:
            plan.setdefault(k % n, []).append(k)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    voters: set[int] = set()
    # Per voter: their last acknowledged ballot, and whether a later one went unanswered (a
    # client error: it may or may not have been stored, so that voter cannot be checked).
    last: dict[int, tuple[dict[str, Any], bool]] = {}
    last_ack = 0.0
    late: list[float] = []

    async def voter(p: Person, ballots: list[int]) -> None:
        nonlocal last_ack
        for k in ballots:
            due = t0 + k * spread / v
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late.append(-delay)
            sent = time.monotonic()
            try:
                # Each ballot carries its own idempotency key, as the phone's form does.
                form = {
                    **ballot(cmd, k // n + p.index),
                    "idempotency_key": secrets.token_urlsafe(12),
                }
                r = await p.post(http, f"/e/demo/polls/{cmd['poll']}/ballot", form)
                code = str(r.status_code)
            except Exception as exc:  # noqa: BLE001
                code = type(exc).__name__
            now = time.monotonic()
            statuses[code] = statuses.get(code, 0) + 1
            if code == "200":
                latencies.append((now - sent) * 1000)
                voters.add(p.index)
                last_ack = max(last_ack, now)
                last[p.index] = (form, False)
            elif p.index in last:
                last[p.index] = (last[p.index][0], True)

    await asyncio.gather(*(voter(mine[i], ks) for i, ks in plan.items()))
    return {
        "latencies": [round(x, 2) for x in latencies],
        "statuses": statuses,
        "voters": len(voters),
        "acknowledged": len(latencies),
        "last": [[participant_of(mine[i]), form, unsure] for i, (form, unsure) in last.items()],
        "last_ack": last_ack,
        "late_max_s": round(max(late), 3) if late else 0.0,
    }


def participant_of(person: Person) -> str | None:
    """The participant id in a person's participant cookie (itsdangerous: base64 JSON, then
    the signature; a leading dot when compressed). Read, not checked: the server checks it."""
    for name, value in person.cookies.items():
        if name.startswith("asm_p") and name[5:].isdigit():
            payload = value.rsplit(".", 1)[0]
            data = payload.lstrip(".")
            raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
            found: str = json.loads(zlib.decompress(raw) if payload.startswith(".") else raw)
            return found
    return None


def expected_rows(last: list[list[Any]]) -> tuple[dict[str, tuple[int | None, str]], int]:
    """What each voter's stored ballot must hold: their last acknowledged ballot, as the
    poll's kind stores it (``assembly.kinds``); and how many voters cannot be checked."""
    from starlette.datastructures import FormData

    from assembly.kinds import KINDS, parse_ballot

    expected: dict[str, tuple[int | None, str]] = {}
    unsure = 0
    for pid, form, later_unanswered in last:
        if later_unanswered or pid is None:
            unsure += 1
            continue
        pairs = [(k, str(x)) for k, v in form.items() for x in (v if isinstance(v, list) else [v])]
        answer = parse_ballot(FormData(pairs))
        expected[pid] = KINDS[answer.kind].store(answer)
    return expected, unsure


def ballot(cmd: dict[str, Any], turn: int) -> dict[str, Any]:
    """What ballot number ``turn`` of a participant sends, for the poll's kind: single one
    option; multiple two; scale a point; ranking every place, the options rotated."""
    kind, options = cmd["kind"], cmd["options"]
    pick = [options[(turn + i) % len(options)] for i in range(len(options))]
    if kind == "single":
        return {"option": pick[0]}
    if kind == "multiple":
        return {"kind": kind, "option": pick[:2]}
    if kind == "scale":
        return {"kind": kind, "value": pick[0]}
    return {"kind": kind, **{f"place{i}": o for i, o in enumerate(pick[: cmd["places"]], 1)}}


def options_on(page: str, kind: str) -> list[str]:
    """The answers a phone's page offers in its poll of ``kind``: option ids, or scale points."""
    if kind == "scale":
        return re.findall(r'name="value" value="(\d+)"', page)
    if kind == "ranking":
        return sorted(set(re.findall(r'<option value="(\d+)"', page)), key=page.index)
    return re.findall(r'name="option" value="(\d+)"', page)


def places_on(page: str) -> int:
    return len(re.findall(r'name="place\d+"', page))


async def open_poll_of_kind(
    http: httpx.AsyncClient, staff: Person, voter: Person, kind: str
) -> tuple[int, str]:
    """Open the demo's first poll of ``kind`` (making its session current); its id and the page
    a phone then gets."""
    console = (await staff.get(http, "/console/demo")).text
    for session in [None, *re.findall(r"/console/demo/sessions/(\d+)/current", console)]:
        if session is not None:  # the current session's polls come first
            await staff.post(http, f"/console/demo/sessions/{session}/current", {})
        for poll_id in re.findall(
            r"/polls/(\d+)/open", (await staff.get(http, "/console/demo")).text
        ):
            r = await staff.post(http, f"/console/demo/polls/{poll_id}/open", {})
            if r.status_code >= 400:
                raise SystemExit(f"opening the poll answered {r.status_code}")
            page = (await voter.get(http, "/e/demo")).text
            if f'name="kind" value="{kind}"' in page:
                return int(poll_id), page
    raise SystemExit(f"the demo has no {kind} poll")


# --- the coordinating process ---


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"generator worker {self.proc.pid} died")
        result: dict[str, Any] = json.loads(line)
        return result


async def ask_all(workers: list[Worker], **cmd: Any) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(w.ask(**cmd) for w in workers)))


def server_env(args: argparse.Namespace, db_url: str, port: int) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": db_url, "PORT": str(port), "RATE_LIMIT_SCALE": "0"}
    if args.broker:
        env["BROKER_URL"] = args.broker
    return env


def raise_child_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> Any:
    def run(*argv: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "assembly", *argv],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    run("demo", "--quiet")
    run("user", "add", "facilitator", "--password", PASSWORD, "--event", "demo")
    serve = [sys.executable, "-m", "assembly", "serve", "--no-demo"]
    if args.workers:
        serve += ["--workers", str(args.workers)]  # the flag may not exist in the server yet
    # The server's log goes to --server-log, or is read only if it fails to start.
    log = open(args.server_log, "wb") if args.server_log else subprocess.PIPE  # noqa: SIM115
    proc = subprocess.Popen(
        serve,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=raise_child_fd_limit,
    )
    async with httpx.AsyncClient(trust_env=False) as c, asyncio.timeout(60):
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else args.server_log
                raise SystemExit(f"the server exited with {proc.returncode}:\n{err}")
            try:
                if (await c.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    # Nobody reads its stderr from here on: let it go nowhere rather than fill a pipe.
    if proc.stderr is not None:
        proc.stderr.close()
    return proc


async def ensure_database(db_url: str) -> None:
    """Create a PostgreSQL database named by ``db_url`` when it does not exist yet."""
    if not db_url.startswith("postgresql"):
        return
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(db_url)
    engine = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        await engine.dispose()


async def stored_rows(
    db_url: str, db_file: Path | None, poll: int
) -> dict[str, tuple[int | None, str]]:
    """Each participant's stored ballot in ``poll``: (option_id, marks)."""
    query = "SELECT participant_id, option_id, marks FROM ballot WHERE poll_id = {}"
    if db_file is not None:
        with contextlib.closing(sqlite3.connect(db_file)) as con:
            rows = con.execute(query.format("?"), (poll,)).fetchall()
    else:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(db_url)
        try:
            async with engine.connect() as c:
                rows = list((await c.execute(text(query.format(":p")), {"p": poll})).all())
        finally:
            await engine.dispose()
    return {str(p): (o, m or "") for p, o, m in rows}


async def count_ballots(db_url: str, db_file: Path | None, poll: int) -> dict[str, int]:
    """The stored ballots of ``poll`` by option, straight from the database."""
    query = "SELECT option_id, count(*) FROM ballot WHERE poll_id = {} GROUP BY option_id"
    if db_file is not None:
        with contextlib.closing(sqlite3.connect(db_file)) as con:
            rows = con.execute(query.format("?"), (poll,)).fetchall()
            return {str(o): int(k) for o, k in rows}
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as con:
            rows = (await con.execute(text(query.format(":p")), {"p": poll})).all()
            return {str(o): int(k) for o, k in rows}
    finally:
        await engine.dispose()


async def facilitator(http: httpx.AsyncClient) -> tuple[Person, str]:
    staff = Person(-1)
    page = await staff.get(http, "/login")
    staff.token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = await staff.post(
        http, "/login", {"username": "facilitator", "password": PASSWORD, "next": "/"}
    )
    if r.status_code >= 400:
        raise SystemExit(f"facilitator login answered {r.status_code}")
    console = (await staff.get(http, "/console/demo")).text
    staff.token = CSRF.search(console).group(1)  # type: ignore[union-attr]
    return staff, console


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    raise_fd_limit()
    n = args.participants
    procs = args.generator_procs or max(1, min(8, math.ceil(n / 1500)))
    params = {
        "participants": n,
        "rate_per_s": args.rate,
        "feed_seconds": args.seconds,
        "votes": args.votes,
        "kind": args.kind,
        "vote_seconds": args.vote_seconds,
        "generator_procs": procs,
        "posters": args.posters,
        "client_deflate": not args.no_deflate,
        "database": "sqlite" if not args.database else args.database.split(":", 1)[0],
        "broker": args.broker or "memory://",
        "server_workers": args.workers or 1,
    }
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        db_file = None if args.database else Path(tmp) / "load.db"
        db_url = args.database or f"sqlite+aiosqlite:///{db_file}"
        await ensure_database(db_url)
        env = server_env(args, db_url, port)
        server = await start_server(args, env, port)
        workers: list[Worker] = []
        try:
            return await scenarios(args, params, base, server.pid, db_url, db_file, procs, workers)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ask_all(workers, op="quit"), 30)
            for w in workers:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.kill()
                await w.proc.wait()
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


async def scenarios(
    args: argparse.Namespace,
    params: dict[str, Any],
    base: str,
    server_pid: int,
    db_url: str,
    db_file: Path | None,
    procs: int,
    workers: list[Worker],
) -> list[dict[str, Any]]:
    n = args.participants
    gen_start = os.times()
    http = client(base)
    staff, console_html = await facilitator(http)
    # The big screen opens only for the team, or through its secret address on the console.
    projector = Person(-2)
    key = SCREEN_KEY.search(console_html).group(1)  # type: ignore[union-attr]
    await projector.get(http, f"/screen/demo/open/{key}")
    qr = await projector.get(http, "/screen/demo/w/qr")
    room_code = CODE.search(qr.text).group(1).strip()  # type: ignore[union-attr]

    # Big screen and console sockets, read here.
    tallies: list[tuple[float, list[int]]] = []
    screen_frames = [0]

    def on_screen(text: str, now: int) -> None:
        screen_frames[0] += 1
        if poll_marker[0] and poll_marker[0] in text:
            part = text[text.index(poll_marker[0]) :]
            part = part[: part.find("</div>") if "</div>" in part else None]
            if args.kind == "single":  # the count of each option
                tallies.append((now / 1e9, [int(c) for c in COUNT.findall(part)]))
            else:  # the number of ballots, and the whole result drawn
                shown = re.sub(r'data-revision="\d+"', "", part)
                tallies.append((now / 1e9, [int(c) for c in TOTAL.findall(part)] + [hash(shown)]))

    poll_marker = [""]
    screen_ws = await open_socket(base, "/ws/screen/demo", projector, not args.no_deflate)
    screen = Listener()
    screen.task = asyncio.create_task(screen.run(screen_ws, on_screen))
    console_ws = await open_socket(base, "/ws/console/demo", staff, not args.no_deflate)
    console = Listener()
    console.task = asyncio.create_task(console.run(console_ws))

    # Posters: a handful of participants of their own, without sockets.
    posters = [Person(-10 - i) for i in range(args.posters)]
    for p in posters:
        await p.join(http, None)

    # Generator workers, each with its share of the participants.
    for _ in range(procs):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**28,
        )
        workers.append(Worker(proc))
    t = time.monotonic()
    joins = await asyncio.gather(
        *(
            w.ask(
                op="join",
                base=base,
                indices=list(range(i, n, procs)),
                room_code=room_code,
                concurrency=args.join_concurrency,
                vote_connections=args.vote_connections,
            )
            for i, w in enumerate(workers)
        )
    )
    join_s = time.monotonic() - t
    await asyncio.sleep(1)  # the workers closed their joins' connections: let the server notice
    tree = process_tree(server_pid)
    rss_before = rss_bytes(tree)
    t = time.monotonic()
    conns = await ask_all(
        workers,
        op="connect",
        base=base,
        deflate=not args.no_deflate,
        concurrency=args.connect_concurrency,
    )
    connect_s = time.monotonic() - t
    await asyncio.sleep(2)
    tree = process_tree(server_pid)
    rss_after = rss_bytes(tree)
    sockets = sum(c["sockets"] for c in conns)
    setup = {
        "joined": sum(j["joined"] for j in joins),
        "join_failed": sum(j["failed"] for j in joins),
        "join_errors": [e for j in joins for e in j["errors"]][:3],
        "join_s": round(join_s, 1),
        "sockets_open": sockets,
        "sockets_failed": sum(c["failed"] for c in conns),
        "socket_errors": [e for c in conns for e in c["errors"]][:3],
        "connect_s": round(connect_s, 1),
        "server_rss_before_mb": round(rss_before / 2**20, 1),
        "server_rss_after_mb": round(rss_after / 2**20, 1),
        "server_kb_per_connection": round((rss_after - rss_before) / 1024 / max(1, sockets), 1),
        "server_processes": len(tree),
    }

    # --- feed phase ---
    await ask_all(workers, op="reset")
    console.seen.clear()
    console.latencies.clear()
    console.last = 0
    profiler = await py_spy(args.py_spy, "feed", args.seconds, server_pid)
    gen_cpu0 = generator_cpu(workers)
    cpu0, wall0 = cpu_seconds(tree), time.monotonic()
    posted: list[int] = []
    post_ms: list[float] = []
    post_status: dict[str, int] = {}
    total = int(args.rate * args.seconds)
    t0 = time.monotonic() + 0.2
    t0_ns = int(t0 * 1e9)  # time.monotonic() and monotonic_ns() read the same clock

    async def post(k: int) -> None:
        await asyncio.sleep(max(0.0, t0 + k / args.rate - time.monotonic()))
        p = posters[k % len(posters)]
        sent = time.monotonic_ns()
        text = f"load test contribution ldm{k}t{sent} from the benchmark"
        try:
            r = await p.post(http, "/e/demo/contributions", {"kind": "idea", "text": text})
            code = str(r.status_code)
        except Exception as exc:  # noqa: BLE001
            code = type(exc).__name__
        post_status[code] = post_status.get(code, 0) + 1
        if code == "200":
            posted.append(k)
            post_ms.append((time.monotonic_ns() - sent) / 1e6)

    await asyncio.gather(*(post(k) for k in range(total)))
    # Wait until every socket has every post, or nothing more arrives for 3 s (at most 30 s).
    expected = len(posted) * (sockets + 1)
    last, still = -1, time.monotonic()
    for _ in range(120):
        hits = sum(c["hits"] for c in await ask_all(workers, op="count")) + len(console.seen)
        if hits >= expected:
            break
        if hits != last:
            last, still = hits, time.monotonic()
        elif time.monotonic() - still > 3:
            break
        await asyncio.sleep(0.25)
    cpu1, wall1 = cpu_seconds(process_tree(server_pid)), time.monotonic()
    gen_cpu1 = generator_cpu(workers)
    if profiler is not None:
        await profiler.wait()
    reports = await ask_all(workers, op="report", posted=posted)
    latencies = [x for r in reports for x in r["latencies"]] + console.latencies
    delivered = sum(r["hits"] for r in reports) + len(console.seen & set(posted))
    closed: dict[str, int] = {}
    for r in reports:
        for code, k in r["closed"].items():
            closed[code] = closed.get(code, 0) + k
    server_cpu = cpu1 - cpu0
    span_s = (max([r["last"] for r in reports] + [console.last]) - t0_ns) / 1e9
    feed = {
        "scenario": "load: feed",
        **params,
        **setup,
        "posts_ok": len(posted),
        "post_statuses": post_status,
        **summary("post_ack", post_ms),
        "expected_deliveries": expected,
        "delivered": delivered,
        "missed": expected - delivered,
        **summary("delivery", latencies),
        "sockets_closed_by_server": closed,
        "feed_wall_s": round(wall1 - wall0, 1),
        # From the first post's send to the last new marker read, on any socket.
        "deliveries_per_s": round(delivered / span_s) if span_s > 0 else None,
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_share": round(server_cpu / (wall1 - wall0), 2),
        "server_cpu_ms_per_1000_deliveries": (
            round(server_cpu * 1000 / delivered * 1000, 1) if delivered else None
        ),
        "generator_cpu_s": round(gen_cpu1 - gen_cpu0, 2),
        "generator_cpu_share": round((gen_cpu1 - gen_cpu0) / (wall1 - wall0), 2),
    }
    print(json.dumps(feed), flush=True)

    if args.votes <= 0:
        await http.aclose()
        return [feed]

    # --- vote burst ---
    poll_id, page = await open_poll_of_kind(http, staff, posters[0], args.kind)
    options = options_on(page, args.kind)
    places = places_on(page)
    poll_marker[0] = f'id="poll-{poll_id}-results"'
    await asyncio.sleep(1)
    tallies.clear()
    profiler = await py_spy(args.py_spy, "votes", args.vote_seconds, server_pid)
    cpu0, wall0 = cpu_seconds(process_tree(server_pid)), time.monotonic()
    gen_cpu0 = generator_cpu(workers)
    t0 = time.monotonic() + 0.5
    votes = await ask_all(
        workers,
        op="vote",
        poll=poll_id,
        kind=args.kind,
        options=options,
        places=places,
        n=n,
        votes=args.votes,
        seconds=args.vote_seconds,
        t0=t0,
    )
    acked = sum(v["voters"] for v in votes)
    last_ack = max((v["last_ack"] for v in votes), default=0.0)
    if profiler is not None:
        await profiler.wait()
    stored = await count_ballots(db_url, db_file, poll_id)
    # Lost: a voter whose stored ballot is not their last acknowledged one (or is missing).
    expected, unsure = expected_rows([x for v in votes for x in v["last"]])
    rows = await stored_rows(db_url, db_file, poll_id)
    lost = sum(1 for pid, row in expected.items() if rows.get(pid) != row)
    if args.kind == "single":
        final = [stored.get(o, 0) for o in options]
    else:  # the result the screen settles on, once it shows every stored ballot
        final = [sum(stored.values())]
        for _ in range(200):
            if tallies and tallies[-1][1][:1] == final:
                await asyncio.sleep(1)  # any later frame would change the result drawn
                final = tallies[-1][1]
                break
            await asyncio.sleep(0.1)
    # The final tally is on the screen from the first frame of the last run of frames that show
    # it (a frame may show it before the last answer has reached its phone: then it is < 0).
    final_at = first_total_at = None
    for _ in range(200):  # up to 20 s for the screen to catch up
        if tallies and tallies[-1][1] == final:
            i = len(tallies) - 1
            while i > 0 and tallies[i - 1][1] == final:
                i -= 1
            final_at = tallies[i][0]
            break
        await asyncio.sleep(0.1)
    first_total_at = next((t for t, c in tallies if sum(c) == acked), None)
    if args.kind != "single":
        first_total_at = next((t for t, c in tallies if c[:1] == [acked]), None)
    cpu1, wall1 = cpu_seconds(process_tree(server_pid)), time.monotonic()
    gen_cpu1 = generator_cpu(workers)
    statuses: dict[str, int] = {}
    for v in votes:
        for code, k in v["statuses"].items():
            statuses[code] = statuses.get(code, 0) + k
    ack_ms = [x for v in votes for x in v["latencies"]]
    burst = {
        "scenario": "load: vote burst",
        **params,
        "sockets_open": sockets,
        "ballots_sent": sum(statuses.values()),
        "ballot_statuses": statuses,
        **summary("ack", ack_ms),
        "burst_wall_s": round(last_ack - t0, 1) if last_ack else None,
        "sender_late_max_s": max((v["late_max_s"] for v in votes), default=0.0),
        "acknowledged_voters": acked,
        "stored_ballots": sum(stored.values()),
        "ballots_acknowledged": sum(v["acknowledged"] for v in votes),
        "voters_missing": acked - sum(stored.values()),
        # Voters whose stored ballot is not the last one acknowledged to them.
        "ballots_lost": lost,
        "voters_checked": len(expected),
        "voters_unsure": unsure,
        "stored_by_option": final if args.kind == "single" else stored,
        "screen_tally_frames": len(tallies),
        "screen_last_tally": tallies[-1][1] if tallies else None,
        "final_tally_after_last_ack_ms": (
            round((final_at - last_ack) * 1000, 1) if final_at is not None else None
        ),
        "total_on_screen_after_last_ack_ms": (
            round((first_total_at - last_ack) * 1000, 1) if first_total_at is not None else None
        ),
        "server_cpu_s": round(cpu1 - cpu0, 2),
        "server_cpu_share": round((cpu1 - cpu0) / (wall1 - wall0), 2),
        "generator_cpu_s": round(gen_cpu1 - gen_cpu0, 2),
        "generator_total_cpu_s": round(gen_cpu1 + sum(os.times()[:2]) - sum(gen_start[:2]), 1),
    }
    print(json.dumps(burst), flush=True)
    for ws in (screen_ws, console_ws):
        await ws.close()
    await http.aclose()
    return [feed, burst]


async def py_spy(
    path: str | None, phase: str, seconds: float, pid: int
) -> asyncio.subprocess.Process | None:
    """Sample the server (and its workers) with py-spy for ``seconds``, into PATH-PHASE.txt."""
    if not path:
        return None
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "-d",
        str(max(1, int(seconds))),
        "-p",
        str(pid),
        "-o",
        f"{path}-{phase}.txt",
        "--format",
        "raw",
        "--subprocesses",
        "--gil",  # only the thread holding the GIL: CPU work, not threads waiting on queues
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def generator_cpu(workers: list[Worker]) -> float:
    me = os.times()
    return me.user + me.system + cpu_seconds([w.proc.pid for w in workers])


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        asyncio.run(worker_main())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000, help="participant sockets")
    parser.add_argument("--rate", type=float, default=2, help="contributions per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of the feed phase")
    parser.add_argument("--votes", type=int, default=2000, help="ballots in the vote burst")
    parser.add_argument("--vote-seconds", type=float, default=10, help="length of the burst")
    parser.add_argument(
        "--kind", choices=KINDS, default="single", help="the kind of poll the burst votes in"
    )
    parser.add_argument("--posters", type=int, default=5, help="participants who post")
    parser.add_argument(
        "--generator-procs", type=int, default=0, help="generator processes (default: N/1500)"
    )
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument("--broker", help="BROKER_URL for the server (default: memory://)")
    parser.add_argument("--workers", type=int, help="`assembly serve --workers N`")
    parser.add_argument(
        "--no-deflate", action="store_true", help="clients do not offer per-message deflate"
    )
    parser.add_argument("--server-log", help="write the server's log (stderr) to this file")
    parser.add_argument("--join-concurrency", type=int, default=20, help="joins in flight")
    parser.add_argument("--connect-concurrency", type=int, default=100, help="opens in flight")
    parser.add_argument(
        "--vote-connections", type=int, default=500, help="ballots in flight per generator process"
    )
    parser.add_argument(
        "--py-spy", help="profile the server with py-spy: PATH-feed.txt, PATH-votes.txt"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
