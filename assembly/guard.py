"""Access that ends: a live socket closes within a second of the credential it was opened with.

A console socket is opened with a facilitator's login (account and login nonce); a big screen's
with a login or with the event's screen key. Each socket carries that credential as a hub label.
Every ``INTERVAL`` seconds, while such sockets are open in this process, one read finds the
current nonces and keys, and the sockets whose credential is gone are closed: after a logout, a
new password, a removed account or a changed screen address, whichever process or command made
the change. Reading the database, not a broker message, is what makes the CLI's changes count.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import literal, select, union_all

from assembly.db import Database
from assembly.models import Event, FacilitatorAccount
from live import CLOSE_POLICY, Hub

log = logging.getLogger(__name__)

INTERVAL = 0.5


def staff_label(account_id: int, login_nonce: str) -> str:
    """The label of a socket opened with this login."""
    return f"staff:{account_id}:{login_nonce}"


def screen_label(event_id: int, key: str) -> str:
    """The label of a big screen's socket opened with this screen key."""
    return f"screen:{event_id}:{key}"


def _parse(label: str) -> tuple[str, int, str] | None:
    kind, _, rest = label.partition(":")
    ident, _, secret = rest.partition(":")
    if kind not in ("staff", "screen") or not ident.isdigit():
        return None
    return kind, int(ident), secret


class Guard:
    """Closes this process's sockets whose credential was revoked (see the module's doc)."""

    def __init__(self, hub: Hub, db: Database, interval: float = INTERVAL) -> None:
        self.hub = hub
        self.db = db
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="guard")

    async def stop(self) -> None:
        """Stop looking, after the sweep under way (if any) ends: cancelling a query midway
        would leave the database driver's thread answering a loop that may be closed."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        self._task = None

    async def sweep(self) -> int:
        """Close every local socket whose login or screen key is no longer current; how many."""
        held: dict[str, tuple[str, int, str]] = {}
        for label in self.hub.labels():
            parsed = _parse(label)
            if parsed is not None:
                held[label] = parsed
        if not held:
            return 0  # no query while no console or screen is open here
        accounts = {i for kind, i, _ in held.values() if kind == "staff"}
        events = {i for kind, i, _ in held.values() if kind == "screen"}
        # One Core statement on a bare connection: this runs twice a second for as long as a
        # console is open, so no ORM session and one round trip to the database's thread.
        query = union_all(
            select(literal("staff"), FacilitatorAccount.id, FacilitatorAccount.login_nonce).where(
                FacilitatorAccount.id.in_(accounts or {0})
            ),
            select(literal("screen"), Event.id, Event.screen_key).where(
                Event.id.in_(events or {0})
            ),
        )
        async with self.db.engine.connect() as conn:
            current = {(kind, i): secret for kind, i, secret in await conn.execute(query)}
        closed = 0
        for label, (kind, ident, secret) in held.items():
            if current.get((kind, ident)) != secret:
                closed += self.hub.close_labelled(label, CLOSE_POLICY)
        return closed

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
                return
            except TimeoutError:
                pass
            try:
                await self.sweep()
            except Exception:  # a database hiccup must not end revocation for good
                log.exception("could not check the open consoles' and screens' access")
