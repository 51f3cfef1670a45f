"""Does one flooding phone slow everyone else down? Honest participants' latency, with and
without a flooder, against the real server (`python -m assembly serve`) on SQLite.

    .venv/bin/python bench/flood.py [--honest 30] [--seconds 10] [--flood-concurrency 40]

Prints one JSON line per scenario: honest request latency (p50/p95/p99/max, ms), honest
requests refused, and what the flooder sent and how much of it was refused (429).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "PORT": str(port)}
    subprocess.run(
        [sys.executable, "-m", "assembly", "demo", "--quiet"], env=env, check=True, cwd=ROOT
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "assembly", "serve", "--no-demo"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    async with httpx.AsyncClient() as c, asyncio.timeout(30):
        while True:
            try:
                if (await c.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return proc
            except httpx.TransportError:
                await asyncio.sleep(0.05)


async def open_poll(base: str, password: str) -> tuple[int, list[int]]:
    async with httpx.AsyncClient(base_url=base) as staff:
        token = CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
        await staff.post(
            "/login",
            data={
                "username": "facilitator",
                "password": password,
                "next": "/",
                "csrf_token": token,
            },
        )
        console = (await staff.get("/console/demo")).text
        token = CSRF.search(console).group(1)  # type: ignore[union-attr]
        poll = re.findall(r"/polls/(\d+)/open", console)[0]
        await staff.post(f"/console/demo/polls/{poll}/open", data={"csrf_token": token})
        page = (await staff.get("/e/demo")).text
        return int(poll), [int(o) for o in re.findall(r'name="option" value="(\d+)"', page)]


async def participant(base: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/e/demo")
    return client, CSRF.search(page.text).group(1)  # type: ignore[union-attr]


async def honest(
    base: str,
    poll: int,
    options: list[int],
    seconds: float,
    latencies: list[float],
    refused: list[int],
    n: int,
) -> None:
    client, token = await participant(base)
    await asyncio.sleep(n / 30 % 1.0)  # people do not all press at the same instant
    end = time.monotonic() + seconds
    i = 0
    try:
        while time.monotonic() < end:
            if i % 3 == 0:  # a contribution every 3 s, a vote change every second
                path, data = "/e/demo/contributions", {"kind": "idea", "text": f"honest {n}.{i}"}
            else:
                path, data = (
                    f"/e/demo/polls/{poll}/ballot",
                    {"option": str(options[i % len(options)])},
                )
            t = time.perf_counter()
            r = await client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
            latencies.append((time.perf_counter() - t) * 1000)
            if r.status_code >= 400:
                refused.append(r.status_code)
            i += 1
            await asyncio.sleep(1.0)  # the honest pace
    finally:
        await client.aclose()


async def flooder(
    base: str,
    poll: int,
    options: list[int],
    seconds: float,
    concurrency: int,
    counts: dict[str, int],
    cookies: bool,
) -> None:
    clients = [await participant(base) for _ in range(1 if cookies else 0)]
    end = time.monotonic() + seconds

    async def worker(k: int) -> None:
        if cookies:
            client, token = clients[0]
        else:
            client, token = await participant(base)
        while time.monotonic() < end:
            try:
                r = await client.post(
                    "/e/demo/contributions",
                    data={"kind": "idea", "text": "SPAM " * 50, "csrf_token": token},
                    follow_redirects=False,
                )
            except httpx.TransportError:
                counts["errors"] += 1
                continue
            counts["sent"] += 1
            counts["refused"] += r.status_code == 429
            if not cookies:
                client.cookies.delete(
                    next((c for c in client.cookies if c.startswith("asm_p")), "none")
                )
        if not cookies:
            await client.aclose()

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    for client, _ in clients:
        await client.aclose()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else 0.0


async def scenario(args: argparse.Namespace, flood: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        db = Path(tmp) / "bench.db"
        password = "bench-password"
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
        proc = await start_server(db, port)
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "assembly",
                    "user",
                    "add",
                    "facilitator",
                    "--password",
                    password,
                ],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            poll, options = await open_poll(base, password)
            latencies: list[float] = []
            refused: list[int] = []
            counts = {"sent": 0, "refused": 0, "errors": 0}
            tasks = [
                honest(base, poll, options, args.seconds, latencies, refused, n)
                for n in range(args.honest)
            ]
            if flood != "none":
                tasks.append(
                    flooder(
                        base,
                        poll,
                        options,
                        args.seconds,
                        args.flood_concurrency,
                        counts,
                        cookies=flood == "one phone",
                    )
                )
            await asyncio.gather(*tasks)
        finally:
            proc.terminate()
            proc.wait(10)
    return {
        "scenario": f"flood: {flood}",
        "honest_participants": args.honest,
        "honest_requests": len(latencies),
        "honest_p50_ms": pct(latencies, 0.50),
        "honest_p95_ms": pct(latencies, 0.95),
        "honest_p99_ms": pct(latencies, 0.99),
        "honest_max_ms": round(max(latencies), 1) if latencies else 0.0,
        "honest_mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
        "honest_refused": len(refused),
        "flood_sent": counts["sent"],
        "flood_refused_429": counts["refused"],
        "flood_transport_errors": counts["errors"],
    }


def flood_worker(argv: list[str]) -> None:
    base, poll, seconds, concurrency, mode = argv
    counts = {"sent": 0, "refused": 0, "errors": 0}
    asyncio.run(
        flooder(
            base, int(poll), [], float(seconds), int(concurrency), counts, cookies=mode == "cookies"
        )
    )
    print(json.dumps(counts))


def main() -> None:
    if sys.argv[1:2] == ["--flood-worker"]:
        flood_worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=30, help="honest participants")
    parser.add_argument("--seconds", type=float, default=10, help="length of each scenario")
    parser.add_argument(
        "--flood-concurrency", type=int, default=40, help="requests the flooder keeps in flight"
    )
    args = parser.parse_args()
    for flood in ("none", "one phone", "cookie-clearing script on the same network"):
        print(json.dumps(asyncio.run(scenario(args, flood))), flush=True)


if __name__ == "__main__":
    main()
