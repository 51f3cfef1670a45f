"""Slow networks join fast (issue 13, point 4): a phone on an emulated slow link, against the
real server (`python -m assembly serve --no-demo` on a fresh SQLite file), in Chromium.

    .venv/bin/python bench/slow_network.py [--kbit 400] [--latency 400] [--runs 3]

Chromium's own network emulation (CDP ``Network.emulateNetworkConditions``: ``--kbit`` down and
up, ``--latency`` ms added to every round trip) on a 360x740 phone. Two figures, each cold (a
browser that has never seen the server) and warm (the same browser again, its cache kept):

- ``join_to_sent``: from opening the room QR's address (``/j/{code}``) to the first
  contribution shown as sent (the page's "Sent." line); the typing itself is not counted.
- ``page_load``: ``/e/demo`` until its load event (styles and scripts in).

With each: what came over the network (not from the cache), and its bytes on the wire.
Targets: join_to_sent <= 15 s, page_load <= 5 s. Prints one JSON line per run and a summary.
"""

from __future__ import annotations

import argparse
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
from typing import Any

import httpx2 as httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'<p class="code">([^<]+)</p>')
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(directory: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory}/bench.db",
        "PORT": str(port),
    }

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
    proc = subprocess.Popen(
        [sys.executable, "-m", "assembly", "serve", "--no-demo"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def room_code(base: str) -> str:
    """The code the big screen shows now (the screen is for the event's team)."""
    with httpx.Client(base_url=base) as staff:
        token = CSRF.search(staff.get("/login").text)
        assert token, "no CSRF token on the login page"
        staff.post(
            "/login",
            data={"username": "facilitator", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        found = CODE.search(staff.get("/screen/demo").text)
    assert found, "no room code on the big screen"
    return found.group(1).strip()


class Link:
    """One page's emulated slow link, and what came over it (not from the cache)."""

    def __init__(self, page: Page, kbit: int, latency: int) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        rate = kbit * 1000 / 8  # bytes a second
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )
        self.urls: dict[str, str] = {}
        self.fetched: list[str] = []
        self.bytes = 0
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        self.urls[event["requestId"]] = url.split("/", 3)[-1].split("?")[0]

    def _finished(self, event: dict[str, Any]) -> None:
        # Bytes on the wire: none for what the cache answered (a 304 still costs its headers).
        size = int(event.get("encodedDataLength", 0))
        if size > 0:
            self.fetched.append("/" + self.urls.get(event["requestId"], "?"))
            self.bytes += size

    def reset(self) -> dict[str, Any]:
        figures = {"fetched": self.fetched, "bytes": self.bytes}
        self.fetched = []
        self.bytes = 0
        return figures


def join_to_sent(page: Page, link: Link, base: str, code: str, n: int) -> dict[str, Any]:
    link.reset()
    started = time.perf_counter()
    page.goto(f"{base}/j/{code}", wait_until="domcontentloaded")  # deferred scripts have run
    page.check("#contribute input[name=kind][value=idea]")
    page.fill("#text", f"From a slow phone in the hall, number {n}.")
    page.click("#contribute button[type=submit]")
    page.locator("#flash .flash", has_text="Sent.").wait_for(timeout=60000)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), **link.reset()}


def page_load(page: Page, link: Link, base: str) -> dict[str, Any]:
    link.reset()
    started = time.perf_counter()
    page.goto(f"{base}/e/demo", wait_until="load", timeout=60000)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), **link.reset()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kbit", type=int, default=400, help="down and up, kbit/s")
    parser.add_argument("--latency", type=int, default=400, help="added round trip, ms")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        server = start_server(directory, port)
        try:
            code = room_code(base)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                for run in range(args.runs):
                    for scenario in ("join_to_sent", "page_load"):
                        context = browser.new_context(**PHONE)  # cold: an empty cache
                        page = context.new_page()
                        link = Link(page, args.kbit, args.latency)
                        for visit in ("cold", "warm"):
                            if scenario == "join_to_sent":
                                figures = join_to_sent(page, link, base, code, run)
                            else:
                                figures = page_load(page, link, base)
                            name = f"{scenario} {visit}"
                            results.setdefault(name, []).append(figures["seconds"])
                            print(json.dumps({"scenario": name, "run": run, **figures}))
                        context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    summary = {
        name: {"median_s": statistics.median(v), "max_s": max(v)} for name, v in results.items()
    }
    targets = {"join_to_sent": 15.0, "page_load": 5.0}
    print(
        json.dumps(
            {
                "network": {"kbit": args.kbit, "latency_ms": args.latency},
                "summary": summary,
                "within_target": all(
                    s["max_s"] <= targets[name.split()[0]] for name, s in summary.items()
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
