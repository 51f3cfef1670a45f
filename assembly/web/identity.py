"""Who a participant's request comes from: the per-event participant cookie, read and set."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from assembly import domain
from assembly.models import Event, Participant
from assembly.security import cookie_header
from assembly.web.common import secure_cookies, state

PARTICIPANT_MAX_AGE = 60 * 24 * 3600


def cookie_name(event: Event) -> str:
    return f"asm_p{event.id}"


def cookie_id(request: HTTPConnection, event: Event) -> str | None:
    return state(request).signer.participant_id(request.cookies.get(cookie_name(event)))


# A browser has one participant cookie per event it joined here. The lookup that finds the
# event and its participant in one query takes this many of them; a browser with more (or a
# script sending hundreds, each a signature to check) falls back to two queries.
_CANDIDATES = 4


async def event_and_me(
    request: HTTPConnection, db: AsyncSession, key: str | None = None
) -> tuple[Event, Participant | None, bool]:
    """The event in the path, the participant behind its cookie (None when absent, forged or
    of another event) and whether that participant used ``key`` before."""
    names = [n for n in request.cookies if n.startswith("asm_p") and n[5:].isdigit()]
    signer = state(request).signer
    ids = {n: signer.participant_id(request.cookies[n]) for n in names[:_CANDIDATES]}
    candidates = [i for i in ids.values() if i]
    event, found = await domain.event_and_participants(
        db, request.path_params["event"], candidates, key
    )
    name = cookie_name(event)
    if name in ids or name not in names:
        me, used = found.get(ids.get(name) or "", (None, False))
        return event, me, used
    me = await domain.participant(db, event, cookie_id(request, event))
    return event, me, bool(me is not None and key and await domain.key_used(db, me.id, key))


async def event_and_me_batched(
    request: HTTPConnection, key: str | None = None
) -> tuple[Event, Participant | None, bool]:
    """``event_and_me`` for the hot path (a ballot): the common case, a browser whose cookies
    name at most ``_CANDIDATES`` events, is looked up together with the other requests that
    arrive meanwhile (``assembly.lookups``); any other case the usual way."""
    names = [n for n in request.cookies if n.startswith("asm_p") and n[5:].isdigit()]
    st = state(request)
    ids = {n: st.signer.participant_id(request.cookies[n]) for n in names[:_CANDIDATES]}
    candidates = [i for i in ids.values() if i]
    event, found = await st.lookups.event_and_participants(
        request.path_params["event"], candidates, key
    )
    name = cookie_name(event)
    if name in ids or name not in names:
        me, used = found.get(ids.get(name) or "", (None, False))
        return event, me, used
    async with st.db.read() as db:
        return await event_and_me(request, db, key)


def remember(request: Request, response: Response, event: Event, p: Participant) -> Response:
    st = state(request)
    response.headers.append(
        "set-cookie",
        cookie_header(
            cookie_name(event),
            st.signer.participant_cookie(p.id),
            secure_cookies(request),
            PARTICIPANT_MAX_AGE,
        ),
    )
    return response


async def me_or_new(
    request: Request, db: AsyncSession, event: Event, channel: str = "online"
) -> tuple[Participant, bool]:
    """The participant behind the request's cookie; a new one when absent or forged."""
    existing = await domain.participant(db, event, cookie_id(request, event))
    return await domain.join(db, event, existing, channel)
