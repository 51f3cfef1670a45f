"""The floor for one POST: a bare Starlette app under uvicorn, driven like `load.py` drives ballots.

    .venv/bin/python bench/floor_post.py [--requests 5000] [--concurrency 50] [--clients 1]

The app reads a small form and answers a short HTML fragment; uvicorn runs with the options
`assembly serve` uses. The client is the one `load.py` uses (httpx2, a closed loop with
``--concurrency`` requests in flight, in each of ``--clients`` processes). Prints one JSON line:
server CPU per request (from /proc), requests per second and latency percentiles. Whatever a
ballot costs above this is ours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time

import httpx2 as httpx

APP = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

async def post(request):
    form = await request.form()
    return HTMLResponse(f'<p class="mine">You voted for {form.get("option", "")}.</p>')

app = Starlette(routes=[Route("/e/{event}/polls/{poll}/ballot", post, methods=["POST"])])
"""


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(base: str, requests: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    todo = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, trust_env=False, limits=limits) as http:

        async def loop() -> None:
            for k in todo:
                sent = time.monotonic()
                r = await http.post(
                    "/e/demo/polls/1/ballot",
                    data={"option": str(k % 3), "csrf_token": "x" * 32},
                    headers={"cookie": "asm_csrf=" + "y" * 60, "hx-request": "true"},
                )
                r.raise_for_status()
                latencies.append((time.monotonic() - sent) * 1000)

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies


def client_process(base: str, requests: int, concurrency: int) -> list[float]:
    return asyncio.run(drive(base, requests, concurrency))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50, help="in flight per client")
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Same uvicorn options as `assembly serve` (assembly/cli.py), access log off as by default.
    code = APP + (
        "import uvicorn\n"
        f"uvicorn.run(app, host='127.0.0.1', port={port}, proxy_headers=True,"
        " ws_per_message_deflate=False, access_log=False, log_level='warning')\n"
    )
    server = subprocess.Popen([sys.executable, "-c", code])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                time.sleep(0.1)
        asyncio.run(drive(base, 500, args.concurrency))  # warm up
        share = [(base, args.requests // args.clients, args.concurrency)] * args.clients
        with multiprocessing.Pool(args.clients) as pool:
            cpu0, wall0 = cpu_seconds(server.pid), time.monotonic()
            results = pool.starmap(client_process, share)
            cpu1, wall1 = cpu_seconds(server.pid), time.monotonic()
        latencies = sorted(x for r in results for x in r)
    finally:
        server.terminate()
        server.wait(10)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    print(
        json.dumps(
            {
                "scenario": "floor: bare Starlette POST",
                "requests": len(latencies),
                "clients": args.clients,
                "concurrency": args.concurrency,
                "server_cpu_ms_per_request": round((cpu1 - cpu0) * 1000 / len(latencies), 3),
                "requests_per_s": round(len(latencies) / (wall1 - wall0)),
                "server_cpu_share": round((cpu1 - cpu0) / (wall1 - wall0), 2),
                "p50_ms": pct(0.5),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
