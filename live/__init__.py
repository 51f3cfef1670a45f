"""Real-time fan-out: topics, a local hub with bounded per-connection queues, brokers by URL.

This package knows nothing of assemblies; ``assembly`` uses it, never the other way round.
"""

from live.broker import Broker, MemoryBroker, broker_from_url
from live.coalesce import Coalescer
from live.endpoint import serve_websocket
from live.hub import Connection, Hub

__all__ = [
    "Broker",
    "Coalescer",
    "Connection",
    "Hub",
    "MemoryBroker",
    "broker_from_url",
    "serve_websocket",
]
