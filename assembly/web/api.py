"""The integration API: programs post external contributions with an event's API key.

No cookie ever authorizes a call here, only the ``Authorization: Bearer`` header, so a page
on another site cannot make a visitor's browser call it: that is why it needs no CSRF token.
Every answer is JSON; a refusal is ``{"error": "<what to do>"}`` with its status.
"""

from __future__ import annotations

import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from assembly.domain import Refused
from assembly.domain.apikeys import event_for_key, parse_external, post_external
from assembly.domain.records import claim_key
from assembly.models import ApiKey, Contribution, Event
from assembly.web.common import idempotency_key, state

# A contribution's JSON is at most a few kilobytes (1,000 characters of text, up to 4 bytes
# each, escaped); anything far past that is not one, and is refused before it is all read.
MAX_BODY = 64 * 1024


def bearer(request: Request) -> str | None:
    """The key in the request's ``Authorization: Bearer <key>`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _keyed(request: Request) -> tuple[Event, ApiKey]:
    """The event the path names and the request's key for it, counted against the key's rate
    limit; a sentence (401, 403, 404, 429) otherwise."""
    st = state(request)
    async with st.db.read() as db:
        event, key = await event_for_key(db, request.path_params["event"], bearer(request))
    await st.limits.check("api", f"key:{key.id}", None)
    return event, key


async def api_event(request: Request) -> Event:
    """The event of an API route's path, when the request carries that event's key (and the
    key is within its rate limit); else a ``Refused``, which the app answers as JSON on an
    ``/api/`` path. For GET routes that accept a key, such as the JSON export."""
    event, _ = await _keyed(request)
    return event


async def _json(request: Request) -> object:
    """The body as JSON, read no further than ``MAX_BODY`` bytes (413 past it, 400 if it is
    not JSON)."""
    too_big = Refused(
        f"The body is larger than {MAX_BODY // 1024} KB: send one contribution per request.", 413
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_big
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python parses
        raise Refused(
            'The body is not valid JSON. Send {"text": "...", "kind": "idea"} '
            "with the header Content-Type: application/json.",
            400,
        ) from None


async def api_contribution(request: Request) -> Response:
    """``POST /api/events/{event}/contributions``: one external contribution, as JSON
    ``{text, kind, source, author}``; 201 with ``{id, status, channel}``."""
    st = state(request)
    # A refusal anywhere here is answered as JSON by the app's handler (web.common.refused).
    await _keyed(request)  # cheap refusals first: no body is read for a wrong key
    item = parse_external(await _json(request))
    again = idempotency_key(request, FormData())  # the Idempotency-Key header
    async with st.db.write() as db:
        # Again in the transaction that writes: a key revoked meanwhile posts nothing.
        event, key = await event_for_key(db, request.path_params["event"], bearer(request))
        if not await claim_key(db, f"apikey:{key.id}", again):
            return JSONResponse({"id": None, "status": "duplicate", "channel": "external"})
        c: Contribution = await post_external(db, event, key, item)
    # Committed: only now is it shown to anyone (the console; the public feed if visible).
    await st.push.contribution_added(event, c)
    return JSONResponse({"id": c.id, "status": c.status, "channel": c.channel}, status_code=201)


routes = [
    Route(
        "/api/events/{event}/contributions",
        api_contribution,
        methods=["POST"],
        name="api_contribution",
    ),
]
