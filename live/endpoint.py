"""A Starlette websocket endpoint that pushes a hub's messages to one client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from starlette.websockets import WebSocket, WebSocketDisconnect

from live.hub import Connection, Hub


async def serve_websocket(websocket: WebSocket, hub: Hub, topics: Iterable[str]) -> None:
    """Accept ``websocket`` and push every message on ``topics`` until either side ends.

    The socket is push-only: anything the client sends is read and ignored, so a disconnect is
    noticed at once. Reader and writer run together and the first to finish cancels the other.
    """
    # Subscribe first: a message published while the handshake completes is queued, not lost.
    conn = hub.connect(topics)
    # The first message is <!--seq:N-->, how many messages the first topic had seen here (read
    # with no await since subscribing): a page rendered at a smaller number missed something
    # between its render and its socket, and re-fetches its widgets.
    if conn.topics:
        conn.offer(f"<!--seq:{hub.sequence(conn.topics[0])}-->")
    try:
        await websocket.accept()
        async with asyncio.TaskGroup() as tg:
            reader = tg.create_task(_read_until_closed(websocket))
            writer = tg.create_task(_write(websocket, conn))
            reader.add_done_callback(lambda _: writer.cancel())
            writer.add_done_callback(lambda _: reader.cancel())
    except* (WebSocketDisconnect, OSError, RuntimeError):
        # The client went away mid-send: nothing to clean up beyond the hub entry.
        pass
    finally:
        hub.disconnect(conn)


async def _read_until_closed(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _write(websocket: WebSocket, conn: Connection) -> None:
    while True:
        data = await conn.queue.get()
        if data is None:
            await websocket.close(conn.close_code)
            return
        await websocket.send_text(data)
