"""Fair share: one phone (or one script) cannot take the server away from everyone else.

Each caller (a signed participant or staff cookie, else the address) gets a few requests in
flight at once; the rest wait their turn without using the processor. A participant who was
just refused for going too fast is answered at once, before their request is even read.

Cookies cost nothing to mint, so each address also has a ceiling on what it has in flight,
whatever cookies it sends, shared fairly among its callers (``assembly/gate.py``). All of this
is per process.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assembly.gate import FairGate
from assembly.security import STAFF_COOKIE, cookies_of
from assembly.sockets import SocketCounts, serve_counted

PER_PERSON = 2  # requests in flight for one participant or facilitator
PER_ADDRESS = 8  # for callers without a valid cookie (a room shares one address)
# Requests one address may have in flight, all its callers together. A hall of several hundred
# phones shares one Wi-Fi address, but a process serves one request at a time and interleaves
# the rest: a vote burst of 500 phones is about 100 requests a second of ~10 ms each, one or two
# in flight on average, so a hall's bursts fit with room to spare (and wait, not fail, beyond
# it). What one address can take from everyone else's latency is this many requests' share of
# the processor.
ADDRESS_IN_FLIGHT = 16
PENALTY_SECONDS = 5.0  # after a 429, further posts are refused before being read
# A refused caller's answer is held back this long, in its own slot: a flood then costs the
# server a sleeping task instead of a busy processor, and slows only the flooder.
TARPIT_SECONDS = 1.0
PENALTY_HEADER = "x-assembly-penalty"  # set by the app on a 429 the caller earned; stripped here
_PENALTY_KEY = PENALTY_HEADER.encode()
_PENALTY = "You are sending requests faster than we can take them. Wait a minute, then try again."


@dataclass
class _Slot:
    semaphore: asyncio.Semaphore
    users: int = 0


@dataclass
class FairShare:
    """The shared state: per-caller slots, the short penalty box and open sockets."""

    slots: dict[str, _Slot] = field(default_factory=dict)
    gates: dict[str, FairGate] = field(default_factory=dict)  # per address, while in use
    sockets: SocketCounts = field(default_factory=SocketCounts)
    penalties: dict[str, float] = field(default_factory=dict)

    def penalise(self, caller: str) -> None:
        self.penalties[caller] = time.monotonic() + PENALTY_SECONDS
        if len(self.penalties) > 50_000:  # bounded, whatever a script invents
            self.penalties.pop(next(iter(self.penalties)))

    def penalised(self, caller: str) -> bool:
        until = self.penalties.get(caller)
        if until is None:
            return False
        if until < time.monotonic():
            del self.penalties[caller]
            return False
        return True


def address_of(scope: Scope) -> str:
    """The client's address (uvicorn's, from X-Forwarded-For when the proxy is trusted)."""
    client = scope.get("client")
    return client[0] if client else ""


def caller_of(scope: Scope) -> tuple[str, int]:
    """Who is calling: a verified participant or staff cookie, else the address."""
    signer = scope["state"]["app"].signer
    for name, value in cookies_of(scope).items():
        if name.startswith("asm_p"):
            pid = signer.participant_id(value)
            if pid:
                return f"p:{pid}", PER_PERSON
        elif name == STAFF_COOKIE:
            staff = signer.staff(value)
            if staff:
                return f"s:{staff[0]}", PER_PERSON
    return f"a:{address_of(scope)}", PER_ADDRESS


class FairShareMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Every socket route, whoever opens it: a few hundred per address (assembly/sockets.py).
            await serve_counted(self.app, scope["state"]["app"].fair.sockets, scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        share: FairShare = scope["state"]["app"].fair
        caller, limit = caller_of(scope)
        slot = share.slots.get(caller)
        if slot is None:
            slot = share.slots[caller] = _Slot(asyncio.Semaphore(limit))
        slot.users += 1
        penalise = False

        async def watch(message: Message) -> None:
            nonlocal penalise
            if message["type"] == "http.response.start" and any(
                k.lower() == _PENALTY_KEY for k, _ in message.get("headers", ())
            ):
                headers = MutableHeaders(scope=message)
                if PENALTY_HEADER in headers:
                    penalise = True
                    del headers[PENALTY_HEADER]
            await send(message)

        try:
            async with slot.semaphore:
                if scope["method"] == "POST" and share.penalised(caller):
                    # In the caller's own slot only: a tarpit never holds the address's places.
                    await asyncio.sleep(TARPIT_SECONDS)
                    await _refuse(scope, send)
                    return
                address = address_of(scope)
                gate = share.gates.get(address)
                if gate is None:
                    gate = share.gates[address] = FairGate(ADDRESS_IN_FLIGHT)
                try:
                    await gate.acquire(caller)
                    try:
                        await self.app(scope, receive, watch)
                    finally:
                        gate.release(caller)
                finally:
                    if gate.idle() and share.gates.get(address) is gate:
                        del share.gates[address]
        finally:
            slot.users -= 1
            if slot.users == 0:
                del share.slots[caller]
            if penalise:
                share.penalise(caller)


async def _refuse(scope: Scope, send: Send) -> None:
    """A 429 with the sentence, as htmx's status line or as a small page; nothing is read."""
    htmx = (b"hx-request", b"true") in scope.get("headers", [])
    if htmx:
        body = (
            f'<div id="flash" hx-swap-oob="innerHTML"><p class="flash error">{_PENALTY}</p></div>'
        )
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"hx-reswap", b"none")]
    else:
        body = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Too fast</title>'
            f'<link rel="stylesheet" href="/static/app.css"><main class="page narrow">'
            f'<p class="flash error" role="alert">{_PENALTY}</p></main></html>'
        )
        headers = [(b"content-type", b"text/html; charset=utf-8")]
    data = body.encode()
    headers += [(b"retry-after", b"60"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": data})
