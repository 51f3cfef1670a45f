"""How many sockets one person and one address may hold open, in this process.

A socket costs the server memory for as long as it stays open (about 40 KB each, most of it the
server's buffers), and the console counts the people behind them. Without a cap one script
could open thousands. Over a cap, the new socket is accepted and closed at once with 1008
(policy violation) and a sentence: the page's websocket extension reconnects on 1006 and
1011-1013 only, so a refused page stays quiet and shows the sentence instead of retrying.

The counts are per process: with ``--workers N`` one person or address may hold up to N times
the cap. That still bounds a flood by the number of processes, and needs no round trip to
Redis on every connect.
"""

from __future__ import annotations

from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

# A page holds one socket, and a participant cookie belongs to one browser: this is tabs and
# windows of one event, which people do open, but not dozens.
PER_PARTICIPANT = 5
# A whole hall shares one Wi-Fi address: a large public meeting has several hundred phones, plus
# the big screens and the facilitators' laptops. 1,500 sockets is about 60 MB of the server's
# memory at worst; a flood from one address stops there, never at the hall's size.
PER_ADDRESS = 1_500
CLOSE_TOO_MANY = 1008

TOO_MANY_TABS = "This event is open in too many tabs here. Close one, then reload this page."
TOO_MANY_HERE = "Too many live pages from this network. Reload this page in a few minutes."


class SocketCounts:
    """Open sockets per key (``a:{address}``, ``p:{participant id}``)."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def take(self, key: str, cap: int) -> bool:
        """Count one more socket for ``key``, unless it already has ``cap``."""
        if self._open[key] >= cap:  # (reading a Counter adds no key)
            return False
        self._open[key] += 1
        return True

    def give_back(self, key: str) -> None:
        """A socket counted by ``take`` closed."""
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def __len__(self) -> int:
        return len(self._open)


async def refuse(receive: Receive, send: Send, reason: str) -> None:
    """Accept a socket only to close it at once with ``CLOSE_TOO_MANY`` and ``reason``.

    Refusing the handshake instead would reach the page as 1006, which it retries."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_TOO_MANY, "reason": reason})


async def serve_counted(
    app: ASGIApp, counts: SocketCounts, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run a websocket ``scope`` through ``app`` if its address has room for one more."""
    client = scope.get("client")
    key = f"a:{client[0] if client else ''}"
    if not counts.take(key, PER_ADDRESS):
        await refuse(receive, send, TOO_MANY_HERE)
        return
    try:
        await app(scope, receive, send)
    finally:
        counts.give_back(key)
