"""How someone asked to see a feed: sorted newest or most upvoted first, and of one kind only
("Questions only"), from the query string of the page or of its feed widget."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import HTTPConnection

from assembly.domain.contributions import FEED_ORDERS
from assembly.models import KINDS


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
