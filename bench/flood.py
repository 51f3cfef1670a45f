"""Does one flooding phone slow everyone else down? Honest participants' latency, with and
without a flooder, against the real server (`python -m assembly serve`) on SQLite.

    .venv/bin/python bench/flood.py [--honest 30] [--seconds 10] [--flood-concurrency 40]
        [--flood-cookies 20] [--only posts|address]

Prints one JSON line per scenario: honest request latency (p50/p95/p99/max, ms), honest
requests refused, and what the flooder sent and how much of it was refused (429). The
one-address scenarios measure honest feed reads (on other addresses, and one behind the
flooder's address) while one address with many fresh cookies reads the feed with 40 in flight.
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


# Issue 18.5: one address (a script, or a hall's Wi-Fi) with many fresh participant cookies,
# each its own caller with its own two requests in flight, reading the feed as fast as it can.
FLOOD_ADDRESS = "198.51.100.7"


async def address_flooder(
    base: str, seconds: float, concurrency: int, cookies: int, address: str
) -> dict[str, int]:
    """``concurrency`` feed reads in flight from ``address``, spread over ``cookies`` fresh
    participants (uvicorn takes X-Forwarded-For from 127.0.0.1 as the client address)."""
    headers = {"X-Forwarded-For": address}
    clients = []
    for _ in range(cookies):
        client = httpx.AsyncClient(base_url=base, timeout=60, headers=headers)
        await client.get("/e/demo")  # mints the participant cookie
        clients.append(client)
    counts = {"sent": 0, "refused": 0, "errors": 0}
    end = time.monotonic() + seconds

    async def worker(k: int) -> None:
        client = clients[k % len(clients)]
        while time.monotonic() < end:
            try:
                r = await client.get("/e/demo/w/feed")
            except httpx.TransportError:
                counts["errors"] += 1
                continue
            counts["sent"] += 1
            counts["refused"] += r.status_code >= 400

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    for client in clients:
        await client.aclose()
    return counts


async def reader(
    base: str, seconds: float, address: str, latencies: list[float], n: int, count: int
) -> None:
    """An honest participant at ``address`` whose page re-fetches the feed once a second."""
    async with httpx.AsyncClient(
        base_url=base, timeout=60, headers={"X-Forwarded-For": address}
    ) as client:
        await client.get("/e/demo")
        await asyncio.sleep(n / count)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            await client.get("/e/demo/w/feed")
            latencies.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(1.0)


async def address_scenario(args: argparse.Namespace, flood: bool) -> dict[str, object]:
    """Honest readers on their own addresses and one behind the flooder's, with and without
    the flood (run in its own process, so the readers' timings are not the generator's)."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = await start_server(Path(tmp) / "bench.db", port)
        base = f"http://127.0.0.1:{port}"
        try:
            # A feed worth reading: the demo's sessions and twenty contributions.
            poster, token = await participant(base)
            for i in range(20):
                data = {"kind": "idea", "text": f"a point worth reading, number {i} " * 4}
                await poster.post("/e/demo/contributions", data={**data, "csrf_token": token})
                poster.cookies.clear()
                poster, token = await participant(base)
            await poster.aclose()
            worker = None
            if flood:
                worker = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--address-flood-worker",
                    base,
                    str(args.seconds + 2),
                    str(args.flood_concurrency),
                    str(args.flood_cookies),
                    FLOOD_ADDRESS,
                    stdout=asyncio.subprocess.PIPE,
                )
                await asyncio.sleep(2)  # its cookies minted, its requests in flight
            elsewhere: list[float] = []
            same: list[float] = []
            await asyncio.gather(
                *(
                    reader(base, args.seconds, f"203.0.113.{n + 1}", elsewhere, n, args.honest)
                    for n in range(args.honest)
                ),
                reader(base, args.seconds, FLOOD_ADDRESS, same, 0, 1),
            )
            counts = {"sent": 0, "refused": 0, "errors": 0}
            if worker is not None:
                out, _ = await worker.communicate()
                counts = json.loads(out)
        finally:
            proc.terminate()
            proc.wait(10)
    return {
        "scenario": "one address, "
        + (
            f"{args.flood_cookies} cookies, {args.flood_concurrency} in flight"
            if flood
            else "no flood"
        ),
        "honest_readers": args.honest,
        "feed_p50_ms": pct(elsewhere, 0.50),
        "feed_p95_ms": pct(elsewhere, 0.95),
        "feed_max_ms": round(max(elsewhere), 1) if elsewhere else 0.0,
        "same_address_feed_p50_ms": pct(same, 0.50),
        "same_address_feed_p95_ms": pct(same, 0.95),
        "flood_sent": counts["sent"],
        "flood_refused": counts["refused"],
        "flood_transport_errors": counts["errors"],
    }


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
                    "--event",
                    "demo",
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
    if sys.argv[1:2] == ["--address-flood-worker"]:
        base, seconds, concurrency, cookies, address = sys.argv[2:]
        counts = asyncio.run(
            address_flooder(base, float(seconds), int(concurrency), int(cookies), address)
        )
        print(json.dumps(counts))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=30, help="honest participants")
    parser.add_argument("--seconds", type=float, default=10, help="length of each scenario")
    parser.add_argument(
        "--flood-concurrency", type=int, default=40, help="requests the flooder keeps in flight"
    )
    parser.add_argument(
        "--flood-cookies", type=int, default=20, help="fresh cookies of the one-address flood"
    )
    parser.add_argument(
        "--only",
        choices=["posts", "address"],
        help="run only the posting floods or only the one-address feed flood",
    )
    args = parser.parse_args()
    if args.only != "address":
        for flood in ("none", "one phone", "cookie-clearing script on the same network"):
            print(json.dumps(asyncio.run(scenario(args, flood))), flush=True)
    if args.only != "posts":
        for flooding in (False, True):
            print(json.dumps(asyncio.run(address_scenario(args, flooding))), flush=True)


if __name__ == "__main__":
    main()
