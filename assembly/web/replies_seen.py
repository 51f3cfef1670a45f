"""Where "last viewed" lives for unread replies: a cookie per event holding the newest response
id this browser has seen on "What you have said". A cookie, not a column: reading a page stays
a read (no write per page load), and the count is only a reminder of the participant's own, so
a cleared or edited cookie harms nobody but its owner. The newest reply they were given is a
column (``participant.last_reply_id``, stamped by each response): a page compares the two
before it looks for unread replies (``assembly.domain.unread``)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from assembly.models import Event
from assembly.security import cookie_header
from assembly.web.common import secure_cookies
from assembly.web.identity import PARTICIPANT_MAX_AGE


def _name(event: Event) -> str:
    return f"asm_seen{event.id}"


def seen_reply(request: HTTPConnection, event: Event) -> int:
    """The newest response id this browser has seen for ``event`` (0: none)."""
    raw = request.cookies.get(_name(event), "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0


def remember_seen(request: HTTPConnection, response: Response, event: Event, newest: int) -> None:
    if newest > seen_reply(request, event):
        response.headers.append(
            "set-cookie",
            cookie_header(_name(event), str(newest), secure_cookies(request), PARTICIPANT_MAX_AGE),
        )
