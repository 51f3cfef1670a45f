"""A Starlette websocket endpoint that pushes a hub's messages to one client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.protocol import State

from live.hub import Connection, Hub, Message, Sink

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # an older uvicorn, or another server: every message goes through a queue
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]


async def serve_websocket(
    websocket: WebSocket, hub: Hub, topics: Iterable[str], labels: Iterable[str] = ()
) -> None:
    """Accept ``websocket`` and push every message on ``topics`` until either side ends;
    ``hub.close_labelled`` with one of ``labels`` closes it.

    The socket is push-only: anything the client sends is read and ignored, so a disconnect is
    noticed at once.
    """
    # Subscribe first: a message published while the handshake completes is kept, not lost.
    conn = hub.connect(topics, labels)
    # The first message is <!--seq:N-->, how many messages the first topic had seen here (read
    # with no await since subscribing): a page rendered at a smaller number missed something
    # between its render and its socket, and re-fetches its widgets.
    if conn.topics:
        conn.offer(Message(f"<!--seq:{hub.sequence(conn.topics[0])}-->"))
    try:
        await websocket.accept()
        write = direct_write(websocket)
        if write is not None:
            await _serve_direct(websocket, conn, write)
        else:
            await _serve_queued(websocket, conn, hub.max_queue)
    except* (WebSocketDisconnect, OSError, RuntimeError):
        # The client went away mid-send: nothing to clean up beyond the hub entry.
        pass
    finally:
        hub.disconnect(conn)


async def _serve_direct(websocket: WebSocket, conn: Connection, write: Sink) -> None:
    # The hub writes; this task only reads, and a close the hub asks for runs as its own task
    # (it may wait for a slow client's buffer to drain). No queue, no writer task: an idle
    # socket costs only this suspended coroutine.
    closer: list[asyncio.Task[None]] = []
    conn.attach(write, lambda code: closer.append(asyncio.create_task(websocket.close(code))))
    try:
        await _read_until_closed(websocket)
    finally:
        for task in closer:
            if not task.done():
                task.cancel()
            with contextlib.suppress(
                asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError
            ):
                await task


async def _serve_queued(websocket: WebSocket, conn: Connection, max_queue: int) -> None:
    # Any other server: a bounded queue and a writer task that awaits each send. Reader and
    # writer run together and the first to finish cancels the other.
    queue: asyncio.Queue[Message | None] = asyncio.Queue(max_queue)

    def put(message: Message) -> bool:
        try:
            queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def close(code: int) -> None:
        # Make room for the sentinel: the writer must wake up even when the queue is full.
        while queue.full():
            queue.get_nowait()
        queue.put_nowait(None)

    conn.attach(put, close)
    async with asyncio.TaskGroup() as tg:
        reader = tg.create_task(_read_until_closed(websocket))
        writer = tg.create_task(_write(websocket, conn, queue))
        reader.add_done_callback(lambda _: writer.cancel())
        writer.add_done_callback(lambda _: reader.cancel())


def direct_write(websocket: WebSocket) -> Sink | None:
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


async def _write(
    websocket: WebSocket, conn: Connection, queue: asyncio.Queue[Message | None]
) -> None:
    while True:
        message = await queue.get()
        if message is None:
            await websocket.close(conn.close_code)
            return
        await websocket.send_text(message.text)
