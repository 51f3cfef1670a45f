"""Server CPU per ballot, without the sockets: the real server, a cheap raw-HTTP client.

    .venv/bin/python bench/ballot_cpu.py [--kind single] [--participants 300] [--ballots 6000]
        [--concurrency 60] [--py-spy FILE.svg]

Starts the server as `load.py` does (SQLite, `RATE_LIMIT_SCALE=0`), joins ``--participants``
phones with httpx (each with its cookies and CSRF token), opens the demo's first poll of
``--kind`` and then sends the ballots from ``--concurrency`` keep-alive connections, each a
closed loop, as prebuilt HTTP/1.1 bytes: the client costs a few tens of µs per ballot, not the
1.7 ms of httpx, so it leaves the server a core on a 2-core machine. Ballot k comes from
participant k mod P (people change their vote), carries its own idempotency key as the
phone's form does, and is an htmx post (the reply is the poll widget). Prints one JSON line:
server CPU per ballot (from /proc), ballots per second, latency percentiles and the stored
ballots against the acknowledged voters. No socket is open, so no tally is fanned out: this is
the cost of the ballot itself (its request, group commit and reply) plus the coalesced tally
renders. `--py-spy FILE.svg` records a flame graph of the server while the ballots go in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (the sibling script: server start, joining, opening a poll)


def request_bytes(port: int, path: str, person: load.Person, form: dict[str, Any]) -> bytes:
    body = urlencode(
        {**form, "csrf_token": person.token, "idempotency_key": secrets.token_urlsafe(12)},
        doseq=True,
    ).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {person.header}\r\n"
        "HX-Request: true\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def drive(port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], dict]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    todo = iter(requests)

    async def loop() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for raw in todo:
                sent = time.monotonic()
                writer.write(raw)
                status = await read_response(reader)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                latencies.append((time.monotonic() - sent) * 1000)
        finally:
            writer.close()

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies, statuses


async def scenario(args: argparse.Namespace, port: int, server_pid: int, db_file: Path) -> dict:
    base = f"http://127.0.0.1:{port}"
    http = load.client(base)
    staff, _ = await load.facilitator(http)
    people = [load.Person(i) for i in range(args.participants)]
    sem = asyncio.Semaphore(20)

    async def join(p: load.Person) -> None:
        async with sem:
            await p.join(http, None)

    await asyncio.gather(*(join(p) for p in people))
    poll_id, page = await load.open_poll_of_kind(http, staff, people[0], args.kind)
    options = load.options_on(page, args.kind)
    places = load.places_on(page)
    await http.aclose()
    cmd = {"kind": args.kind, "options": options, "places": places}
    path = f"/e/demo/polls/{poll_id}/ballot"
    n = len(people)
    warm = [request_bytes(port, path, people[k % n], load.ballot(cmd, k)) for k in range(300)]
    await drive(port, warm, args.concurrency)
    requests = [
        request_bytes(port, path, people[k % n], load.ballot(cmd, k // n + k))
        for k in range(args.ballots)
    ]
    spy = None
    if args.py_spy:
        spy = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "-p",
            str(server_pid),
            "-o",
            args.py_spy,
            "--format",
            "raw" if args.py_spy.endswith(".txt") else "flamegraph",
            "--rate",
            "250",
            "--nonblocking",
            "--gil",  # only the thread doing Python work, not threads waiting on queues
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(1)
    cpu0, wall0 = load.cpu_seconds([server_pid]), time.monotonic()
    latencies, statuses = await drive(port, requests, args.concurrency)
    cpu1, wall1 = load.cpu_seconds([server_pid]), time.monotonic()
    if spy is not None:
        spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
        await spy.wait()
    await asyncio.sleep(0.5)
    stored = await load.count_ballots("", db_file, poll_id)
    return {
        "scenario": "ballot cpu",
        "kind": args.kind,
        "participants": n,
        "ballots": len(latencies),
        "concurrency": args.concurrency,
        "statuses": statuses,
        "server_cpu_ms_per_ballot": round((cpu1 - cpu0) * 1000 / max(1, len(latencies)), 3),
        "ballots_per_s": round(len(latencies) / (wall1 - wall0)),
        "server_cpu_share": round((cpu1 - cpu0) / (wall1 - wall0), 2),
        **load.summary("ack", latencies),
        "stored_ballots": sum(stored.values()),
        "voters": min(n, args.ballots),
    }


async def run(args: argparse.Namespace) -> None:
    load.raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        port = load.free_port()
        db_file = Path(tmp) / "ballots.db"
        env = load.server_env(args, f"sqlite+aiosqlite:///{db_file}", port)
        server = await load.start_server(args, env, port)
        try:
            print(json.dumps(await scenario(args, port, server.pid, db_file)), flush=True)
        finally:
            server.terminate()
            with contextlib.suppress(Exception):
                server.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=load.KINDS, default="single")
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--ballots", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=60, help="connections in flight")
    parser.add_argument("--py-spy", help="record the server: FILE.svg flame graph, FILE.txt raw")
    args = parser.parse_args()
    args.broker = None
    args.workers = None
    args.server_log = None
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
