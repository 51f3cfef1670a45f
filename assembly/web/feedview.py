"""How someone asked to see a feed: sorted newest or most upvoted first, and of one kind only
("Questions only"), from the query string of the page or of its feed widget."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import HTTPConnection

from assembly.domain.contributions import FEED_ORDERS
from assembly.models import CHANNELS, KINDS


@dataclass(frozen=True)
class FeedView:
    order: str = "new"
    kind: str = ""

    def query(self, **changes: str) -> str:
        """This view's query string, with ``changes`` (for links to another view)."""
        values = {"order": self.order, "kind": self.kind, **changes}
        return urlencode({k: v for k, v in values.items() if v and v != "new"})


def feed_view(conn: HTTPConnection) -> FeedView:
    """The view the query string asks for; anything unknown is the default (newest, all)."""
    order = conn.query_params.get("order", "")
    kind = conn.query_params.get("kind", "")
    return FeedView(order if order in FEED_ORDERS else "new", kind if kind in KINDS else "")


@dataclass(frozen=True)
class ConsoleFilter:
    """What the console's feed is narrowed to: its filters, its search words and its order."""

    channel: str = ""
    kind: str = ""
    table: str = ""
    theme: str = ""
    order: str = "new"
    q: str = ""
    session: int | None = None

    def query(self) -> str:
        """The console page's query string for this filter (the address bar keeps it)."""
        values = {
            "channel": self.channel,
            "kind": self.kind,
            "table": self.table,
            "theme": self.theme,
            "order": self.order if self.order != "new" else "",
            "q": self.q,
            "session": str(self.session) if self.session is not None else "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def console_filter(conn: HTTPConnection, themes: list[str]) -> ConsoleFilter:
    """The console filter the query string asks for; anything unknown is left out."""
    params = conn.query_params
    channel = params.get("channel", "")
    theme = params.get("theme", "")
    session = params.get("session", "")
    return ConsoleFilter(
        channel=channel if channel in CHANNELS else "",
        kind=feed_view(conn).kind,
        table=params.get("table", "")[:40],
        theme=theme if theme in themes else "",
        order=feed_view(conn).order,
        q=" ".join(params.get("q", "").split())[:100],
        session=int(session) if session.isdigit() and len(session) < 10 else None,
    )
