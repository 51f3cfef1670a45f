"""Response headers: the Content-Security-Policy and the other safe headers, and the websocket
Origin check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NONE = "'none'"
# A bare https origin: nothing in it can end the directive or add another (issue 18.7).
_FRAME_ORIGIN = re.compile(r"https://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?")


# A printable page that holds everything it shows (the outcomes report, a round-up): inline CSS
# and inline SVG, no script; people's text in it is escaped, so inline styles open nothing.
SELF_CONTAINED_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def content_security_policy(frame_src: str = "") -> str:
    """The page policy: our own scripts and styles only; frames only from the stream's origin
    (``frame_src``, which must be a bare https origin: anything else frames nothing)."""
    if not _FRAME_ORIGIN.fullmatch(frame_src):
        frame_src = _NONE
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            f"frame-src {frame_src}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


_SECURITY_HEADERS = [
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]
_REPLACED = {name for name, _ in _SECURITY_HEADERS}


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (unless a page set its own) and the other safe headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.default_csp = content_security_policy().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # On the raw list: the same headers as with MutableHeaders, one pass instead of
                # one per header.
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() not in _REPLACED
                ]
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", self.default_csp))
                headers.extend(_SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(headers: Mapping[str, str]) -> bool:
    """True when a websocket's Origin is this server, or absent (not a browser: no cookies)."""
    origin = headers.get("origin")
    if not origin:
        return True
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()
