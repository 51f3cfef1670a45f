"""A Starlette websocket endpoint that pushes a hub's messages to one client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.protocol import State

from live.hub import Connection, DirectWrite, Hub, Message

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # an older uvicorn, or another server: every message goes through the queue
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]


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
        conn.offer(Message(f"<!--seq:{hub.sequence(conn.topics[0])}-->"))
    try:
        await websocket.accept()
        write = direct_write(websocket)
        if write is not None:
            conn.go_direct(write)
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


def direct_write(websocket: WebSocket) -> DirectWrite | None:
    """A function that writes a message to this accepted socket at once, or None when the
    server does not let us.

    Under uvicorn's websockets-sansio protocol (its default when ``websockets`` is installed)
    an ASGI send is a few coroutine layers around a synchronous ``transport.write``. A delivery
    to thousands of sockets then costs a queue, a task wake-up and those layers per socket; this
    writes the message's frame, built once, to each transport instead, the way ``websockets``'
    own ``broadcast()`` does. It uses the protocol's ``conn`` (the websockets state machine),
    ``transport`` and ``writable`` (cleared while the transport's buffer is above its high-water
    mark); ``tests/test_hub.py`` fails if an upgrade of uvicorn moves them.

    Needs ``ServerSendMiddleware`` outside anything that wraps a websocket's ``send``.
    """
    # The server's own send, a bound method of its protocol (see ServerSendMiddleware).
    protocol = getattr(websocket.scope.get(_SERVER_SEND), "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    ws = protocol.conn
    transport = protocol.transport
    writable = protocol.writable

    def write(message: Message) -> bool:
        if ws.state is not State.OPEN or transport.is_closing():
            return True  # closing: the reader is about to see the end
        if not writable.is_set():
            return False  # over 64 KiB waiting beyond the kernel's buffer: it fell behind
        if ws.extensions:  # permessage-deflate (WS_DEFLATE): compressed per socket
            ws.send_text(message.utf8)
            transport.write(b"".join(ws.data_to_send()))
        else:
            transport.write(message.frame)
        return True

    return write


_SERVER_SEND = "live.server_send"


class ServerSendMiddleware:
    """Keeps the ASGI server's own ``send`` in a websocket's scope, before any middleware or
    Starlette's exception handling wraps it, so ``direct_write`` can find the protocol."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[_SERVER_SEND] = send
        await self.app(scope, receive, send)


async def _read_until_closed(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _write(websocket: WebSocket, conn: Connection) -> None:
    # With a direct writer the queue only ever gets the closing None.
    while True:
        message = await conn.queue.get()
        if message is None:
            await websocket.close(conn.close_code)
            return
        await websocket.send_text(message.text)
