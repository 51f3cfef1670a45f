"""Real-time fan-out: topics, a local hub that writes each message's frame to every socket
without awaiting (or through a bounded queue), brokers by URL.

This package knows nothing of assemblies; ``assembly`` uses it, never the other way round.
"""

from live.broker import Broker, MemoryBroker, broker_from_url
from live.coalesce import Coalescer
from live.endpoint import ServerSendMiddleware, serve_websocket
from live.hub import CLOSE_POLICY, Connection, Hub

__all__ = [
    "CLOSE_POLICY",
    "Broker",
    "Coalescer",
    "Connection",
    "Hub",
    "MemoryBroker",
    "ServerSendMiddleware",
    "broker_from_url",
    "serve_websocket",
]
