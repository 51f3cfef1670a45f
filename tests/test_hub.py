"""live/: the hub's bounded queues, the memory broker, the coalescer and the endpoint."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from live import (
    Coalescer,
    Hub,
    MemoryBroker,
    ServerSendMiddleware,
    broker_from_url,
    serve_websocket,
)
from live.hub import CLOSE_SLOW
from tests.conftest import LiveServer


def test_publish_reaches_each_subscriber_of_the_topic_only() -> None:
    async def main() -> None:
        hub = Hub(MemoryBroker())
        await hub.start()
        a, b = hub.connect(["t1"]), hub.connect(["t1", "t2"])
        await hub.publish("t1", "one")
        await hub.publish("t2", "two")
        assert not a.pending  # not inline: the publisher's request is answered first
        await _delivered()
        # Before a sink is attached (the socket's handshake), messages wait in order.
        assert [m.text for m in a.pending] == ["one"]
        assert [m.text for m in b.pending] == ["one", "two"]
        assert a.pending[0] is b.pending[0]  # one message object, encoded once for both
        got: list[str] = []
        b.attach(lambda m: got.append(m.text) is None, lambda code: None)
        await hub.publish("t2", "three")
        await _delivered()
        assert got == ["one", "two", "three"] and not b.pending
        hub.disconnect(a)
        assert hub.count("t1") == 1
        await hub.stop()

    asyncio.run(main())


def test_a_client_that_falls_behind_is_closed_not_waited_for() -> None:
    async def main() -> None:
        hub = Hub(MemoryBroker(), max_queue=3)
        await hub.start()
        closed: list[int] = []
        waiting, full, fine = hub.connect(["t"]), hub.connect(["t"]), hub.connect(["t"])
        accepted: list[str] = []
        full.attach(lambda m: len(accepted) < 2 and accepted.append(m.text) is None, closed.append)
        fine.attach(lambda m: True, closed.append)
        for i in range(4):
            await hub.publish("t", str(i))
        await _delivered()
        # Still in its handshake: three messages waited, the fourth was one too many.
        assert waiting.closing and waiting.close_code == CLOSE_SLOW and not waiting.pending
        # Its sink refused the third message: closed once, and nothing more offered to it.
        assert full.closing and accepted == ["0", "1"] and closed == [CLOSE_SLOW]
        assert not fine.closing
        # A connection closed during its handshake is closed as soon as it is attached.
        waiting.attach(lambda m: True, closed.append)
        assert closed == [CLOSE_SLOW, CLOSE_SLOW]
        await hub.stop()

    asyncio.run(main())


async def _delivered() -> None:
    # The memory broker delivers from the event loop's next turn (call_soon), in order.
    await asyncio.sleep(0)


def test_unknown_broker_url_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="memory://"):
        broker_from_url("kafka://x")
    assert isinstance(broker_from_url("memory://"), MemoryBroker)


def test_coalescer_flushes_a_burst_once_with_every_key() -> None:
    async def main() -> list[set[int]]:
        flushed: list[set[int]] = []

        async def flush(keys: set[int]) -> None:
            flushed.append(set(keys))

        c: Coalescer[int] = Coalescer(flush, interval=0.05)
        await c.start()
        c.mark(1)
        await c.drained()
        for i in range(1000):
            c.mark(i % 3)
        await c.drained()
        await c.stop()
        return flushed

    flushed = asyncio.run(main())
    assert flushed[0] == {1}
    assert set().union(*flushed[1:]) == {0, 1, 2}
    assert len(flushed) <= 3  # a thousand marks, not a thousand flushes


def test_endpoint_pushes_published_messages_and_forgets_closed_sockets() -> None:
    hub = Hub(MemoryBroker())

    async def ws(websocket: WebSocket) -> None:
        await serve_websocket(websocket, hub, ["news"])

    async def publish(request: object) -> object:
        from starlette.responses import PlainTextResponse

        await hub.publish("news", "hello")
        return PlainTextResponse(str(hub.count("news")))

    app = Starlette(routes=[WebSocketRoute("/ws", ws), Route("/pub", publish)])
    with TestClient(app) as client:
        client.portal.call(hub.start)
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "<!--seq:0-->"  # nothing published on it yet
            assert client.get("/pub").text == "1"
            assert socket.receive_text() == "hello"
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "<!--seq:1-->"  # one message since
        # After the client leaves, its subscription is gone.
        assert client.get("/pub").text == "0"


def test_close_all_closes_every_connection_with_the_code() -> None:
    async def main() -> None:
        hub = Hub(MemoryBroker())
        conns = [hub.connect(["a"]), hub.connect(["a", "b"]), hub.connect(["c"])]
        closed: list[int] = []
        conns[1].attach(lambda m: True, closed.append)
        hub.close_all(CLOSE_SLOW)
        assert all(c.closing and c.close_code == CLOSE_SLOW for c in conns)
        assert closed == [CLOSE_SLOW]  # once, though conns[1] is on two topics

    asyncio.run(main())


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_real_uvicorn_gets_frames_directly_and_a_reader_that_stalls_is_closed(
    deflate: bool,
) -> None:
    """Under the real server each socket takes the message's frames straight from the hub (one
    frame built per message, or compressed per socket when deflate was negotiated). A client
    that stops reading is closed with 1013 once the server's buffer for it fills, while the
    one that reads gets every message in order."""
    hub = Hub(MemoryBroker())

    async def ws(websocket: WebSocket) -> None:
        await serve_websocket(websocket, hub, ["t"])

    # The test delivers itself: no broker needed.
    app = Starlette(
        routes=[WebSocketRoute("/ws", ws)], middleware=[Middleware(ServerSendMiddleware)]
    )
    chunk = base64.b64encode(os.urandom(49_152)).decode()  # 64 KiB that deflate cannot shrink

    async def main(server: LiveServer) -> None:
        url = server.url.replace("http", "ws") + "/ws"
        compression = "deflate" if deflate else None
        # max_queue=1: the stalled client's library stops reading after one unread message.
        slow = await connect(url, compression=compression, max_queue=1)
        fast = await connect(url, compression=compression)

        def on_server(fn: Callable[[], object]) -> object:
            return asyncio.run_coroutine_threadsafe(_call(fn), server.loop).result(5)

        conns = on_server(lambda: list(hub._by_topic["t"]))  # two, in no particular order
        assert isinstance(conns, list) and all(c.sink is not None for c in conns)
        assert all(getattr(c.sink, "__name__", "") == "write" for c in conns)  # direct_write's
        if deflate:
            assert all(s.protocol.extensions for s in (slow, fast))
        assert await fast.recv() == "<!--seq:0-->"
        sent = 0
        # Deliver 512 KiB at a time until the server gives up on the stalled client; the one
        # that reads keeps up. The bound is far above what loopback buffers hold.
        while not on_server(lambda: any(c.closing for c in hub._by_topic["t"])):
            assert sent < 4096, "the stalled client was never closed"
            for _ in range(8):
                on_server(lambda n=sent: hub.deliver("t", f"{n}:{chunk}"))  # type: ignore[misc]
                sent += 1
            for n in range(sent - 8, sent):
                assert str(await fast.recv()).startswith(f"{n}:")
        on_server(lambda: hub.deliver("t", "after"))
        assert await fast.recv() == "after"
        # The stalled client, reading at last, finds a prefix of the messages and then 1013.
        assert await slow.recv() == "<!--seq:0-->"
        got = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                assert str(await slow.recv()).startswith(f"{got}:")
                got += 1
        assert 0 < got < sent
        assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_SLOW
        await fast.close()

    with LiveServer(app=app, ws_deflate=deflate) as server:
        asyncio.run(main(server))


async def _call(fn: Callable[[], object]) -> object:
    return fn()
