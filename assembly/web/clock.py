"""The console's clock: "Next session", and the current session's timer (start, pause, add
minutes, reset). Pages count the timer down themselves; it is pushed only when it changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly.domain.clock import change_timer, next_session
from assembly.models import Event, FacilitatorAccount
from assembly.web.auth import staff_act
from assembly.web.common import closed_said, done, repeated, state

_SAID = {
    "start": "The timer is running: {left} left.",
    "pause": "The timer is paused with {left} left.",
    "add": "Minutes added: {left} left.",
    "reset": "The timer is reset.",
}


async def next_session_route(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await next_session(db, event, account)

    event, changed = await staff_act(request, "run", act)
    if changed is None:
        return repeated(request, f"/console/{event.slug}")
    session, closed = changed
    st = state(request)
    await st.push.agenda_changed(event)
    message = f"Next session: “{session.title}” is now current." + closed_said(event, closed)
    return done(request, "", f"/console/{event.slug}", message)


async def timer_route(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        action = f.get("action")
        return action, await change_timer(
            db, event, account, action if isinstance(action, str) else "", f.get("minutes")
        )

    event, changed = await staff_act(request, "run", act)
    if changed is None:
        return repeated(request, f"/console/{event.slug}#clock")
    action, (session, timer) = changed
    await state(request).push.timer_changed(event, session)
    message = _SAID[action].format(left=timer.text)
    return done(request, "", f"/console/{event.slug}#clock", message)


routes = [
    Route(
        "/console/{event}/sessions/next",
        next_session_route,
        methods=["POST"],
        name="next_session",
    ),
    Route("/console/{event}/timer", timer_route, methods=["POST"], name="timer"),
]
